import type { Clock } from '../common/clock';
import { DuplicateKeyError, type BaseDocument, type Collection, type Filter, type Store, type Update } from '../store';
import { decideWindow, REPLIES_PER_CUSTOMER_MESSAGE, REPLY_WINDOW_MS, type WindowDecision, type WindowState, windowClosesAt } from './conversationWindow';

/** One document per conversation (`_id` = the conversation id). Created only by a customer message. */
export interface WindowDoc extends BaseDocument, WindowState {
  /** Ids of the customer messages sent in the second of `lastCustomerMessageAt`, so a retried turn is not a new message. */
  customerMsgids: string[];
  /** The customer's newest message: its turn may spend the slots older messages of a backlog leave alone. */
  latestMsgid?: string;
  /**
   * Msgids of the replies holding a slot in this window. A send repeated with the same msgid (its
   * first outcome was lost) is one message to WeCom, so it does not spend a second slot.
   */
  replyMsgids?: string[];
  /** Msgids whose slot was given back (a send that certainly did not happen); one entry per release. */
  releasedMsgids?: string[];
  /**
   * The latest reply msgids that took a slot, and those given back, across windows (the lists above
   * start again with each window; these keep the last {@link RECENT_MSGIDS}). A msgid taken more
   * often than given back was attempted with an outcome never learned: the adapter keeps no record
   * of its own for sends the window names (see noteRecordedAttempt).
   */
  recentReplyMsgids?: string[];
  recentReleasedMsgids?: string[];
  /** Grows with every fresh window: a slot is given back or locked only in the window that granted it. */
  generation: number;
  /** TTL: the document is dropped this long after its window closed (then the customer reads as never seen). */
  expiresAt: Date;
}

/** A reply slot granted by {@link WindowRepository.reserve}; pass it back to release or lock. */
export interface ReplySlot {
  readonly conversationId: string;
  /** The window that granted it. */
  readonly generation: number;
  /** 1…5: which reply of the window this is. */
  readonly number: number;
  /** The reply's msgid, when the reservation named one. */
  readonly msgid?: string;
}

/** A customer message as a pull brings it (the adapter's `PulledCustomerMessage`). */
interface PulledMessage {
  conversationId: string;
  msgid: string;
  sentAt: number;
  sameSecondMsgids: readonly string[];
}

/** How many of the latest reply msgids a window document keeps across windows (see `recentReplyMsgids`). */
const RECENT_MSGIDS = 50;

export type Reservation =
  | {
    readonly granted: true; readonly slot: ReplySlot; readonly window: WindowDecision;
    /** The msgid was reserved before and never given back: this send repeats an attempt whose outcome was lost. */
    readonly repeat: boolean;
  }
  | { readonly granted: false; readonly window: WindowDecision & { readonly open: false } };

/** Whose reply asks for a slot: the turn of a customer message (by its msgid), or none (events, proactive sends). */
export interface ReserveFor {
  /** The pulled kf message the turn answers (a customer message or an event). */
  readonly customerMsgid?: string;
  /**
   * Slots an older message of a backlog may not spend, kept for the customer's newest message
   * (WeCom counts every reply against the newest one). Default 0.
   */
  readonly keepForNewest?: number;
}

export interface WindowRepositoryOptions {
  /** Collection name. Default `conversationWindows`. */
  collection?: string;
  /** How long a closed window's document is kept (it answers "locked since" questions). Default 30 days. */
  retentionMs?: number;
}

