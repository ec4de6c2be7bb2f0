import type { Clock } from '../common';
import type { BaseDocument, Collection } from './collection';

/** What {@link Store.check} found. */
export interface StoreHealth {
  readonly ok: boolean;
  /** Why not, when `ok` is false: the error, and the file when one is at fault. */
  readonly reason?: string;
  /** Embedded store: unreadable datafile lines set aside (in `<file>.bad-*`) since open. */
  readonly badLines?: number;
}

/**
 * A database: MongoDB or the embedded default. Code above this layer asks only for collections and
 * never learns which one it has (`kind` is for logs and `/healthz`).
 *
 * @example
 * const store = await openStore({ mongodbUri: process.env.MONGODB_URI, dataDir: './data' });
 * const leases = new LeaseRepository(store);
 * // ...
 * await store.close();
 */
export interface Store {
  readonly kind: 'mongodb' | 'embedded';
  /** The clock that decides TTL expiry; repositories compute expiry times with it too. */
  readonly clock: Clock;
  /** The named collection. Cheap and synchronous; the same name gives the same collection. */
  collection<T extends BaseDocument>(name: string): Collection<T>;
  /**
   * Whether the store can read and write now: a small write and read back (embedded: a probe file in
   * `DATA_DIR`, plus any datafile that failed to load or write; MongoDB: a ping and a write), bounded
   * by a short timeout. Never throws. `/healthz` answers 503 when it is not ok.
   */
  check(): Promise<StoreHealth>;
  /** Waits for writes in flight, then releases the connection pool or the `DATA_DIR` lock. Idempotent. */
  close(): Promise<void>;
}
