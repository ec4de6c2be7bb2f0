import { WeComChannelError } from '../common/errors';
import type { CoreTurn } from '../core';
import type { KfOutboundMessage } from '../wecom/kfMessages';

/**
 * Hooks let middleware (the conversation window, media rules, the licence gate) act on each kf
 * message the adapter is about to send. One activity may become several kf messages (long text,
 * text + menu, attachments), and each one spends WeChat's reply quota, so the rules must see the
 * kf messages, not the activities.
 *
 * Middleware installs hooks for the turn with {@link addSendHook} / {@link addMediaHook}; the adapter
 * calls them in installation order for every send of that turn, proactive turns included.
 */

/**
 * Thrown by a send hook to hold a reply back without failing the bot's turn: nothing goes out, the
 * bot's `sendActivity` resolves with an empty id, and a warning is logged. For replies WeChat's rules
 * leave no room for in a turn that does not answer the customer's newest message: aborting that
 * turn would lose the bot's state (a dialog would not save its step) and derail what follows.
 */
export class ReplyHeldBackError extends WeComChannelError {
  override readonly name = 'ReplyHeldBackError' as const;
  readonly code = 'reply_held_back' as const;

  constructor(
    readonly conversationId: string,
    /** Why, e.g. `kept-for-newest`. */
    readonly reason: string,
  ) {
    super(`reply to ${conversationId} held back (${reason}): nothing was sent`);
  }
}

/** One kf message about to go to WeCom. */
export interface OutboundSend {
  readonly corpId: string;
  readonly openKfId: string;
  readonly externalUserId: string;
  readonly conversationId: string;
  /** Our deterministic msgid for this send (see replyMsgid). */
  readonly msgid: string;
  /** `send_msg_on_event` answers an event code (welcome, session end) and does not spend the reply quota. */
  readonly via: 'send_msg' | 'send_msg_on_event';
  readonly message: KfOutboundMessage;
}

/**
 * How a send ended, as far as we can know:
 * - `sent`: WeCom accepted it;
 * - `not_sent`: it certainly did not go out (refused before sending, or WeCom refused it);
 * - `unknown`: it may have gone out (timeout, reset after the request was written).
 */
export type SendOutcome =
  | { readonly status: 'sent'; readonly wecomMsgid: string }
  | { readonly status: 'not_sent'; readonly error: unknown; readonly errcode?: number }
  | { readonly status: 'unknown'; readonly error: unknown };

/** Learns how a send ended. */
export type SendOutcomeListener = (outcome: SendOutcome) => Promise<void>;

export interface SendHook {
  /**
   * Called before the kf message goes out. Throw to refuse it (the error reaches the bot's
   * `sendActivity` call). Return a function to learn the outcome — e.g. to give a reserved reply
   * slot back when the send certainly did not happen.
   */
  beforeSend(context: CoreTurn, send: OutboundSend): Promise<SendOutcomeListener | undefined>;
  /**
   * How many kf messages this conversation may still receive now (`undefined`: no limit known).
   * The adapter renders an activity compactly when its normal form would not leave one of them for
   * what the turn sends next (see `fromActivity`'s compact mode). `ownMsgids`: the msgids the
   * activity would be sent with; a slot one of them already holds (an earlier attempt of a retried
   * turn) counts as left, so the retry renders the activity as the first attempt did.
   */
  repliesLeft?(context: CoreTurn, conversationId: string, ownMsgids?: readonly string[]): Promise<number | undefined>;
}

/**
 * What a send hook wrote of a send before it goes: `'first'` when its msgid is new to the hook,
 * `'repeat'` when an earlier attempt of the same msgid is on record with an outcome never learned
 * (a timeout, a crash). See {@link noteRecordedAttempt}.
 */
export type RecordedAttempt = 'first' | 'repeat';

/** An outgoing attachment's bytes, fetched by the adapter before anything is uploaded. */
export interface OutboundMedia {
  readonly bytes: Buffer;
  readonly name?: string;
  /** What the bot declared; not trusted. */
  readonly declaredContentType?: string;
  /** What the bot asked for, or `auto`. */
  readonly requestedType: 'image' | 'voice' | 'video' | 'file' | 'auto';
}

/** How the media will be sent: WeCom's upload type, decided from the real bytes. */
export interface MediaDecision {
  readonly mediaType: 'image' | 'voice' | 'video' | 'file';
  readonly contentType: string;
  readonly filename: string;
}

export interface MediaHook {
  /** Checks outgoing bytes; throws to refuse them before anything is uploaded. */
  checkOutbound(context: CoreTurn, media: OutboundMedia): Promise<MediaDecision>;
}

const SEND_HOOKS = Symbol.for('wecom.sendHooks');
const RECORDED_ATTEMPTS = Symbol.for('wecom.recordedAttempts');
const MEDIA_HOOK = Symbol.for('wecom.mediaHook');

/** Installs a send hook for the rest of this turn. */
export function addSendHook(context: CoreTurn, hook: SendHook): void {
  const hooks = (context.turnState.get(SEND_HOOKS) as SendHook[] | undefined) ?? [];
  context.turnState.set(SEND_HOOKS, [...hooks, hook]);
}

/** The send hooks installed for this turn, in order. */
export function sendHooksOf(context: CoreTurn): readonly SendHook[] {
  return (context.turnState.get(SEND_HOOKS) as SendHook[] | undefined) ?? [];
}

/** The smallest `repliesLeft` the turn's hooks answer, or `undefined` when none knows a limit. */
export async function repliesLeftOf(context: CoreTurn, conversationId: string, ownMsgids?: readonly string[]): Promise<number | undefined> {
  let least: number | undefined;
  for (const hook of sendHooksOf(context)) {
    const left = await hook.repliesLeft?.(context, conversationId, ownMsgids);
    if (left !== undefined) least = least === undefined ? left : Math.min(least, left);
  }
  return least;
}

/** Installs the media check for the rest of this turn (one at a time: the last one wins). */
export function setMediaHook(context: CoreTurn, hook: MediaHook): void {
  context.turnState.set(MEDIA_HOOK, hook);
}

export function mediaHookOf(context: CoreTurn): MediaHook | undefined {
  return context.turnState.get(MEDIA_HOOK) as MediaHook | undefined;
}

/**
 * Called by a send hook whose `beforeSend` durably wrote the send's msgid to the store (the
 * conversation window's reply slot names it): the adapter then writes no "attempting" record of
 * its own, one store write fewer per reply. A hook must call it only after that write succeeded.
 *
 * @example
 * await slots.reserve(send.msgid); // one store write that names the msgid
 * noteRecordedAttempt(context, send.msgid, heldBefore ? 'repeat' : 'first');
 */
export function noteRecordedAttempt(context: CoreTurn, msgid: string, attempt: RecordedAttempt): void {
  let noted = context.turnState.get(RECORDED_ATTEMPTS) as Map<string, RecordedAttempt> | undefined;
  if (!noted) context.turnState.set(RECORDED_ATTEMPTS, (noted = new Map()));
  if (noted.get(msgid) !== 'repeat') noted.set(msgid, attempt);
}

/** What the hooks noted of this msgid's send (and forgets it, so the next send of it asks again). */
export function takeRecordedAttempt(context: CoreTurn, msgid: string): RecordedAttempt | undefined {
  const noted = context.turnState.get(RECORDED_ATTEMPTS) as Map<string, RecordedAttempt> | undefined;
  const attempt = noted?.get(msgid);
  noted?.delete(msgid);
  return attempt;
}
