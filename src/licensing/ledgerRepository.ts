import { DuplicateKeyError, type BaseDocument, type Collection, type Store } from '../store';
import type { LedgerEntry } from './ledger';

/** A ledger entry as stored: `_id` is its idempotency key, so the primary key is the unique index. */
export interface LedgerDoc extends BaseDocument, Omit<LedgerEntry, 'key'> {}

/**
 * The append-only credit ledger (`licenceLedger`). There is no update or delete here on purpose:
 * corrections are new entries. Appending an entry whose key exists is a no-op, which is what makes
 * a re-run job or a retried purchase harmless.
 */
export class LedgerRepository {
  readonly docs: Collection<LedgerDoc>;

  constructor(store: Store, collection = 'licenceLedger') {
    this.docs = store.collection<LedgerDoc>(collection);
  }

  async init(): Promise<void> {
    await this.docs.createIndex({ keys: { corpId: 1 } });
  }

  /** Appends the entry; false when an entry with its key was already there. */
  async append(entry: LedgerEntry): Promise<boolean> {
    const { key, ...fields } = entry;
    try {
      await this.docs.insertOne({ _id: key, ...fields });
      return true;
    } catch (e) {
      if (e instanceof DuplicateKeyError) return false;
      throw e;
    }
  }

  /** The entry with this idempotency key, if any. */
  async get(key: string): Promise<LedgerEntry | null> {
    const doc = await this.docs.findOne({ _id: key });
    return doc ? toEntry(doc) : null;
  }

  /** A corp's entries, oldest first. */
  async entries(corpId: string): Promise<LedgerEntry[]> {
    const docs = await this.docs.find({ corpId });
    return docs.map(toEntry).sort((a, b) => a.at - b.at);
  }
}

function toEntry(doc: LedgerDoc): LedgerEntry {
  const { _id, ...fields } = doc;
  return { key: _id, ...fields };
}
