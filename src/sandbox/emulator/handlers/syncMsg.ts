import type { Route } from '../core';
import { decodeCursor, encodeCursor, selectPage } from '../cursor';
import { errcodes, refuse } from '../errors';
import { optInt, optStr } from '../fields';
import { findAccount } from './common';

const maxLimit = 1000;

/**
 * `POST kf/sync_msg` (§3). `limit` absent or 0 means the default (1000); outside 0–1000 → 40058.
 * A cursor that is not ours → 40058.
 */
export const syncMsg: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId, now }) {
    const sw = core.switches;
    if ((core.inflightSync.get(corpId) ?? 0) > sw.maxConcurrentSyncMsg) refuse(errcodes.tooConcurrent);
    const corp = core.world.corp(corpId);
    const cursor = optStr(body, 'cursor', { maxBytes: 64 });
    const token = optStr(body, 'token', { maxBytes: 128 });
    const limit = optInt(body, 'limit', 0, maxLimit) || maxLimit;
    optInt(body, 'voice_format', 0, 1);
    const openKfid = body.open_kfid === undefined ? undefined : findAccount(corp, body.open_kfid).openKfid;

    if (token) {
      if (!core.syncTokens.valid(token, corpId, now)) {
        core.limiter.hit(corpId, now, sw.syncMsgNoTokenLimitPerMinute); // a bad token counts as none
        refuse(errcodes.invalidSyncToken);
      }
    } else {
      core.limiter.hit(corpId, now, sw.syncMsgNoTokenLimitPerMinute);
    }

    let after = 0;
    if (cursor) {
      const decoded = decodeCursor(cursor);
      if (decoded === null) refuse(errcodes.invalidParameter, 'cursor');
      after = decoded;
    }
    const retainedFrom = now - sw.retentionDays * 24 * 3600_000;
    const page = selectPage(corp.log, after, retainedFrom, limit, openKfid);
    return { json: { next_cursor: encodeCursor(page.nextSeq), has_more: page.hasMore ? 1 : 0, msg_list: page.messages } };
  },
};
