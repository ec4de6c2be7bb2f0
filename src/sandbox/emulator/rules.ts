/**
 * WeCom's session rules as pure functions of a session and `now` (emulator-clock ms). No I/O, no
 * clock: handlers and the simulated customer call them and apply what they return.
 */
import { errcodes } from './errors';
import type { EventCodeKind, ServiceState, Session } from './state';

export const hourMs = 3600_000;
/** §6: a customer's message opens a 48 h window for the app's replies. */
export const replyWindowMs = 48 * hourMs;
/** §6: at most 5 sends per customer message. */
export const maxSendsPerCustomerMessage = 5;
/** §7: queue and serve codes live 48 h, an end code 20 s. */
export const codeTtlMs: Record<Exclude<EventCodeKind, 'welcome'>, number> = { queue: 48 * hourMs, serve: 48 * hourMs, end: 20_000 };
/** §7: which msgtypes each code allows. */
export const codeMsgtypes: Record<EventCodeKind, readonly string[]> = {
  welcome: ['text', 'msgmenu'],
  queue: ['text'],
  serve: ['text'],
  end: ['text', 'msgmenu'],
};

/**
 * Why send_msg must be refused now, or null if it may go. Order: state (95018), then the 48 h
 * window (95002), then the 5-message quota (95001). A customer who never wrote is in state 4
 * ("entered but silent") or unknown, so the state rule refuses them with 95018.
 *
 * @example
 * sendRefusal({ ...s, state: 3 }, now) // 95018
 */
export function sendRefusal(s: Readonly<Session>, now: number): number | null {
  if (s.state !== 0 && s.state !== 1) return errcodes.sessionStateForbidsSend;
  if (s.lastCustomerMsgAt === undefined || now - s.lastCustomerMsgAt >= replyWindowMs) return errcodes.sendWindowClosed;
  if (s.sendsSinceCustomerMsg >= maxSendsPerCustomerMessage) return errcodes.sendCountLimit;
  return null;
}

/** The session after an accepted send_msg. */
export function afterSend(s: Readonly<Session>, now: number, zeroMovesToOne: boolean): Session {
  const state: ServiceState = s.state === 0 && zeroMovesToOne ? 1 : s.state;
  return { ...s, state, sendsSinceCustomerMsg: s.sendsSinceCustomerMsg + 1, lastCorpSendAt: now };
}

/** The session after a customer's message: a fresh quota, a fresh window, and 4 → 0 (a new session). */
export function afterCustomerMessage(s: Readonly<Session>, now: number): Session {
  const base: Session = { ...s, lastCustomerMsgAt: now, sendsSinceCustomerMsg: 0 };
  if (s.state !== 4) return base;
  return { ...base, state: 0, servicerUserid: undefined, queueCodeIssued: false, serveCodeIssued: false };
}

/** §8: the transitions the app may ask for with kf/service_state/trans. */
export const legalTransitions: Readonly<Record<ServiceState, readonly ServiceState[]>> = {
  0: [1, 2, 3],
  1: [2, 3],
  2: [3],
  3: [3, 4],
  4: [],
};

/** Why a trans from `from` to `to` is refused (95013 from an ended session, 95016 otherwise), or null. */
export function transRefusal(from: ServiceState, to: ServiceState): number | null {
  if (from === 4) return errcodes.sessionEnded;
  return legalTransitions[from].includes(to) ? null : errcodes.illegalTransition;
}

/** Which msg_code (if any) a legal trans issues: on the first move to 2 or 3 of a session, and on every move to 4. */
export function codeForTrans(s: Readonly<Session>, to: ServiceState): Exclude<EventCodeKind, 'welcome'> | null {
  if (to === 2 && s.state !== 2 && !s.queueCodeIssued) return 'queue';
  if (to === 3 && s.state !== 3 && !s.serveCodeIssued) return 'serve';
  if (to === 4) return 'end';
  return null;
}

/** The session after a legal trans. */
export function afterTrans(s: Readonly<Session>, to: ServiceState, servicerUserid: string | undefined, code: EventCodeKind | null): Session {
  return {
    ...s,
    state: to,
    servicerUserid: to === 3 ? servicerUserid : undefined,
    previousServicerUserid: to === 4 ? s.servicerUserid : s.previousServicerUserid,
    queueCodeIssued: s.queueCodeIssued || code === 'queue',
    serveCodeIssued: s.serveCodeIssued || code === 'serve',
  };
}

/** session_status_change.change_type: 1 taken, 2 transferred, 3 ended, 4 re-opened. */
export type ChangeType = 1 | 2 | 3 | 4;

/**
 * A servicer writing from the WeCom client takes the session (state 3). Returns the change to
 * announce, or null when the servicer already holds it.
 */
export function servicerReplyChange(s: Readonly<Session>, userid: string): ChangeType | null {
  if (s.state === 3) return s.servicerUserid === userid ? null : 2;
  return s.state === 4 ? 4 : 1;
}

/**
 * Whether enter_session carries a welcome_code: no welcome in 48 h and no message either way in
 * 48 h. Both directions count (the sources disagree which one; both is the stricter reading).
 */
export function welcomeCodeDue(s: Readonly<Session>, now: number): boolean {
  const recent = (t: number | undefined): boolean => t !== undefined && now - t < replyWindowMs;
  return !recent(s.lastWelcomeAt) && !recent(s.lastCustomerMsgAt) && !recent(s.lastCorpSendAt);
}

/** UTF-8 length: WeCom's limits are in bytes. */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** §6: an app msgid is ≤32 bytes of `[0-9a-zA-Z_-]`, and never empty when present. */
export function validAppMsgid(msgid: string): boolean {
  return /^[0-9a-zA-Z_-]{1,32}$/.test(msgid);
}
