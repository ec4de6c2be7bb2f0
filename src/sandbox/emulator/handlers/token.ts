import type { Route } from '../core';
import { errcodes, refuse } from '../errors';

/** `GET gettoken?corpid&corpsecret` (§1). */
export const gettoken: Route = {
  verbs: ['GET'],
  auth: false,
  body: 'none',
  handle({ core, query, now }) {
    const corpId = query.get('corpid');
    const secret = query.get('corpsecret');
    if (!corpId) refuse(errcodes.missingCorpId);
    if (!secret) refuse(errcodes.missingSecret);
    const corp = core.world.corps.get(corpId);
    if (!corp) refuse(errcodes.invalidCorpId);
    if (secret !== corp.secret) refuse(errcodes.invalidSecret);
    const sw = core.switches;
    const { token, expiresInS } = core.tokens.issue(corpId, now, sw.tokenTtlSeconds * 1000, sw.gettokenWhileValid === 'same');
    return { json: { access_token: token, expires_in: expiresInS } };
  },
};
