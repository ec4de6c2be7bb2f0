import type { OutboundSend, SendOutcome } from '../../src/adapter/sendHooks';
import type { Clock } from '../../src/common/clock';
import { afterCustomerMessage, afterSend, sendRefusal } from '../../src/sandbox/emulator/rules';
import type { Session } from '../../src/sandbox/emulator/state';

/** One call the fake WeCom answered. */
export interface WeComLogEntry {
  readonly msgid: string;
  readonly conversationId: string;
  readonly via: OutboundSend['via'];
  readonly errcode: number;
}

/**
 * WeCom's side of `kf/send_msg`, judged by the sandbox emulator's own rules (an implementation
 * independent of the middleware under test): if the middleware ever let a 6th reply or a late
 * reply through, this answers 95001/95002 and the log shows it. Shared by several test adapters,
 * as one WeCom is shared by several instances.
 */
export class FakeWeCom {
  readonly log: WeComLogEntry[] = [];
  private readonly sessions = new Map<string, Session>();
  private sequence = 0;

  constructor(private readonly clock: Clock) {}

  /** The customer writes: WeCom opens a fresh window. Returns the kf message as sync_msg gives it. */
  customerWrites(conversationId: string, text = 'hello', sendTime = Math.floor(this.clock.now() / 1000)) {
    const [, openKfId = '', externalUserId = ''] = conversationId.split(':');
    this.sessions.set(conversationId, afterCustomerMessage(this.session(conversationId), this.clock.now()));
    this.sequence += 1;
    return { msgid: `cust${this.sequence}`, send_time: sendTime, origin: 3 as const, open_kfid: openKfId, external_userid: externalUserId, msgtype: 'text' as const, text: { content: text } };
  }

  /** Answers one send as WeCom would. `send_msg_on_event` is not judged by the window (it answers an event code). */
  send(send: OutboundSend): SendOutcome {
    const session = this.session(send.conversationId);
    const errcode = send.via === 'send_msg_on_event' ? 0 : (sendRefusal(session, this.clock.now()) ?? 0);
    this.log.push({ msgid: send.msgid, conversationId: send.conversationId, via: send.via, errcode });
    if (errcode !== 0) return { status: 'not_sent', error: new Error(`WeCom errcode ${errcode}`), errcode };
    if (send.via === 'send_msg') this.sessions.set(send.conversationId, afterSend(session, this.clock.now(), true));
    return { status: 'sent', wecomMsgid: send.msgid };
  }

  /** Accepted sends. */
  delivered(): WeComLogEntry[] {
    return this.log.filter((e) => e.errcode === 0);
  }

  /** Every refusal WeCom had to make (the middleware's job is to keep this empty). */
  refusals(): WeComLogEntry[] {
    return this.log.filter((e) => e.errcode !== 0);
  }

  private session(conversationId: string): Session {
    const [, openKfid = '', externalUserId = ''] = conversationId.split(':');
    return this.sessions.get(conversationId) ?? { openKfid, externalUserId, state: 4, sendsSinceCustomerMsg: 0, queueCodeIssued: false, serveCodeIssued: false };
  }
}
