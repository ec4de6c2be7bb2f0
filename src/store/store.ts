import type { Clock } from '../common';
import type { BaseDocument, Collection } from './collection';

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
  /** Waits for writes in flight, then releases the connection pool or the `DATA_DIR` lock. Idempotent. */
  close(): Promise<void>;
}
