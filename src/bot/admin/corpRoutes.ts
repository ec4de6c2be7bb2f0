import { z } from 'zod';
import type { ChannelService } from '../../channels';
import type { LicensingService } from '../../licensing';
import { HttpProblem, sendJson } from '../httpJson';
import type { AdminApi } from './adminApi';

export interface CorpRoutesOptions {
  readonly channels: () => Promise<ChannelService>;
  readonly licensing: () => Promise<LicensingService>;
}

const accountBody = z.object({ name: z.string().trim().min(1, 'name is required').max(16, 'name is at most 16 characters (WeCom\'s limit)') }).strict();

/** Corps (authorisation status) and their customer service accounts. */
export function registerCorpRoutes(api: AdminApi, o: CorpRoutesOptions): void {
  api.route({
    method: 'GET', path: '/admin/v1/corps', tag: 'corps',
    summary: 'The organisations this deployment serves, and whether each has authorised the app',
    handler: async ({ res }) => sendJson(res, 200, { corps: await (await o.channels()).corps() }),
  });

  api.route({
    method: 'GET', path: '/admin/v1/corps/:corpId', tag: 'corps',
    summary: 'One organisation: authorisation, the CSAs it authorised, agents counted and the licence status',
    handler: async ({ res, params }) => {
      const channels = await o.channels();
      const corp = (await channels.corps()).find((c) => c.corpId === params.corpId);
      if (!corp) throw new HttpProblem(404, 'unknown_corp', `no organisation ${params.corpId} here`, 'GET /admin/v1/corps lists them (ids are case-sensitive)');
      const licence = await (await o.licensing()).status(params.corpId).catch(() => undefined);
      sendJson(res, 200, { ...corp, agentCount: await channels.agentCount(params.corpId), channels: (await channels.list(params.corpId)).length, ...(licence ? { licence: { status: licence.status, valid: licence.valid } } : {}) });
    },
  });

  api.route({
    method: 'GET', path: '/admin/v1/corps/:corpId/kf-accounts', tag: 'corps',
    summary: 'The organisation\'s customer service accounts (kf/account/list), whether the app manages each, and its channel',
    handler: async ({ res, params }) => sendJson(res, 200, { accounts: await (await o.channels()).accounts(params.corpId) }),
  });

  api.route({
    method: 'POST', path: '/admin/v1/corps/:corpId/kf-accounts', tag: 'corps', body: accountBody,
    summary: 'Create a customer service account in WeCom (kf/account/add, with a default avatar); the app manages it',
    success: { status: 201 },
    handler: async ({ res, params, body }) => sendJson(res, 201, await (await o.channels()).createAccount(params.corpId, body.name)),
  });
}
