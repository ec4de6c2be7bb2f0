import type { Route } from '../core';
import { errcodes, refuse } from '../errors';
import { optInt } from '../fields';
import { replyWindowMs } from '../rules';
import type { CustomerProfile } from '../state';

/** WeCom describes only customers who talked to the corp's kf accounts in the last 48 hours (2025-11 doc). */
const activeWindowMs = replyWindowMs;

/**
 * `POST kf/customer/batchget` (§9): `external_userid_list` of 1–100 ids → `customer_list` for the
 * customers active in the last 48 h, every other id in `invalid_external_userid`.
 */
export const customerBatchget: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId, now }) {
    const list = body.external_userid_list;
    if (!Array.isArray(list) || list.length < 1 || list.length > 100) refuse(errcodes.invalidParameter, 'external_userid_list must hold 1–100 ids');
    if (!list.every((id): id is string => typeof id === 'string')) refuse(errcodes.invalidParameter, 'external_userid_list must hold strings');
    const withContext = optInt(body, 'need_enter_session_context', 0, 1) === 1;
    const customers = core.world.corp(corpId).customers;
    const described: Record<string, unknown>[] = [];
    const invalid: string[] = [];
    for (const id of new Set(list)) {
      const profile = customers.get(id);
      if (profile?.lastActiveAt !== undefined && now - profile.lastActiveAt < activeWindowMs) described.push(describe(profile, withContext));
      else invalid.push(id);
    }
    return { json: { customer_list: described, invalid_external_userid: invalid } };
  },
};

function describe(p: CustomerProfile, withContext: boolean): Record<string, unknown> {
  const item: Record<string, unknown> = { external_userid: p.externalUserId, nickname: p.nickname, avatar: p.avatar, gender: p.gender };
  if (withContext) item.enter_session_context = p.enterContext ?? { scene: '', scene_param: '' };
  return item;
}
