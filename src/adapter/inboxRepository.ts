import type { Collection, Store } from '../store';
import type { KfMessage } from '../wecom/kfMessages';

/**
 * - `pending`: waiting for its turn (or for a retry);
 * - `held`: kept while the corp's licence is not valid; released in order later;
 * - `done`: the turn ran;
 * - `failed`: the turn failed every attempt; kept for inspection, never silently dropped;
 * - `refused`: the turn was refused for good (a messaging or media rule, WeCom's final answer);
 *   `lastError` says why.
 */
export type InboxStatus = 'pending' | 'held' | 'done' | 'failed' | 'refused';

/** One pulled kf message, written before the cursor moves so nothing is lost between pull and turn. */
export interface InboxEntry {
  _id: string;
  corpId: string;
  openKfId: string;
  conversationId: string;
  msgid: string;
  /** Order within the account, as pulled. */
  seq: number;
  sendTime: number;
  status: InboxStatus;
  attempts: number;
  /** Failures of the world (WeCom or the store unreachable): waited out, never counted in `attempts`. */
  transientFailures?: number;
  message: KfMessage;
  receivedAt: Date;
  doneAt?: Date;
  lastError?: string;
  /** Replies a failed or held attempt of the turn sent (outbox id and WeCom's msgid): its retry skips them. */
  sent?: SentReply[];
}

/** One reply a turn sent: our outbox id of it, and WeCom's msgid. */
export interface SentReply {
  id: string;
  wecomMsgid: string;
}

/** An entry as the pipeline adds it; the repository sets the rest. */
export type NewInboxEntry = Omit<InboxEntry, '_id' | 'attempts' | 'receivedAt'>;

/** How long finished entries are kept for deduplication of late re-deliveries (WeCom retains 3 days). */
const DONE_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * The inbox: every pulled message, deduplicated by (corp, msgid), in pull order per conversation.
 *
 * @example
 * const [fresh] = await inbox.addMany([entry]); // false: already there (a re-pull after a crash)
 * const [oldest] = await inbox.next(conversationId, 10); // the conversation's entries still to run, oldest first
 */
export class InboxRepository {
  private readonly entries: Collection<InboxEntry>;

  constructor(private readonly store: Store) {
    this.entries = store.collection<InboxEntry>('kf_inbox');
  }

  async init(): Promise<void> {
    await this.entries.createIndex({ keys: { conversationId: 1, seq: 1 } });
    // next() filters on conversationId and status: the embedded store (nedb) uses a compound index only
    // when the query names all its fields, so without this one every turn scanned the whole inbox.
    await this.entries.createIndex({ keys: { conversationId: 1 } });
    // next() and hasPending() look for a conversation's few entries still to run among all it kept
    // for 7 days: by conversation and status, the SQLite engine finds those alone (MongoDB too).
    await this.entries.createIndex({ keys: { conversationId: 1, status: 1 } });
    await this.entries.createIndex({ keys: { corpId: 1, openKfId: 1, status: 1 } });
    // The sweep's reads of a corp's pending or held entries, releaseHeld and inboxCounts name a status
    // (and a corp, or none in provider mode): by status alone, they read only the entries not done
    // rather than the 7 days of finished ones (a scan of 100,000 entries cost ~110 ms a call).
    await this.entries.createIndex({ keys: { status: 1 } });
    await this.entries.createIndex({ keys: { doneAt: 1 }, expireAfterSeconds: DONE_RETENTION_SECONDS });
  }

  /** Per account as well as per corp: WeCom's msgids are unique per corp, and this stays right if some WeCom numbers them per account. */
  static idOf(corpId: string, openKfId: string, msgid: string): string {
    return `${corpId}:${openKfId}:${msgid}`;
  }

  /**
   * Adds a pulled page's messages in one store write. Returns, for each entry in order, whether it
   * was new (false: already there, e.g. pulled again after a crash).
   */
  async addMany(entries: readonly NewInboxEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const receivedAt = new Date(this.store.clock.now());
    const { duplicateIndexes } = await this.entries.insertMany(entries.map((entry) => ({
      ...entry, _id: InboxRepository.idOf(entry.corpId, entry.openKfId, entry.msgid), attempts: 0, receivedAt,
    })));
    const added = entries.map(() => true);
    for (const i of duplicateIndexes) added[i] = false;
    return added;
  }

