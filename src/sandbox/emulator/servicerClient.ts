/** A human servicer (接待人员) working in the WeCom client. */
import { type EmulatorCore, issueEventCode, type Published } from './core';
import { ids } from './ids';
import { type ChangeType, servicerReplyChange } from './rules';
import type { ServicerStatus, Session } from './state';

/**
 * A member acting from the WeCom client. Their messages appear in sync_msg with origin 5, and what
 * they do to sessions raises `session_status_change` events, as on WeCom.
 *
 * @example
 * emu.addServicer(corpId, { userid: 'alice' });
 * await emu.servicer(corpId, 'alice').reply(openKfid, customer.externalUserId, 'Hello, Alice here');
 * emu.sessionState(corpId, openKfid, customer.externalUserId); // { service_state: 3, servicer_userid: 'alice' }
 */
export class SimulatedServicer {
  constructor(
    private readonly core: EmulatorCore,
    readonly corpId: string,
    readonly userid: string,
  ) {
    if (!core.world.corp(corpId).members.has(userid)) throw new RangeError(`${userid} is not a member of ${corpId}; call addServicer first`);
  }

  /**
   * Writes to a customer. Takes the session (state 3): from 4 it is re-opened (change 4), from 0–2
   * taken (change 1, with a msg_code), from another servicer transferred (change 2).
   */
  async reply(openKfid: string, externalUserId: string, text: string): Promise<Published> {
    const session = this.core.world.session(this.corpId, openKfid, externalUserId);
    const change = servicerReplyChange(session, this.userid);
    if (change !== null) this.take(session, change);
    const now = this.core.clock.now();
    session.lastCorpSendAt = now;
    return this.core.publish(this.corpId, {
      msgid: ids.inboundMsgid(),
      open_kfid: openKfid,
      external_userid: externalUserId,
      send_time: Math.floor(now / 1000),
      origin: 5,
      servicer_userid: this.userid,
      msgtype: 'text',
      text: { content: text },
    });
  }

  /** Ends the session (state 4, change 3 with an end msg_code valid 20 s). */
  async endSession(openKfid: string, externalUserId: string): Promise<Published> {
    const session = this.core.world.session(this.corpId, openKfid, externalUserId);
    const old = session.servicerUserid ?? this.userid;
    Object.assign(session, { state: 4, servicerUserid: undefined, previousServicerUserid: old });
    const msgCode = issueEventCode(this.core, 'end', this.corpId, openKfid, externalUserId, 4);
    return this.sessionEvent(session, 3, { old_servicer_userid: old, msg_code: msgCode });
  }

  /** Hands the session to another servicer (change 2). */
  async transfer(openKfid: string, externalUserId: string, toUserid: string): Promise<Published> {
    const session = this.core.world.session(this.corpId, openKfid, externalUserId);
    const old = session.servicerUserid ?? this.userid;
    Object.assign(session, { state: 3, servicerUserid: toUserid });
    return this.sessionEvent(session, 2, { old_servicer_userid: old, new_servicer_userid: toUserid });
  }

  /** Changes the reception status; raises servicer_status_change on each account they serve. */
  setStatus(status: ServicerStatus): Published[] {
    const corp = this.core.world.corp(this.corpId);
    corp.members.get(this.userid)!.status = status;
    const now = Math.floor(this.core.clock.now() / 1000);
    return [...corp.accounts.values()]
      .filter((a) => a.servicers.has(this.userid))
      .map((a) =>
        this.core.publish(this.corpId, {
          msgid: ids.inboundMsgid(),
          send_time: now,
          origin: 4,
          msgtype: 'event',
          event: {
            event_type: 'servicer_status_change',
            servicer_userid: this.userid,
            open_kfid: a.openKfid,
            status: status === 'receiving' ? 1 : 2,
            stop_type: status === 'suspended' ? 1 : 0,
          },
        }),
      );
  }

  private take(session: Session, change: ChangeType): void {
    const old = session.state === 4 ? session.previousServicerUserid : session.servicerUserid;
    Object.assign(session, { state: 3, servicerUserid: this.userid, serveCodeIssued: true });
    const extra: Record<string, unknown> = { new_servicer_userid: this.userid };
    if (change !== 1) extra.old_servicer_userid = old ?? '';
    if (change === 1) extra.msg_code = issueEventCode(this.core, 'serve', this.corpId, session.openKfid, session.externalUserId, 3);
    this.sessionEvent(session, change, extra);
  }

  private sessionEvent(session: Session, changeType: ChangeType, extra: Record<string, unknown>): Published {
    return this.core.publish(this.corpId, {
      msgid: ids.inboundMsgid(),
      send_time: Math.floor(this.core.clock.now() / 1000),
      origin: 4,
      msgtype: 'event',
      event: { event_type: 'session_status_change', open_kfid: session.openKfid, external_userid: session.externalUserId, change_type: changeType, ...extra },
    });
  }
}