/**
 * Conversation windows in the store, shared by every instance. The rules are in
 * conversationWindow.ts; this class turns them into conditional updates so that concurrent
 * instances can never together pass them:
 * - a customer message opens a fresh window only if it is newer (monotonic `send_time`);
 * - a reply slot is ONE `findOneAndUpdate` whose filter is the rule "open" (customer message less
 *   than 48 h old, fewer than 5 used, not locked by WeCom) and whose update spends the slot.
 *
 * @example
 * const windows = new WindowRepository(store);
 * await windows.recordCustomerMessage('ww1:wk1:wm1', kf.send_time * 1000, kf.msgid);
 * const r = await windows.reserve('ww1:wk1:wm1', clock.now());
 * if (!r.granted) throw new ConversationLockedError(id, r.window.lockedReason!, r.window.lockedAt);
 * // send; if it certainly did not go out: await windows.release(r.slot);
 */
export class WindowRepository {
  private readonly windows: Collection<WindowDoc>;
  private readonly retentionMs: number;
  private indexes: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    options: WindowRepositoryOptions = {},
  ) {
    this.windows = store.collection<WindowDoc>(options.collection ?? 'conversationWindows');
    this.retentionMs = options.retentionMs ?? 30 * 24 * 3600_000;
  }

  /** The store's clock, for callers that have no `now` of their own. */
  get clock(): Clock {
    return this.store.clock;
  }

  /**
   * Records a customer message (`sentAt` = its `send_time` in ms). Returns true when it opened a
   * fresh window (a fresh count of 5), false when it was older than, or the same as, one seen.
   * `sameSecondBefore`: older messages sent in the same second, so their turns later read as older
   * rather than as a fresh message of that second. `likelyRecorded`: the caller expects the message
   * to be on record already (a turn, after its pull recorded it), so one read settles it before any write.
   */
  async recordCustomerMessage(
    conversationId: string, sentAt: number, msgid: string, sameSecondBefore: readonly string[] = [],
    options: { likelyRecorded?: boolean; current?: WindowDoc | null } = {},
  ): Promise<boolean> {
    await this.ready();
    // A turn's message was usually recorded by its pull: one read settles that. A window only moves
    // forward, so what is "older or already seen" now stays so. A pull passes the `current` document
    // it read for its whole page.
    let current = options.current !== undefined ? options.current : options.likelyRecorded ? await this.windows.findOne({ _id: conversationId }) : undefined;
    if (current !== undefined && isOlderOrSeen(current, sentAt, msgid)) return false;
    // A newer message: one upsert. When the document exists but is not older, the upsert collides on
    // _id; then it is either a same-second message (below) or nothing to do. A collision can also
    // be a concurrent first insert, so the newer-than test runs again against what is there now.
    for (let attempt = 0; attempt < 3; attempt++) {
      // Known to be of the same second: the upsert would only collide.
      if (current?.lastCustomerMessageAt !== sentAt) {
        try {
          const doc = await this.windows.findOneAndUpdate(
            newerFilter(conversationId, sentAt),
            this.freshWindow(sentAt, msgid, sameSecondBefore),
            { upsert: true, returnDocument: 'after' },
          );
          if (doc) return true;
        } catch (e) {
          if (!(e instanceof DuplicateKeyError)) throw e;
        }
      }
      const sameSecond = await this.windows.findOneAndUpdate(sameSecondFilter(conversationId, sentAt, msgid), joinWindow(msgid, sameSecondBefore), { returnDocument: 'after' });
      if (sameSecond) return true;
      current = await this.windows.findOne({ _id: conversationId });
      if (current && current.lastCustomerMessageAt >= sentAt) return false; // older, or already seen
    }
    return false;
  }

  /**
   * Records what a pull brought (the adapter's inbound observer): with this, the window follows the
   * newest pulled customer message, and all turns of a backlog share its 5 slots. Pass the repository
   * as `observer` when you install {@link WindowMiddleware} yourself (`defaultMiddleware: false`).
   */
  async customerMessagesPulled(messages: readonly PulledMessage[]): Promise<void> {
    await (await this.preparePulled(messages))();
  }

  /**
   * {@link customerMessagesPulled} in two steps: the read now, and a function that issues the write
   * the moment it is called (then resolves once it and any fallback are done). A pull calls it with
   * the page's inbox insert, so the SQLite engine commits both together.
   */
  async preparePulled(messages: readonly PulledMessage[]): Promise<() => Promise<void>> {
    if (messages.length === 0) return async () => undefined;
    await this.ready();
    // One read for the page tells each message's way, and one write records them all (the first two
    // steps of recordCustomerMessage, for every message at once): a newer message (or a customer's
    // first) opens a fresh window, one of the window's second joins it, an older or seen one changes nothing.
    const found = await this.windows.find({ _id: { $in: messages.map((m) => m.conversationId) } });
    const current = new Map(found.map((d) => [d._id, d]));
    const updates = messages
      .filter((m) => !isOlderOrSeen(current.get(m.conversationId) ?? null, m.sentAt, m.msgid))
      .map((m) => current.get(m.conversationId)?.lastCustomerMessageAt === m.sentAt
        ? { filter: sameSecondFilter(m.conversationId, m.sentAt, m.msgid), update: joinWindow(m.msgid, m.sameSecondMsgids) }
        : { filter: newerFilter(m.conversationId, m.sentAt), update: this.freshWindow(m.sentAt, m.msgid, m.sameSecondMsgids), upsert: true });
    if (updates.length === 0) return async () => undefined;
    return async () => {
      const { matchedCount, upsertedCount } = await this.windows.updateEach(updates);
      if (matchedCount + upsertedCount === updates.length) return;
      // Some windows changed since the read (another instance's pull, a turn): those messages take
      // recordCustomerMessage's way, from a fresh read; the ones that went in read as seen (no write).
      const now = new Map((await this.windows.find({ _id: { $in: messages.map((m) => m.conversationId) } })).map((d) => [d._id, d]));
      await Promise.all(messages.map((m) => this.recordCustomerMessage(m.conversationId, m.sentAt, m.msgid, m.sameSecondMsgids, { current: now.get(m.conversationId) ?? null })));
    };
  }

  /**
   * Spends one reply slot if the window is open, atomically. When it is not, says why.
   * Two instances calling this at once for the 5th and 6th reply: exactly one is granted.
   *
   * WeCom counts every reply against the customer's newest message, so all turns of a backlog
   * share its slots; a turn answering an older message (`forTurn.customerMsgid` is not the newest)
   * leaves `keepForNewest` of them to the newest message's turn.
   */
  async reserve(conversationId: string, now: number, msgid?: string, forTurn: ReserveFor = {}): Promise<Reservation> {
    await this.ready();
    // A refusal is explained by reading the document after the update failed. If a customer message
    // or a release landed in between, that read says "open": try again rather than refuse wrongly.
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.windows.findOne({ _id: conversationId });
      if (!current) return { granted: false, window: { ...decideWindow(undefined, now), open: false } };
      const held = msgid ? slotHeldBy(current, msgid) : -1;
      if (held >= 0) {
        // The same reply again (a retry after an unknown outcome): it already holds its slot, but
        // WeCom still refuses it once the 48 hours have passed.
        const expired = now >= windowClosesAt(current.lastCustomerMessageAt);
        const window = decideWindow(current, now);
        if (expired) return { granted: false, window: { ...window, open: false, repliesLeft: 0, lockedReason: 'window-expired', lockedAt: windowClosesAt(current.lastCustomerMessageAt) } };
        return { granted: true, slot: { conversationId, generation: current.generation, number: held + 1, msgid }, window, repeat: true };
      }
      const kept = keptSlots(current, forTurn);
      const doc = await this.windows.findOneAndUpdate(
        { _id: conversationId, generation: current.generation, ...openFilter(now, kept) },
        { $inc: { used: 1 }, $set: { lastReservedAt: now }, ...(msgid ? { $push: { replyMsgids: msgid, recentReplyMsgids: recent(msgid) } } : {}) },
        { returnDocument: 'after' },
      );
      if (doc) {
        // Taken in an earlier window and never given back: its outcome was lost before the customer wrote again.
        const repeat = msgid !== undefined && heldRecently(current, msgid);
        return { granted: true, slot: { conversationId, generation: doc.generation, number: doc.used, msgid }, window: decideWindow(doc, now), repeat };
      }
      const after = (await this.windows.findOne({ _id: conversationId })) ?? undefined;
      const window = decideWindow(after, now);
      if (!window.open) return { granted: false, window: { ...window, open: false } };
      if (after && after.generation === current.generation && keptSlots(after, forTurn) > 0 && window.repliesLeft <= keptSlots(after, forTurn)) {
        return { granted: false, window: { open: false, repliesLeft: 0, closesAt: window.closesAt, lockedReason: 'kept-for-newest', lockedAt: now } };
      }
    }
    // Three times open-then-taken: other senders are spending this window's slots as fast as we
    // look, so by the time this returns they are gone. Refusing is the safe answer.
    return { granted: false, window: { open: false, repliesLeft: 0, closesAt: null, lockedReason: 'reply-limit', lockedAt: now } };
  }

  /**
   * Replies a turn may still send now: the window's slots left, less those kept for the customer's
   * newest message when the turn answers an older one.
   */
  async repliesLeft(conversationId: string, now: number, forTurn: ReserveFor = {}, ownMsgids: readonly string[] = []): Promise<number> {
    await this.ready();
    const doc = (await this.windows.findOne({ _id: conversationId })) ?? undefined;
    const window = decideWindow(doc, now);
    if (!doc || !window.open) return 0;
    // Slots the caller's own msgids already hold (a retried turn's earlier attempt) are its to use again.
    const own = ownMsgids.filter((m) => slotHeldBy(doc, m) >= 0).length;
    return Math.max(0, window.repliesLeft - keptSlots(doc, forTurn)) + own;
  }

  /** Gives a slot back when its send certainly did not happen. False when that window has been replaced meanwhile (nothing to give back). */
  async release(slot: ReplySlot): Promise<boolean> {
    // One atomic update: the slot comes back and the msgid is marked released, so its next try
    // spends a slot again. (Rewriting the msgid list instead raced with a parallel release.)
    const doc = await this.windows.findOneAndUpdate(
      { _id: slot.conversationId, generation: slot.generation, used: { $gt: 0 } },
      { $inc: { used: -1 }, ...(slot.msgid ? { $push: { releasedMsgids: slot.msgid, recentReleasedMsgids: recent(slot.msgid) } } : {}) },
      { returnDocument: 'after' },
    );
    return doc !== null;
  }

  /** Records that WeCom refused a send with 95001 (`reply-limit`) or 95002 (`window-expired`): the window stays locked until the customer writes. */
  async markLocked(slot: ReplySlot, reason: 'window-expired' | 'reply-limit', now: number): Promise<void> {
    await this.windows.findOneAndUpdate(
      { _id: slot.conversationId, generation: slot.generation, lock: null },
      { $set: { lock: { reason, at: now } } },
      { returnDocument: 'after' },
    );
  }

  /** The conversation's window at `now` (default: the store's clock). */
  async get(conversationId: string, now: number = this.store.clock.now()): Promise<WindowDecision> {
    await this.ready();
    return decideWindow((await this.windows.findOne({ _id: conversationId })) ?? undefined, now);
  }

  /** The update that opens a fresh window for a customer message (and makes the document of a first one). */
  private freshWindow(sentAt: number, msgid: string, sameSecondBefore: readonly string[]): Update<WindowDoc> {
    return {
      $set: {
        used: 0, replyMsgids: [], releasedMsgids: [], lastCustomerMessageAt: sentAt, expiresAt: new Date(sentAt + REPLY_WINDOW_MS + this.retentionMs),
        customerMsgids: [...sameSecondBefore, msgid], latestMsgid: msgid,
      },
      $unset: { lock: '', lastReservedAt: '' },
      $inc: { generation: 1 },
    };
  }

  private ready(): Promise<void> {
    this.indexes ??= this.windows.createIndex({ keys: { expiresAt: 1 }, expireAfterSeconds: 0 }).catch((e: unknown) => {
      this.indexes = undefined;
      throw e;
    });
    return this.indexes;
  }
}