  /** The conversation's oldest entries still to run (pending or held, so held ones keep their place), up to `limit`. */
  async next(conversationId: string, limit: number): Promise<InboxEntry[]> {
    return this.entries.find({ conversationId, status: { $in: ['pending', 'held'] } }, { sort: { seq: 1 }, limit });
  }

  /** Conversations of an account (or a whole corp) with entries in `status`. */
  async conversationsWith(status: InboxStatus, corpId: string, openKfId?: string): Promise<string[]> {
    const filter = openKfId ? { corpId, openKfId, status } : { corpId, status };
    const found = await this.entries.find(filter, { sort: { seq: 1 } });
    return [...new Set(found.map((e) => e.conversationId))];
  }

  async markDone(id: string): Promise<void> {
    await this.entries.findOneAndUpdate({ _id: id }, { $set: { status: 'done', doneAt: new Date(this.store.clock.now()) }, $unset: { lastError: '' } });
  }

  /** Whether the conversation has an entry waiting to run (held ones wait for the gate instead). */
  async hasPending(conversationId: string): Promise<boolean> {
    return (await this.entries.findOne({ conversationId, status: 'pending' })) !== null;
  }

  /** Every pending entry of the conversation is held (its corp's licence is not valid). */
  async holdConversation(conversationId: string): Promise<void> {
    await this.entries.updateMany({ conversationId, status: 'pending' }, { $set: { status: 'held' } });
  }

  /** Held entries of a corp become pending again, keeping their order. */
  async releaseHeld(corpId: string): Promise<number> {
    return (await this.entries.updateMany({ corpId, status: 'held' }, { $set: { status: 'pending' } })).matchedCount;
  }

  /**
   * Counts a failed attempt of `entry` (as read when its turn began; a transient one apart, so an
   * outage never parks a message); after `maxAttempts` the entry is parked as failed. `sent`: the
   * replies its turns sent so far, kept for the retry. One write. Returns the new status and how
   * many failures of that kind there were (for the back-off).
   */
  async recordFailure(
    entry: InboxEntry, error: string, options: { transient: boolean; maxAttempts: number; sent?: ReadonlyMap<string, string> },
  ): Promise<{ status: InboxStatus; failures: number }> {
    const counter = options.transient ? 'transientFailures' : 'attempts';
    // One runner per conversation at a time: the count read with the entry is the count now.
    const failures = (options.transient ? entry.transientFailures ?? 0 : entry.attempts) + 1;
    const parked = !options.transient && failures >= options.maxAttempts;
    const after = await this.entries.findOneAndUpdate(
      { _id: entry._id },
      { $inc: { [counter]: 1 }, $set: { lastError: error.slice(0, 500), ...(parked ? { status: 'failed' as const } : {}), ...sentField(options.sent) } },
    );
    return { status: after?.status ?? 'pending', failures };
  }

  /** Keeps the replies a turn sent with its entry (the turn stops here and runs again later). */
  async recordSent(id: string, sent: ReadonlyMap<string, string>): Promise<void> {
    await this.entries.findOneAndUpdate({ _id: id }, { $set: sentField(sent) });
  }

  /** The turn was refused for good: kept, with the reason, and not run again. */
  async markRefused(id: string, error: string): Promise<void> {
    await this.entries.findOneAndUpdate({ _id: id }, { $set: { status: 'refused', lastError: error.slice(0, 500), doneAt: new Date(this.store.clock.now()) } });
  }

  async count(filter: { corpId?: string; status?: InboxStatus; conversationId?: string } = {}): Promise<number> {
    return this.entries.countDocuments(filter);
  }
}

/** The `sent` field for a turn's replies, or nothing when it sent none. */
function sentField(sent: ReadonlyMap<string, string> | undefined): { sent?: SentReply[] } {
  return sent && sent.size > 0 ? { sent: [...sent].map(([id, wecomMsgid]) => ({ id, wecomMsgid })) } : {};
}
