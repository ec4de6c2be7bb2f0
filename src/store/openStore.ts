import type { Clock, Logger } from '../common';
import { EmbeddedStore } from './embeddedStore';
import { MongoStore } from './mongoStore';
import type { Store } from './store';

export interface OpenStoreOptions {
  /** `MONGODB_URI`. When set, MongoDB is used; when empty or missing, the embedded store in `dataDir`. */
  mongodbUri?: string;
  /** `MONGODB_DB`. Default: the URI's database, else `wecom_kf`. */
  mongodbDb?: string;
  /** `DATA_DIR` for the embedded store (the caller's default is `./data`). Ignored with MongoDB. */
  dataDir: string;
  /** Decides TTL expiry. Default the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** MongoDB pool size per instance. Default 20. */
  maxPoolSize?: number;
  /** Embedded datafile compaction period. Default 15 minutes; 0: only at open. */
  compactionIntervalMs?: number;
  /** Embedded store only: start empty (after the lock is taken; see {@link EmbeddedStore}). Ignored with MongoDB. */
  fresh?: boolean;
}

/**
 * Opens MongoDB when `mongodbUri` is set, else the embedded store in `dataDir`.
 *
 * @example
 * const store = await openStore({
 *   mongodbUri: process.env.MONGODB_URI,
 *   mongodbDb: process.env.MONGODB_DB,
 *   dataDir: process.env.DATA_DIR ?? './data',
 *   logger,
 * });
 * logger.info({ store: store.kind }, 'store ready');
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.mongodbUri) {
    return MongoStore.connect({
      uri: options.mongodbUri,
      dbName: options.mongodbDb || undefined,
      clock: options.clock,
      logger: options.logger,
      maxPoolSize: options.maxPoolSize,
    });
  }
  return EmbeddedStore.open({
    dataDir: options.dataDir,
    clock: options.clock,
    logger: options.logger,
    compactionIntervalMs: options.compactionIntervalMs,
    fresh: options.fresh,
  });
}
