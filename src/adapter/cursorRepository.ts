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

/**
 * One cursor per (corp, open_kfid): WeCom's cursor scope is unconfirmed, and peers keep one per
 * account, which is correct whichever way WeCom scopes it.
 */
export class CursorRepository {
  private readonly cursors: Collection<CursorDoc>;

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
   */
  async wake(corpId: string, openKfId: string, syncToken?: string, signedAt?: number): Promise<number> {
    const _id = CursorRepository.idOf(corpId, openKfId);
    const now = this.store.clock.now();
    const stamp = signedAt ?? now;
    const token = { syncToken, syncTokenAt: now, syncTokenSignedAt: stamp };
    if (syncToken) {
      // The usual case, one write: this callback is the newest seen, so its token replaces the stored one.
      const newest = await this.cursors.findOneAndUpdate(
        { _id, $or: [{ syncTokenSignedAt: { $exists: false } }, { syncTokenSignedAt: { $lte: stamp } }] },
        { $set: token, $inc: { wakeups: 1 } },
        { returnDocument: 'after' },
      );
      if (newest) return newest.wakeups;
    }
    // A first callback for the account, one without a token, or an older one replayed: count the
    // wake-up; the token goes in only with a new document.
    const doc = await this.cursors.findOneAndUpdate(
      { _id },
      { $inc: { wakeups: 1 }, $setOnInsert: { corpId, openKfId, ...(syncToken ? token : {}) } },
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