/** The slot number `msgid` holds in this window (0-based), or -1: reserved more times than released. */
function slotHeldBy(doc: WindowDoc, msgid: string): number {
  const reserved = (doc.replyMsgids ?? []).filter((m) => m === msgid).length;
  const released = (doc.releasedMsgids ?? []).filter((m) => m === msgid).length;
  return reserved > released ? (doc.replyMsgids ?? []).lastIndexOf(msgid) : -1;
}

/** `$push` of one msgid to a list that keeps the latest {@link RECENT_MSGIDS}. */
function recent(msgid: string): { $each: string[]; $slice: number } {
  return { $each: [msgid], $slice: -RECENT_MSGIDS };
}

/** Whether `msgid` took a slot in some recent window more often than it gave one back. */
function heldRecently(doc: WindowDoc, msgid: string): boolean {
  const count = (list: string[] | undefined): number => (list ?? []).filter((m) => m === msgid).length;
  return count(doc.recentReplyMsgids) > count(doc.recentReleasedMsgids);
}

/** Slots this turn must leave alone: some, when it answers a customer message older than the newest. */
function keptSlots(doc: WindowDoc, forTurn: ReserveFor): number {
  const older = forTurn.customerMsgid !== undefined && doc.latestMsgid !== undefined && doc.latestMsgid !== forTurn.customerMsgid;
  return older ? Math.max(0, Math.min(REPLIES_PER_CUSTOMER_MESSAGE, forTurn.keepForNewest ?? 0)) : 0;
}

