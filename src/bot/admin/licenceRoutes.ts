import { z } from 'zod';
import type { OffsetClock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import type { LicensingService } from '../../licensing';
import { getConversationWindow } from '../../middleware';
import type { Store } from '../../store';
import { sendJson } from '../httpJson';
import type { AdminApi } from './adminApi';

export interface LicenceRoutesOptions {
  readonly licensing: () => Promise<LicensingService>;
  readonly store: () => Promise<Store>;
  /** Only with TEST_CLOCK=true: the clock the advance route moves. */
  readonly testClock?: OffsetClock;
  /** Runs after the test clock moved (licensing jobs, held messages). */
  readonly afterAdvance?: () => Promise<unknown>;
  readonly logger: Logger;
}

const creditsBody = z.object({ credits: z.number({ error: 'credits must be a number' }) }).strict();
const autoRenewBody = z.object({ enabled: z.boolean({ error: 'enabled must be true or false' }) }).strict();
const advanceBody = z.object({ hours: z.number().positive('hours must be more than 0').max(24 * 366 * 3, 'at most 3 years at a time') }).strict();

/** Licences, IM credits, auto-renew, conversation windows and (TEST_CLOCK only) the test clock. */
export function registerLicenceRoutes(api: AdminApi, o: LicenceRoutesOptions): void {
  api.route({
    method: 'GET', path: '/admin/v1/corps/:corpId/licence', tag: 'licences',
    summary: 'The licence: status, trial days left, credit balance, agents counted, the next year\'s cost and whether it can be paid for',
    handler: async ({ res, params }) => sendJson(res, 200, await (await o.licensing()).status(params.corpId)),
  });

  api.route({
    method: 'POST', path: '/admin/v1/corps/:corpId/credits', tag: 'licences', body: creditsBody,
    summary: 'Buy IM credits (whole credits, at least 4); send Idempotency-Key to make a retry safe',
    success: { status: 201, description: 'recorded (200 when the Idempotency-Key was already used for this purchase)' },
    handler: async ({ req, res, params, body }) => {
      const key = req.header('Idempotency-Key') || undefined;
      const licensing = await o.licensing();
      await licensing.status(params.corpId); // unknown corp → 404 before anything is recorded
      const result = await licensing.purchase(params.corpId, body.credits, key);
      sendJson(res, result.duplicate ? 200 : 201, result);
    },
  });

  api.route({
    method: 'PUT', path: '/admin/v1/corps/:corpId/auto-renew', tag: 'licences', body: autoRenewBody,
    summary: 'Turn auto-renew of the licence year on or off',
    handler: async ({ res, params, body }) => sendJson(res, 200, await (await o.licensing()).setAutoRenew(params.corpId, body.enabled)),
  });

  api.route({
    method: 'GET', path: '/admin/v1/conversations/:conversationId/window', tag: 'conversations',
    summary: 'A conversation\'s 48-hour window and the replies left in it',
    handler: async ({ res, params }) => {
      const store = await o.store();
      sendJson(res, 200, await getConversationWindow(store, params.conversationId, store.clock.now()));
    },
  });

  if (o.testClock) {
    const clock = o.testClock;
    api.route({
      method: 'POST', path: '/admin/v1/test-clock/advance', tag: 'test clock', body: advanceBody,
      summary: 'TEST_CLOCK only: move the app\'s clock ahead and run what fell due',
      handler: async ({ res, body }) => {
        clock.advance(body.hours * 3_600_000);
        o.logger.warn({ hours: body.hours, now: new Date(clock.now()).toISOString() }, 'test clock advanced');
        await o.afterAdvance?.();
        sendJson(res, 200, { now: new Date(clock.now()).toISOString() });
      },
    });
  }
}
