/**
 * WeChat's messaging rules (product.md § WeChat's messaging rules) as pure functions of a
 * conversation's stored state and `now`. No I/O and no clock: the repository keeps the state and
 * performs the one conditional update; this file says what the state means.
 *
 * 1. customer-initiated: no state → `never-initiated`;
 * 2./5. a window lasts 48 h from the customer's latest message (open while `now < closesAt`);
 * 3. at most 5 replies per customer message;
 * 4. locked after the 5th reply or when 48 h pass; the customer's next message opens a fresh window.
 */

/** 48 hours: how long replies may follow a customer's message. */
export const REPLY_WINDOW_MS = 48 * 3600_000;
/** How many replies one customer message allows. */
export const REPLIES_PER_CUSTOMER_MESSAGE = 5;

/**
 * Why a conversation refuses replies now. `kept-for-newest`: the turn answers an older message of
 * a backlog, and the slots left are kept for the reply to the customer's newest message.
 */
export type LockedReason = 'never-initiated' | 'window-expired' | 'reply-limit' | 'kept-for-newest';

/** What the store keeps about one conversation (times in ms since the epoch). */
export interface WindowState {
  /** `send_time` of the customer's latest message. */
  readonly lastCustomerMessageAt: number;
  /** Reply slots reserved since that message (given back ones not counted). */
  readonly used: number;
  /** When the latest slot was reserved: with 5 used, that is when the window locked. */
  readonly lastReservedAt?: number;
  /** A lock WeCom reported (95001 / 95002) although our count said open; cleared by the next customer message. */
  readonly lock?: { readonly reason: 'window-expired' | 'reply-limit'; readonly at: number } | null;
}

/** A conversation's window at one moment. */
export interface WindowDecision {
  readonly open: boolean;
  /** Replies that may still be sent for the customer's latest message (0 when locked). */
  readonly repliesLeft: number;
  /** When the 48 h window ends (ms), or null if the customer never wrote. */
  readonly closesAt: number | null;
  readonly lockedReason?: LockedReason;
  /** When it locked (ms); absent for `never-initiated`. */
  readonly lockedAt?: number;
}

/** When the window opened by a customer message sent at `customerMessageAt` ends. */
export const windowClosesAt = (customerMessageAt: number): number => customerMessageAt + REPLY_WINDOW_MS;

/**
 * A conversation's window at `now`. When several locks apply, the earliest is reported (it is
 * when the conversation really locked).
 *
 * @example
 * const t = Date.UTC(2026, 0, 1);
 * decideWindow(undefined, t)                                   // { open: false, repliesLeft: 0, closesAt: null, lockedReason: 'never-initiated' }
 * decideWindow({ lastCustomerMessageAt: t, used: 2 }, t + 3600_000) // { open: true, repliesLeft: 3, closesAt: t + 48 h }
 * decideWindow({ lastCustomerMessageAt: t, used: 0 }, t + 48 * 3600_000) // { open: false, lockedReason: 'window-expired', lockedAt: t + 48 h, … }
 */
export function decideWindow(state: WindowState | undefined, now: number): WindowDecision {
  if (!state) return { open: false, repliesLeft: 0, closesAt: null, lockedReason: 'never-initiated' };
  const closesAt = windowClosesAt(state.lastCustomerMessageAt);
  const locks: { reason: LockedReason; at: number }[] = [];
  if (state.lock) locks.push({ reason: state.lock.reason, at: state.lock.at });
  if (now >= closesAt) locks.push({ reason: 'window-expired', at: closesAt });
  if (state.used >= REPLIES_PER_CUSTOMER_MESSAGE) locks.push({ reason: 'reply-limit', at: state.lastReservedAt ?? state.lastCustomerMessageAt });
  const first = locks.sort((a, b) => a.at - b.at)[0];
  if (first) return { open: false, repliesLeft: 0, closesAt, lockedReason: first.reason, lockedAt: first.at };
  return { open: true, repliesLeft: REPLIES_PER_CUSTOMER_MESSAGE - state.used, closesAt };
}

/**
 * Whether a customer message sent at `sentAt` (with id `msgid`) opens a fresh window over `state`.
 * Monotonic: an older message arriving late changes nothing, nor does the same message seen again
 * (a retried turn). A different message in the same second does open a fresh count, as WeCom does.
 *
 * @example
 * opensFreshWindow(undefined, t, 'm1')                                         // true
 * opensFreshWindow({ lastCustomerMessageAt: t, used: 5 }, t - 1000, 'm0', ['m1']) // false: older
 */
export function opensFreshWindow(state: WindowState | undefined, sentAt: number, msgid: string, msgidsAtLast: readonly string[] = []): boolean {
  if (!state) return true;
  if (sentAt !== state.lastCustomerMessageAt) return sentAt > state.lastCustomerMessageAt;
  return !msgidsAtLast.includes(msgid);
}
