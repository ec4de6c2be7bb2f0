import type { BaseDocument, Collection } from './collection';
import { InvalidQueryError } from './errors';
import type { Store } from './store';

interface KeyValueDoc<V> extends BaseDocument {
  value: V;
  updatedAt: Date;
  expiresAt?: Date;
}

/**
 * Small named values with an optional expiry: access tokens, cursors, flags. Expired values read as
 * missing at once (by the store's clock) and are deleted later by the TTL index.
 *
 * Values must be storable by both stores: JSON-like data and Dates, field names without `.` or a
 * leading `$` (see `collection.ts`).
 *
 * @example
 * const tokens = new KeyValueRepository<{ token: string }>(store, 'tokens');
 * await tokens.set(`kf:${corpId}`, { token }, { ttlMs: (expiresIn - 300) * 1000 });
 * const cached = await tokens.get(`kf:${corpId}`); // undefined once expired
 */
export class KeyValueRepository<V> {
  private readonly items: Collection<KeyValueDoc<V>>;
  private ready: Promise<void> | undefined;

  /** @param collection Default `keyValue`. */
  constructor(
    private readonly store: Store,
    collection = 'keyValue',
  ) {
    this.items = store.collection<KeyValueDoc<V>>(collection);
  }

  /** Creates the TTL index. Called by every method; call it at start to fail early. */
  init(): Promise<void> {
    this.ready ??= this.items.createIndex({ keys: { expiresAt: 1 }, expireAfterSeconds: 0 }).catch((e: unknown) => {
      this.ready = undefined; // try again next time
      throw e;
    });
    return this.ready;
  }

  /** The value, or undefined when missing or expired. */
  async get(key: string): Promise<V | undefined> {
    checkKey(key);
    await this.init();
    const doc = await this.items.findOne({ _id: key });
    return doc?.value;
  }

  /** Stores `value` under `key`, replacing any previous value and expiry. Without `ttlMs` it never expires. */
  async set(key: string, value: V, options: { ttlMs?: number } = {}): Promise<void> {
    checkKey(key);
    if (options.ttlMs !== undefined && (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0)) {
      throw new InvalidQueryError('ttlMs must be a positive number');
    }
    await this.init();
    const now = this.store.clock.now();
    const set = { value, updatedAt: new Date(now) };
    await this.items.findOneAndUpdate(
      { _id: key },
      options.ttlMs === undefined
        ? { $set: set, $unset: { expiresAt: '' } }
        : { $set: { ...set, expiresAt: new Date(now + options.ttlMs) } },
      { upsert: true },
    );
  }

  /**
   * Stores several values (each with its own `ttlMs`, as {@link set}): keys new to the store in one
   * insert, keys already there (an expired value, a concurrent writer) one `set` each.
   *
   * @example
   * await names.setMany([{ key: 'a', value: { nickname: 'Ann' }, ttlMs: 86_400_000 }, { key: 'b', value: { nickname: '' }, ttlMs: 3_600_000 }]);
   */
  async setMany(items: readonly { key: string; value: V; ttlMs?: number }[]): Promise<void> {
    for (const item of items) {
      checkKey(item.key);
      if (item.ttlMs !== undefined && (!Number.isFinite(item.ttlMs) || item.ttlMs <= 0)) throw new InvalidQueryError('ttlMs must be a positive number');
    }
    if (items.length === 0) return;
    await this.init();
    const now = this.store.clock.now();
    const { duplicateIndexes } = await this.items.insertMany(items.map((item) => ({
      _id: item.key, value: item.value, updatedAt: new Date(now), ...(item.ttlMs === undefined ? {} : { expiresAt: new Date(now + item.ttlMs) }),
    })));
    await Promise.all(duplicateIndexes.map((i) => this.set(items[i]!.key, items[i]!.value, { ttlMs: items[i]!.ttlMs })));
  }

  /** Removes the key. True when there was an unexpired value. */
  async delete(key: string): Promise<boolean> {
    checkKey(key);
    await this.init();
    const { deletedCount } = await this.items.deleteMany({ _id: key });
    return deletedCount > 0;
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new InvalidQueryError('a key must be a non-empty string');
}
