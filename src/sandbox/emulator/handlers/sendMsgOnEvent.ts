import type { Route } from '../core';
import { refuse } from '../errors';
import { str } from '../fields';
import { ids } from '../ids';
import { validatePayload } from '../payloads';
import { codeMsgtypes } from '../rules';
import { appMsgid, payloadContext, recordSent, repeatedMsgid } from './sendMsg';

/**
 * `POST kf/send_msg_on_event` (§7). Unknown, used, expired, other-corp codes, and non-welcome codes
 * whose session left the issuing state, are refused with the `invalidEventCodeErrcode` switch; a
 * msgtype the code does not allow → 40008.
 */
export const sendMsgOnEvent: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId, now }) {
    const corp = core.world.corp(corpId);
    const codeText = str(body, 'code', { maxBytes: 256 });
    const msgid = appMsgid(body);
    const msgtype = str(body, 'msgtype');
    const bad: (why: string) => never = (why) => refuse(core.switches.invalidEventCodeErrcode, why);

    const code = core.world.codes.get(codeText);
    if (!code || code.corpId !== corpId) bad('unknown code');
    if (code.used) bad('code already used');
    if (code.expiresAt <= now) bad('code expired');
    const session = core.world.session(corpId, code.openKfid, code.externalUserId);
    if (code.kind !== 'welcome' && session.state !== code.issuedInState) bad('the session left the state that issued the code');

    const payload = validatePayload(msgtype, body, codeMsgtypes[code.kind], payloadContext(core, corpId, now));
    const repeated = repeatedMsgid(core, corp, code.openKfid, msgid);
    if (repeated) return repeated;

    code.used = true;
    if (code.kind === 'welcome') session.lastWelcomeAt = now;
    const finalMsgid = msgid ?? ids.outboundMsgid();
    recordSent(corp, { msgid: finalMsgid, openKfid: code.openKfid, externalUserId: code.externalUserId, msgtype, payload, via: 'send_msg_on_event', at: now });
    return { json: { msgid: finalMsgid } };
  },
};
