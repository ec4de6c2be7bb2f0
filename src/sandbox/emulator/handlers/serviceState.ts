import { issueEventCode, type Route } from '../core';
import { errcodes, refuse } from '../errors';
import { str } from '../fields';
import { afterTrans, codeForTrans, transRefusal } from '../rules';
import { sessionKey, type ServiceState } from '../state';
import { findAccount } from './common';

const isState = (v: unknown): v is ServiceState => v === 0 || v === 1 || v === 2 || v === 3 || v === 4;

/** `POST kf/service_state/get` (§8). A customer the account never saw reads as 4 (not started). */
export const serviceStateGet: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId }) {
    const corp = core.world.corp(corpId);
    const account = findAccount(corp, body.open_kfid);
    const externalUserId = str(body, 'external_userid', { maxBytes: 64 });
    const session = corp.sessions.get(sessionKey(account.openKfid, externalUserId));
    const state = session?.state ?? 4;
    return { json: { service_state: state, servicer_userid: state === 3 ? (session?.servicerUserid ?? '') : '' } };
  },
};

/**
 * `POST kf/service_state/trans` (§8): legal edges only (95016; 95013 from an ended session); a
 * target of 3 needs a servicer of this account (95014) who is receiving (95019). A msg_code comes
 * back on the first move to 2 or 3 and on a move to 4. No session_status_change event: those come
 * from servicers in the WeCom client, not from the app's own trans.
 */
export const serviceStateTrans: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId }) {
    const corp = core.world.corp(corpId);
    const account = findAccount(corp, body.open_kfid);
    const externalUserId = str(body, 'external_userid', { maxBytes: 64 });
    const to = body.service_state;
    if (!isState(to)) refuse(errcodes.invalidParameter, 'service_state must be 0–4');
    const session = core.world.session(corpId, account.openKfid, externalUserId);
    const why = transRefusal(session.state, to);
    if (why !== null) refuse(why);

    let servicer: string | undefined;
    if (to === 3) {
      servicer = str(body, 'servicer_userid', { maxBytes: 64 });
      const member = corp.members.get(servicer);
      if (!member || !account.servicers.has(servicer)) refuse(errcodes.notAServicer);
      if (member.status !== 'receiving') refuse(errcodes.servicerNotReceiving);
    }
    const kind = codeForTrans(session, to);
    Object.assign(session, afterTrans(session, to, servicer, kind));
    const msgCode = kind ? issueEventCode(core, kind, corpId, account.openKfid, externalUserId, to) : undefined;
    return { json: msgCode ? { msg_code: msgCode } : {} };
  },
};
