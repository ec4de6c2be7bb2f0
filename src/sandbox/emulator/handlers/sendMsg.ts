import type { EmulatorCore, Route } from '../core';
import { errcodes, refuse } from '../errors';
import { type Json, str } from '../fields';
import { ids } from '../ids';
import { type PayloadContext, sendMsgTypes, validatePayload } from '../payloads';
import { afterSend, sendRefusal, validAppMsgid } from '../rules';
import type { Corp, SentMessage } from '../state';
import { findAccount } from './common';

/** The app's msgid: absent → undefined; `""`, too long or bad characters → 40058 (§6). */
export function appMsgid(body: Json): string | undefined {
  const msgid = body.msgid;
  if (msgid === undefined) return undefined;
  if (typeof msgid !== 'string' || !validAppMsgid(msgid)) refuse(errcodes.invalidParameter, 'msgid must be 1–32 bytes of [0-9a-zA-Z_-]');
  return msgid;
}

export function payloadContext(core: EmulatorCore, corpId: string, now: number): PayloadContext {
  return {
    mediaExists: (mediaId, type) => {
      const item = core.media.get(corpId, mediaId, now);
      return item !== undefined && (type === undefined || item.type === type);
    },
    menuClickIdMaxBytes: core.switches.menuClickIdMaxBytes,
  };
}

/**
 * The answer to a repeated app msgid on the account, or undefined when it is new: under
 * `'success'` the same msgid again (nothing sent twice), under `'duplicate_error'` a refusal.
 */
export function repeatedMsgid(core: EmulatorCore, corp: Corp, openKfid: string, msgid: string | undefined): { json: Json } | undefined {
  if (msgid === undefined || !corp.usedMsgids.has(`${openKfid} ${msgid}`)) return undefined;
  if (core.switches.repeatedSendMsgid === 'success') return { json: { msgid } };
  refuse(core.switches.duplicateMsgidErrcode, 'msgid already used on this kf account');
}

/** Records an accepted message for `received()` and for msgid uniqueness. */
export function recordSent(corp: Corp, sent: SentMessage): void {
  corp.sent.push(sent);
  corp.usedMsgids.set(`${sent.openKfid} ${sent.msgid}`, sent);
}

/** `POST kf/send_msg` (§6): parameters, then msgid reuse, then state (95018), window (95002), quota (95001). */
export const sendMsg: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId, now }) {
    const corp = core.world.corp(corpId);
    const touser = str(body, 'touser', { maxBytes: 64 });
    const account = findAccount(corp, body.open_kfid);
    const msgid = appMsgid(body);
    const msgtype = str(body, 'msgtype');
    const payload = validatePayload(msgtype, body, sendMsgTypes, payloadContext(core, corpId, now));
    const repeated = repeatedMsgid(core, corp, account.openKfid, msgid);
    if (repeated) return repeated;

    const session = core.world.session(corpId, account.openKfid, touser);
    const why = sendRefusal(session, now);
    if (why !== null) refuse(why);
    Object.assign(session, afterSend(session, now, core.switches.sendInStateZeroMovesToOne));
    const finalMsgid = msgid ?? ids.outboundMsgid();
    recordSent(corp, { msgid: finalMsgid, openKfid: account.openKfid, externalUserId: touser, msgtype, payload, via: 'send_msg', at: now });
    return { json: { msgid: finalMsgid } };
  },
};
