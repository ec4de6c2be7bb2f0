import type { Clock, Logger } from '../common';
import { EmbeddedStore } from './embeddedStore';
import { MongoStore } from './mongoStore';
import { SqliteStore } from './sqliteStore';
import type { Store } from './store';
import { DEFAULT_STORE_ENGINE, detectStoreEngine, type StoreEngine } from './storeEngine';

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
  /**
   * `STORE_ENGINE`: the embedded engine for a new `DATA_DIR` (default {@link DEFAULT_STORE_ENGINE}). A `DATA_DIR` that
   * already holds one engine's files keeps it, whatever this says (see detectStoreEngine).
   */
  engine?: StoreEngine;
  /** nedb engine: datafile compaction period. Default 15 minutes; 0: only at open. */
  compactionIntervalMs?: number;
  /** Embedded store only: start empty (after the lock is taken; see {@link EmbeddedStore}). Ignored with MongoDB. */
  fresh?: boolean;
}

/**
 * Opens MongoDB when `mongodbUri` is set, else the embedded store in `dataDir`: the engine whose
 * files it holds, else `engine`, else {@link DEFAULT_STORE_ENGINE}.
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
  const logger = options.logger;
  const { engine, mismatch } = detectStoreEngine(options.dataDir, options.engine);
  if (mismatch && !options.fresh) {
    logger?.warn({ dataDir: options.dataDir, engine, configured: options.engine }, `embedded store: DATA_DIR holds ${engine} files, so it opens with ${engine} (STORE_ENGINE applies to a new DATA_DIR)`);
  }
  // A fresh open wipes the folder: what it held does not decide.
  if ((options.fresh ? (options.engine ?? DEFAULT_STORE_ENGINE) : engine) === 'sqlite') {
    return SqliteStore.open({ dataDir: options.dataDir, clock: options.clock, logger, fresh: options.fresh });
  }
  return EmbeddedStore.open({
    dataDir: options.dataDir,
    clock: options.clock,
    logger: options.logger,
    compactionIntervalMs: options.compactionIntervalMs,
    fresh: options.fresh,
  });
}
