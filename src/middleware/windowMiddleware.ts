import { addSendHook, noteRecordedAttempt, type OutboundSend, ReplyHeldBackError, type SendOutcomeListener } from '../adapter/sendHooks';
import type { Clock } from '../common/clock';
import { silentLogger, type Logger } from '../common/logger';
import { ActivityTypes, type CoreTurn, type TurnRule } from '../core';
import { ConversationLockedError } from './conversationLockedError';
import { customerMessageOf, kfFactsOf } from './kfChannelData';
import type { ReserveFor, WindowRepository } from './windowRepository';

export interface WindowMiddlewareOptions {
  /** Where `now` comes from. Default: the store's clock. */
  clock?: Clock;
  /**
   * When the customer wrote several messages before the bot answered (a burst, an outage, a
   * restart), WeCom counts every reply against the newest one: all turns of that backlog share its
   * 5 slots. Turns answering the older messages leave this many to the newest message's turn, so
   * the customer's latest message is always answered. Default 2.
   */
  keepForNewest?: number;
  /** Default: silent. */
  logger?: Logger;
}

/** WeCom's answers that mean "the window is locked": 95001 five replies sent, 95002 48 h passed. */
const WECOM_LOCKS: Readonly<Record<number, 'reply-limit' | 'window-expired'>> = { 95001: 'reply-limit', 95002: 'window-expired' };

/**
 * WeChat's messaging rules (conversationWindow.ts), enforced before WeCom would refuse:
 * - a customer's message (origin 3) opens a fresh window: recorded before the bot runs;
 * - every kf message the adapter is about to send with `send_msg` spends one reply slot, reserved
 *   atomically in the store (so several instances together never pass 5); a refused send rejects
 *   the bot's `sendActivity` with {@link ConversationLockedError}, nothing is sent;
 * - a send that certainly did not happen gives its slot back; WeCom's 95001/95002 lock the window;
 * - `send_msg_on_event` (welcome and session messages, answering an event code) spends nothing
 *   and is not refused here: WeCom allows it outside the window;
 * - it tells the adapter how many replies are left, so an activity too big for them is rendered
 *   compactly instead of being cut off by the limit.
 *
 * @example
 * adapter.use(new WindowMiddleware(new WindowRepository(store), { logger }));
 */
export class WindowMiddleware implements TurnRule {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly keepForNewest: number;

  constructor(
    private readonly windows: WindowRepository,
    options: WindowMiddlewareOptions = {},
  ) {
    this.clock = options.clock ?? windows.clock;
    this.logger = options.logger ?? silentLogger;
    this.keepForNewest = options.keepForNewest ?? 2;
  }

  async onTurn(context: CoreTurn, next: () => Promise<void>): Promise<void> {
    const activity = context.activity;
    const customer = customerMessageOf(activity);
    const conversationId = context.activity.conversation?.id;
    if (customer && conversationId) {
      // Awaited before the bot runs, so its replies see the fresh window. A store failure fails the
      // turn, which the adapter retries: a customer message is never lost, only delayed.
      await this.windows.recordCustomerMessage(conversationId, customer.sentAt, customer.msgid, [], { likelyRecorded: true });
    }
    // Any pulled message's turn (an event's too) that is not the customer's newest message leaves
    // slots to the newest one's turn; proactive turns have no kf message and are not held back.
    const kf = kfFactsOf(activity);
    const forTurn = {
      customerMsgid: kf?.msgid, keepForNewest: this.keepForNewest,
      chatOpened: kf !== undefined && context.activity.type === ActivityTypes.ConversationUpdate,
    };
    addSendHook(context, {
      beforeSend: (context, send) => this.beforeSend(context, send, forTurn),
      repliesLeft: (_context, id, ownMsgids) => this.windows.repliesLeft(id, this.clock.now(), forTurn, ownMsgids),
    });
    await next();
  }

  private async beforeSend(context: CoreTurn, send: OutboundSend, forTurn: ReserveFor & { chatOpened: boolean }): Promise<SendOutcomeListener | undefined> {
    if (send.via === 'send_msg_on_event') return undefined;
    const reservation = await this.windows.reserve(send.conversationId, this.clock.now(), send.msgid, forTurn);
    if (!reservation.granted) {
      const { lockedReason = 'reply-limit', lockedAt } = reservation.window;
      // The slots left are the newest message's, or the customer opened the chat again without a
      // welcome code and never wrote: hold the reply back and let the turn finish (its state saved).
      if (lockedReason === 'kept-for-newest' || (lockedReason === 'never-initiated' && forTurn.chatOpened)) {
        throw new ReplyHeldBackError(send.conversationId, lockedReason);
      }
      this.logger.info({ conversationId: send.conversationId, msgid: send.msgid, reason: lockedReason }, 'send refused: conversation locked until the customer writes');
      throw new ConversationLockedError(send.conversationId, lockedReason, lockedAt);
    }
    const { slot } = reservation;
    // The slot names the msgid: the adapter's own "attempting" record of it would be a second write.
    noteRecordedAttempt(context, send.msgid, reservation.repeat ? 'repeat' : 'first');
    return async (outcome) => {
      if (outcome.status !== 'not_sent') return; // sent, or may have been: the slot stays spent
      const locked = outcome.errcode === undefined ? undefined : WECOM_LOCKS[outcome.errcode];
      if (locked) {
        // Our count said open and WeCom disagreed (e.g. replies sent outside this package). Trust WeCom.
        this.logger.warn({ conversationId: send.conversationId, errcode: outcome.errcode }, 'WeCom refused a reply the window allowed; locking the window');
        await this.windows.markLocked(slot, locked, this.clock.now());
      } else {
        await this.windows.release(slot);
      }
    };
  }
}
