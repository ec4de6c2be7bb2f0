import { randomUUID } from 'node:crypto';
import type { BaseDocument, Collection } from './collection';
import { DuplicateKeyError, ETagConflictError } from './errors';
import type { Store } from './store';

interface StateDoc extends BaseDocument {
  /** The item as JSON, without its eTag: botbuilder keys and state may hold any field names. */
  data: string;
  eTag: string;
  updatedAt: Date;
}

/** Stored items by key: each an object, with its `eTag` when read. */
export interface StoreItems {
  [key: string]: unknown;
}

/**
 * The bot-state storage contract of botbuilder and of the Microsoft 365 Agents SDK (their `Storage`
 * interfaces have these three members): declared here so the store needs neither framework, and
 * `StoreStorage` is accepted by both (`ConversationState`, `UserState`, `AgentApplication`'s `storage`).
 */
export interface Storage {
  read(keys: string[]): Promise<StoreItems>;
  write(changes: StoreItems): Promise<void>;
  delete(keys: string[]): Promise<void>;
}

/**
 * Bot state storage (botbuilder's and the Agents SDK's `Storage`) on the store, so `ConversationState`, `UserState` and dialogs keep their state
 * in MongoDB or the embedded store. eTags behave as in botbuilder's own storages:
 * - a missing, empty or `'*'` eTag writes unconditionally (last write wins);
 * - any other eTag must match the stored item's, or the write rejects with {@link ETagConflictError}
 *   (`Storage: error writing "<key>" due to eTag conflict.`); an item that does not exist yet is written;
 * - every write gives the item a new eTag; items are JSON-cloned on the way in and out;
 * - `delete` ignores eTags.
 *
 * Batches: every item is serialized and every eTag checked before anything is written, so a stale
 * eTag rejects the whole batch (botbuilder's `MemoryStorage` writes the other keys anyway). Each
 * item's write is itself atomic and conditional; what remains possible is a concurrent writer
 * changing a later key between the check and its write, after earlier keys were written. There is no
 * multi-document transaction (the embedded store has none).
 *
 * @example
 * const storage = new StoreStorage(store);
 * const conversationState = new ConversationState(storage); // botbuilder
 * const app = new AgentApplication({ storage, adapter });   // Agents SDK
 * const userState = new UserState(storage);
 */
export class StoreStorage implements Storage {
  private readonly items: Collection<StateDoc>;

  /** @param collection Default `botState`. */
  constructor(
    private readonly store: Store,
    collection = 'botState',
  ) {
    this.items = store.collection<StateDoc>(collection);
  }

  async read(keys: string[]): Promise<StoreItems> {
    if (!Array.isArray(keys)) throw new ReferenceError('Keys are required when reading.');
    const wanted = [...new Set(keys.map(checkKey))];
    if (wanted.length === 0) return {};
    const docs = await this.items.find({ _id: { $in: wanted } });
    const result: StoreItems = {};
    for (const doc of docs) result[doc._id] = { ...(JSON.parse(doc.data) as Record<string, unknown>), eTag: doc.eTag };
    return result;
  }

  async write(changes: StoreItems): Promise<void> {
    if (changes === null || typeof changes !== 'object') throw new ReferenceError('Changes are required when writing.');
    const writes = Object.entries(changes).map(([key, item]: [string, unknown]) => prepare(checkKey(key), item));
    if (writes.length === 0) return;

    // Check every conditional write first, so that a stale eTag rejects the batch before any write.
    const conditional = writes.filter((w) => w.ifMatch !== undefined);
    if (conditional.length > 0) {
      const current = await this.items.find({ _id: { $in: conditional.map((w) => w.key) } });
      const eTags = new Map(current.map((d) => [d._id, d.eTag]));
      for (const w of conditional) {
        const stored = eTags.get(w.key);
        if (stored !== undefined && stored !== w.ifMatch) throw new ETagConflictError(w.key);
      }
    }

    for (const w of writes) {
      const $set = { data: w.data, eTag: randomUUID(), updatedAt: new Date(this.store.clock.now()) };
      if (w.ifMatch === undefined) {
        await this.items.findOneAndUpdate({ _id: w.key }, { $set }, { upsert: true });
        continue;
      }
      try {
        // One conditional upsert: updates the item if its eTag still matches, inserts it if it does
        // not exist, and collides on _id (a conflict) if it exists with another eTag.
        await this.items.findOneAndUpdate({ _id: w.key, eTag: w.ifMatch }, { $set }, { upsert: true });
      } catch (e) {
        if (e instanceof DuplicateKeyError) throw new ETagConflictError(w.key);
        throw e;
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (!Array.isArray(keys)) throw new ReferenceError('Keys are required when deleting.');
    const wanted = [...new Set(keys.map(checkKey))];
    if (wanted.length > 0) await this.items.deleteMany({ _id: { $in: wanted } });
  }
}

interface PreparedWrite {
  key: string;
  data: string;
  /** The eTag the stored item must have; undefined to write unconditionally. */
  ifMatch: string | undefined;
}

function prepare(key: string, item: unknown): PreparedWrite {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new TypeError(`Storage: the item for "${key}" must be an object`);
  }
  const { eTag, ...rest } = item as Record<string, unknown>;
  const ifMatch = typeof eTag === 'string' && eTag !== '' && eTag !== '*' ? eTag : undefined;
  // JSON, as botbuilder's storages do: a value that does not serialize fails here, before any write.
  return { key, data: JSON.stringify(rest), ifMatch };
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw new TypeError('Storage: keys must be strings');
  return key;
}
