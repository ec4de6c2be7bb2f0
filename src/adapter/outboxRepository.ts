import { type Collection, DuplicateKeyError, type Store } from '../store';

/**
 * What we know of one outgoing kf message, keyed by our deterministic msgid:
 * - `attempting`: about to be sent, or the send's outcome was not learned (timeout, crash);
 * - `sent`: WeCom accepted it (`wecomMsgid`).
 * A retried turn finds `sent` and skips the send; it finds `attempting` and sends again with the
 * same msgid, which WeCom answers as success or as a duplicate — both mean "sent".
 */
export interface OutboxEntry {
  _id: string;
  status: 'attempting' | 'sent';
  wecomMsgid?: string;
  updatedAt: Date;
}

const RETENTION_SECONDS = 7 * 24 * 3600;

export class OutboxRepository {
  private readonly entries: Collection<OutboxEntry>;

  constructor(private readonly store: Store) {
    this.entries = store.collection<OutboxEntry>('kf_outbox');
  }

  async init(): Promise<void> {
    await this.entries.createIndex({ keys: { updatedAt: 1 }, expireAfterSeconds: RETENTION_SECONDS });
  }

  static idOf(corpId: string, openKfId: string, msgid: string): string {
    return `${corpId}:${openKfId}:${msgid}`;
  }

  async get(id: string): Promise<OutboxEntry | null> {
    return this.entries.findOne({ _id: id });
  }

  async markAttempting(id: string): Promise<void> {
    await this.entries.findOneAndUpdate(
      { _id: id, status: { $ne: 'sent' } },
      { $set: { status: 'attempting', updatedAt: new Date(this.store.clock.now()) } },
      { upsert: true },
    ).catch((e: unknown) => {
      // Already `sent`: the filter missed and the upsert collided on _id. Nothing to mark.
      if (!(e instanceof DuplicateKeyError)) throw e;
    });
  }

  async markSent(id: string, wecomMsgid: string): Promise<void> {
    await this.entries.findOneAndUpdate(
      { _id: id },
      { $set: { status: 'sent', wecomMsgid, updatedAt: new Date(this.store.clock.now()) } },
      { upsert: true },
    );
  }

  /** The send certainly did not happen: forget it, so a retry is a fresh send. */
  async forget(id: string): Promise<void> {
    await this.entries.deleteMany({ _id: id, status: 'attempting' });
  }
}
