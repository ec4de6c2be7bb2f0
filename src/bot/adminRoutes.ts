import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import type { OffsetClock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { LicensingService } from '../licensing';
import { getConversationWindow } from '../middleware';
import type { Store } from '../store';
import { bearerMatches, HttpProblem, readJson, sendJson, sendProblem } from './httpJson';

export interface AdminRoutesOptions {
  /** Unset: every admin call is refused with a hint to set ADMIN_TOKEN. */
  readonly adminToken?: string;
  readonly licensing: () => Promise<LicensingService>;
  readonly store: () => Promise<Store>;
  /** Only with TEST_CLOCK=true: the clock the advance route moves. */
  readonly testClock?: OffsetClock;
  /** Runs after the test clock moved (licensing jobs, held messages). */
  readonly afterAdvance?: () => Promise<unknown>;
  readonly logger: Logger;
}

const corpParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'corpId must be 1–64 letters, digits, _ or -');
const creditsBody = z.object({ credits: z.number({ error: 'credits must be a number' }) }).strict();
const autoRenewBody = z.object({ enabled: z.boolean({ error: 'enabled must be true or false' }) }).strict();
const advanceBody = z.object({ hours: z.number().positive('hours must be more than 0').max(24 * 366 * 3, 'at most 3 years at a time') }).strict();

/**
 * `/admin/v1`: licences, IM credits, auto-renew, conversation windows and (TEST_CLOCK only) the
 * test clock. Every call needs `Authorization: Bearer <ADMIN_TOKEN>`.
 */
export function registerAdminRoutes(server: Server, o: AdminRoutesOptions): void {
  const guarded = (handler: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response): Promise<void> => {
    try {
      authorise(req, o.adminToken);
      await handler(req, res);
    } catch (e) {
      if (!(e instanceof HttpProblem)) o.logger.warn({ err: e, url: req.url }, 'admin call failed');
      sendProblem(res, e);
    }
  };

  server.get('/admin/v1/corps/:corpId/licence', guarded(async (req, res) => {
    const corpId = param(req, 'corpId');
    sendJson(res, 200, await (await o.licensing()).status(corpId));
  }));

  server.post('/admin/v1/corps/:corpId/credits', guarded(async (req, res) => {
    const corpId = param(req, 'corpId');
    const { credits } = await readJson(req, creditsBody);
    const key = req.header('Idempotency-Key') || undefined;
    const licensing = await o.licensing();
    await licensing.status(corpId); // unknown corp → 404 before anything is recorded
    const result = await licensing.purchase(corpId, credits, key);
    sendJson(res, result.duplicate ? 200 : 201, result);
  }));

  server.put('/admin/v1/corps/:corpId/auto-renew', guarded(async (req, res) => {
    const corpId = param(req, 'corpId');
    const { enabled } = await readJson(req, autoRenewBody);
    sendJson(res, 200, await (await o.licensing()).setAutoRenew(corpId, enabled));
  }));

  server.get('/admin/v1/conversations/:conversationId/window', guarded(async (req, res) => {
    const conversationId = String(req.params.conversationId ?? '');
    const store = await o.store();
    sendJson(res, 200, await getConversationWindow(store, conversationId, store.clock.now()));
  }));

  if (o.testClock) {
    const clock = o.testClock;
    server.post('/admin/v1/test-clock/advance', guarded(async (req, res) => {
      const { hours } = await readJson(req, advanceBody);
      clock.advance(hours * 3_600_000);
      o.logger.warn({ hours, now: new Date(clock.now()).toISOString() }, 'test clock advanced');
      await o.afterAdvance?.();
      sendJson(res, 200, { now: new Date(clock.now()).toISOString() });
    }));
  }
}

function param(req: Request, name: string): string {
  const parsed = corpParam.safeParse(req.params[name]);
  if (!parsed.success) throw new HttpProblem(400, 'invalid_parameter', parsed.error.issues[0]?.message ?? `bad ${name}`);
  return parsed.data;
}

/** Bearer check in constant time (hashes first, so lengths never leak through timing). */
function authorise(req: Request, adminToken: string | undefined): void {
  if (!adminToken) throw new HttpProblem(401, 'admin_disabled', 'the admin API is off: set ADMIN_TOKEN (at least 16 characters) and restart');
  if (!bearerMatches(req, adminToken)) {
    throw new HttpProblem(401, 'unauthorized', 'missing or wrong bearer token: send Authorization: Bearer <ADMIN_TOKEN>');
  }
}