/**
 * decideWindow's "open" as a filter; the two must agree (a test checks them against each other).
 * `kept` slots are out of reach (left to the customer's newest message).
 */
export function openFilter(now: number, kept = 0): Filter<WindowDoc> {
  return { lastCustomerMessageAt: { $gt: now - REPLY_WINDOW_MS }, used: { $lt: REPLIES_PER_CUSTOMER_MESSAGE - kept }, lock: null };
}

/** The window's document if `sentAt` is newer than its customer message (a fresh window), or none yet (an upsert makes it). */
function newerFilter(conversationId: string, sentAt: number): Filter<WindowDoc> {
  return { _id: conversationId, lastCustomerMessageAt: { $lt: sentAt } };
}

/** The window's document if its customer message is of `sentAt`'s second and is not `msgid`. */
function sameSecondFilter(conversationId: string, sentAt: number, msgid: string): Filter<WindowDoc> {
  return { _id: conversationId, lastCustomerMessageAt: sentAt, customerMsgids: { $ne: msgid } };
}

/**
 * A further message of the window's second: it becomes the newest, with a fresh count of 5 (WeCom
 * counts replies against the newest message), and the older ones of its page join the list.
 */
function joinWindow(msgid: string, sameSecondBefore: readonly string[]): Update<WindowDoc> {
  return {
    $set: { used: 0, replyMsgids: [], releasedMsgids: [], latestMsgid: msgid },
    $push: { customerMsgids: { $each: [...sameSecondBefore, msgid] } },
    $unset: { lock: '', lastReservedAt: '' },
    $inc: { generation: 1 },
  };
}

/** The window already follows this message or a newer one. */
function isOlderOrSeen(current: WindowDoc | null, sentAt: number, msgid: string): boolean {
  if (!current) return false;
  return current.lastCustomerMessageAt > sentAt || (current.lastCustomerMessageAt === sentAt && Array.isArray(current.customerMsgids) && current.customerMsgids.includes(msgid));
}
