import type { Store } from '../store';
import { WindowRepository } from './windowRepository';

/** What agents and bots see of a conversation's window. */
export interface ConversationWindowView {
  readonly open: boolean;
  /** Replies that may still be sent for the customer's latest message. */
  readonly repliesLeft: number;
  /** When the 48 h window ends (ms since the epoch), or null if the customer never wrote. */
  readonly closesAt: number | null;
}

/**
 * A conversation's reply window, e.g. for an agent's chat view ("3 replies left, closes Tue 14:02")
 * or a bot deciding whether a follow-up can still go out.
 *
 * @example
 * const w = await getConversationWindow(store, context.activity.conversation.id);
 * if (w.open && w.repliesLeft > 1) await context.sendActivity('Anything else?');
 */
export async function getConversationWindow(
  source: Store | WindowRepository,
  conversationId: string,
  now?: number,
): Promise<ConversationWindowView> {
  const windows = source instanceof WindowRepository ? source : new WindowRepository(source);
  const { open, repliesLeft, closesAt } = await windows.get(conversationId, now ?? windows.clock.now());
  return { open, repliesLeft, closesAt };
}
