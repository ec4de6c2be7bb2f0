import type { Collection, Store } from '../store';

/** Where pulling stopped for one kf account. `seq` numbers the messages pulled so far. */
export interface CursorDoc {
  _id: string;
  corpId: string;
  openKfId: string;
  cursor: string;
  seq: number;
  /** When a pull last saved this cursor (absent until the first pull). */
  updatedAt?: Date;
  /** The newest callback's sync token and when it came (WeCom: valid 10 minutes). */
  syncToken?: string;
  syncTokenAt?: number;
  /** The signed timestamp of the callback that brought `syncToken` (ms): an older callback's token never replaces it. */
  syncTokenSignedAt?: number;
  /** Bumped when a callback arrives while another instance pulls, so the puller goes round again. */
  wakeups: number;
  /** The `wakeups` count the last successful pull answered: a larger `wakeups` is a wake-up still to answer. */
  answeredWakeups?: number;
  /** Failed pulls in a row, for the back-off; 0 or absent after a success. */
  pullFailures?: number;
  /** When the next try of a failed pull is due (ms, store clock). */
  retryAt?: number;
}

/** WeCom's sync token lives 10 minutes; stop using it a little before. */
const SYNC_TOKEN_TTL_MS = 9 * 60_000;

/** The stored sync token while WeCom still takes it, else undefined (pulls then go without one). */
export function usableSyncToken(doc: CursorDoc | null, now: number): string | undefined {
  return doc?.syncToken && doc.syncTokenAt !== undefined && now - doc.syncTokenAt < SYNC_TOKEN_TTL_MS ? doc.syncToken : undefined;
}

/** Whether the account has a wake-up no pull answered (its pull failed, or the process died first). */
export function hasUnansweredWakeup(doc: CursorDoc): boolean {
  return doc.wakeups > (doc.answeredWakeups ?? 0) || (doc.pullFailures ?? 0) > 0;
}

/** An account whose stored wake-up no pull has answered yet (a failed pull, or a crash before one). */
export interface UnansweredAccount {
  readonly corpId: string;
  readonly openKfId: string;
  readonly pullFailures: number;
}

interface Settle {
  resolve(wakeups: number): void;
  reject(e: unknown): void;
}

/** A callback's wake-up waiting to be written. */
interface WakeCall {
  syncToken?: string;
  /** Its signed timestamp (ms), or when it came. */
  stamp: number;
  /** When it came (ms, store clock). */
  at: number;
  done: Settle;
}

interface WakeGroup {
  queued: WakeCall[];
  writing: boolean;
}

/**
 * One cursor per (corp, open_kfid): WeCom's cursor scope is unconfirmed, and peers keep one per
 * account, which is correct whichever way WeCom scopes it.
 */
export class CursorRepository {
  private readonly cursors: Collection<CursorDoc>;
  /** Per account: callbacks waiting for their wake-up to be written, and whether a write is under way. */
  private readonly waking = new Map<string, WakeGroup>();

  constructor(private readonly store: Store) {
    this.cursors = store.collection<CursorDoc>('kf_cursors');
  }

  static idOf(corpId: string, openKfId: string): string {
    return `${corpId}:${openKfId}`;
  }

  async get(corpId: string, openKfId: string): Promise<CursorDoc | null> {
    return this.cursors.findOne({ _id: CursorRepository.idOf(corpId, openKfId) });
  }

  /**
   * Saves where pulling stopped, after the page's messages are in the inbox. With `answeredWakeups`
   * (the pull's last page), the same write also records the pull as a success: the wake-ups up to
   * that number are answered, and the failure count and retry time are cleared.
   */
  async save(corpId: string, openKfId: string, cursor: string, seq: number, answeredWakeups?: number): Promise<void> {
    const updatedAt = new Date(this.store.clock.now());
    await this.cursors.findOneAndUpdate(
      { _id: CursorRepository.idOf(corpId, openKfId) },
      answeredWakeups === undefined
        ? { $set: { cursor, seq, updatedAt }, $setOnInsert: { corpId, openKfId, wakeups: 0 } }
        : {
          $set: { cursor, seq, updatedAt, pullFailures: 0 }, $setOnInsert: { corpId, openKfId, wakeups: 0 },
          $max: { answeredWakeups }, $unset: { retryAt: '' },
        },
      { upsert: true },
    );
  }

