import { WeComChannelError } from '../common/errors';
import type { LockedReason } from './conversationWindow';

/**
 * WeChat's messaging rules refuse this send now (product.md § WeChat's messaging rules). Nothing
 * was sent and no quota was spent; the conversation opens again when the customer writes.
 *
 * - `never-initiated`: the customer has never written, so nobody may start the chat;
 * - `window-expired`: 48 hours passed since the customer's last message;
 * - `reply-limit`: 5 replies were already sent for the customer's last message;
 * - `kept-for-newest`: the turn answers an older message of a backlog (the customer wrote again
 *   before the bot answered), and the replies left are kept for the customer's newest message.
 *
 * @example
 * try { await context.sendActivity('One more thing…'); }
 * catch (e) {
 *   if (e instanceof ConversationLockedError) logger.info({ reason: e.reason }, 'waiting for the customer');
 *   else throw e;
 * }
 */
export class ConversationLockedError extends WeComChannelError {
  override readonly name = 'ConversationLockedError' as const;
  readonly code = 'conversation_locked' as const;

  override get final(): boolean {
    return true;
  }
  /** Always the customer: only their next message opens a fresh window with 5 replies. */
  readonly resumesWhen = 'customer-writes' as const;

  constructor(
    readonly conversationId: string,
    readonly reason: LockedReason,
    /** When it locked (ms since the epoch); undefined for `never-initiated`. */
    readonly lockedAt: number | undefined,
  ) {
    super(`Conversation ${conversationId} is locked (${reason}${lockedAt === undefined ? '' : ` since ${new Date(lockedAt).toISOString()}`}): nothing was sent; it opens again when the customer writes.`);
  }
}