  /**
   * Records a callback: a wake-up for whoever is pulling, and its sync token unless a newer
   * callback's token is already stored (`signedAt`: the callback's signed timestamp, ms). A
   * replayed old callback must never put a stale token back: pulls with it would be refused (95007).
   *
   * Group commit: callbacks of one account that come while its wake-up write is under way are
   * recorded together by the next write (their count, the newest token), so a burst of callbacks
   * costs a few writes, not one each. Each call still resolves only once a write that counts it is
   * stored, so the callback's 200 never comes before its wake-up is durable.
   */
  wake(corpId: string, openKfId: string, syncToken?: string, signedAt?: number): Promise<number> {
    const _id = CursorRepository.idOf(corpId, openKfId);
    const now = this.store.clock.now();
    return new Promise<number>((resolve, reject) => {
      let group = this.waking.get(_id);
      if (!group) this.waking.set(_id, (group = { queued: [], writing: false }));
      group.queued.push({ syncToken, stamp: signedAt ?? now, at: now, done: { resolve, reject } });
      if (!group.writing) void this.writeWakeups(_id, corpId, openKfId, group);
    });
  }

  /** Writes the queued wake-ups of one account, group after group, until none are left. */
  private async writeWakeups(_id: string, corpId: string, openKfId: string, group: WakeGroup): Promise<void> {
    group.writing = true;
    while (group.queued.length > 0) {
      const calls = group.queued;
      group.queued = [];
      try {
        const wakeups = await this.storeWakeups(_id, corpId, openKfId, calls);
        for (const c of calls) c.done.resolve(wakeups);
      } catch (e) {
        for (const c of calls) c.done.reject(e);
      }
    }
    group.writing = false;
    this.waking.delete(_id);
  }

  /** One write for these callbacks: their wake-ups counted, and the newest token among them kept if it is the newest seen. */
  private async storeWakeups(_id: string, corpId: string, openKfId: string, calls: readonly WakeCall[]): Promise<number> {
    const count = calls.length;
    const newest = calls.filter((c) => c.syncToken).reduce<WakeCall | undefined>((a, c) => (!a || c.stamp >= a.stamp ? c : a), undefined);
    const token = newest ? { syncToken: newest.syncToken, syncTokenAt: newest.at, syncTokenSignedAt: newest.stamp } : undefined;
    if (token) {
      // The usual case, one write: this callback is the newest seen, so its token replaces the stored one.
      const doc = await this.cursors.findOneAndUpdate(
        { _id, $or: [{ syncTokenSignedAt: { $exists: false } }, { syncTokenSignedAt: { $lte: token.syncTokenSignedAt } }] },
        { $set: token, $inc: { wakeups: count } },
        { returnDocument: 'after' },
      );
      if (doc) return doc.wakeups;
    }
    // A first callback for the account, none with a token, or an older one replayed: count the
    // wake-ups; the token goes in only with a new document.
    const doc = await this.cursors.findOneAndUpdate(
      { _id },
      { $inc: { wakeups: count }, $setOnInsert: { corpId, openKfId, ...(token ?? {}) } },
      { upsert: true, returnDocument: 'after' },
    );
    return doc?.wakeups ?? 0;
  }

  /** A pull failed: counts it and stores when to try again (so a restarted process knows). Returns the failures in a row. */
  async pullFailed(corpId: string, openKfId: string, retryAt: number): Promise<number> {
    const doc = await this.cursors.findOneAndUpdate(
      { _id: CursorRepository.idOf(corpId, openKfId) },
      { $inc: { pullFailures: 1 }, $set: { retryAt } },
      { returnDocument: 'after' },
    );
    return doc?.pullFailures ?? 1;
  }

  /** Accounts with a wake-up no pull has answered (their pull failed, or the process died first). */
  async unanswered(): Promise<UnansweredAccount[]> {
    return (await this.cursors.find({}))
      .filter(hasUnansweredWakeup)
      .map((d) => ({ corpId: d.corpId, openKfId: d.openKfId, pullFailures: d.pullFailures ?? 0 }));
  }

  /** Every account that was ever pulled or woken, and when it was last pulled, for the periodic sweep. */
  async accounts(): Promise<{ corpId: string; openKfId: string; pulledAt?: number }[]> {
    return (await this.cursors.find({})).map((d) => ({ corpId: d.corpId, openKfId: d.openKfId, pulledAt: d.updatedAt?.getTime() }));
  }
}
