import fs from 'node:fs';
import path from 'node:path';
import { silentLogger, systemClock, type Clock, type Logger } from '../common';
import type { BaseDocument, Collection } from './collection';
import { DataDirLock } from './dataDirLock';
import { emptyExceptLock } from './embeddedStore';
import type { StoreCorruptError, StoreFileError } from './errors';
import { LEASE_COLLECTION } from './leaseRepository';
import { newId } from './newId';
import { dataDirProblem } from './probe';
import { SqliteCollection } from './sqliteCollection';
import { SQLITE_FILE, SqliteFile } from './sqliteFile';
import type { Store, StoreHealth } from './store';
import { validateCollectionName } from './validation';

export interface SqliteStoreOptions {
  /** Where `store.sqlite` lives (with `store.lock`, `store.owner`, `store.probe`). Created if missing. */
  dataDir: string;
  /** Decides TTL expiry. Default {@link systemClock}. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Start empty: remove whatever an earlier run left in `dataDir`, once the lock is held. */
  fresh?: boolean;
  /**
   * Recently used documents each collection keeps parsed in memory (the rest are read from the file
   * when a query needs them). Default {@link DEFAULT_CACHED_DOCUMENTS}; 0 reads every document from
   * the file (the tests of the read path use it).
   */
  cachedDocuments?: number;
}

/** Per collection: enough for the documents of the turns in flight (a turn reads a handful, several times). */
export const DEFAULT_CACHED_DOCUMENTS = 1000;

/**
 * The embedded store on SQLite (better-sqlite3, WAL): one database `DATA_DIR/store.sqlite`, a table
 * per collection, the documents in it and only their keys and a few recent ones in memory (see
 * {@link SqliteCollection}), and
 * one commit per tick for every change of that tick, across collections.
 *
 * Same rules as the nedb engine ({@link EmbeddedStore}): one process per `DATA_DIR` (the OS lock of
 * {@link DataDirLock}; WAL itself could serve several processes, but the keys and recent documents are
 * cached in this one), leases of a killed predecessor dropped at open, faults loud: a file that is not a
 * sound database throws {@link StoreCorruptError} at open, a refused commit {@link StoreFileError},
 * and {@link SqliteStore.check} fails until an operation works again.
 *
 * Durability: an operation resolves once the commit holding its change has written it to the WAL
 * file (synchronous = NORMAL: in the OS page cache, so a SIGKILL loses nothing; see SqliteFile).
 *
 * @example
 * const store = await SqliteStore.open({ dataDir: './data', clock });
 * await store.collection<Doc>('inbox').insertOne({ msgid: 'm1' });
 * await store.close();
 */
export class SqliteStore implements Store {
  readonly kind = 'embedded' as const;
  readonly engine = 'sqlite' as const;
  private readonly collections = new Map<string, SqliteCollection<BaseDocument>>();
  private readonly faults = new Map<string, StoreCorruptError | StoreFileError>();
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly file: SqliteFile,
    private readonly lock: DataDirLock,
    readonly clock: Clock,
    private readonly logger: Logger,
    private readonly cachedDocuments: number,
  ) {
    // A failed commit leaves memory ahead of the disk in every collection it held: they reload.
    file.onFailed = (tables) => {
      for (const table of tables) this.collections.get(table)?.dropMemory();
    };
  }

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const dataDir = path.resolve(options.dataDir);
    const logger = options.logger ?? silentLogger;
    await fs.promises.mkdir(dataDir, { recursive: true });
    const lock = DataDirLock.acquire(dataDir, logger);
    let file: SqliteFile | undefined;
    try {
      if (options.fresh) await emptyExceptLock(dataDir, DataDirLock.files(dataDir));
      const opened = SqliteFile.open(path.join(dataDir, SQLITE_FILE));
      file = opened;
      // The lock makes this the only process: a lease on file is a dead process's (see EmbeddedStore.open).
      opened.dropTable(LEASE_COLLECTION);
      logger.info({ dataDir, engine: 'sqlite' }, 'embedded store open (one process only; set MONGODB_URI for several instances)');
      return new SqliteStore(dataDir, opened, lock, options.clock ?? systemClock, logger, options.cachedDocuments ?? DEFAULT_CACHED_DOCUMENTS);
    } catch (e) {
      file?.close();
      lock.release();
      throw e;
    }
  }

  collection<T extends BaseDocument>(name: string): Collection<T> {
    validateCollectionName(name);
    let c = this.collections.get(name);
    if (!c) {
      c = new SqliteCollection<BaseDocument>(name, {
        file: this.file,
        clock: this.clock,
        logger: this.logger,
        isClosed: () => this.closed,
        onFault: (collection, fault) => (fault ? this.faults.set(collection, fault) : this.faults.delete(collection)),
        cachedDocuments: this.cachedDocuments,
      });
      this.collections.set(name, c);
    }
    // Documents are stored as they are given; T only describes them to the caller.
    return c as unknown as Collection<T>;
  }

  /**
   * Commits to `store.sqlite` since open: every change of a tick, across collections, is one
   * (benchmarks and tests compare it with the operations asked for).
   *
   * @example
   * const before = store.commits; await work(); console.log(store.commits - before);
   */
  get commits(): number {
    return this.file.commits;
  }

  /**
   * Not ok while a collection failed to load or a commit failed (until an operation on it works
   * again), when `store.sqlite` refuses a small committed write, or when `DATA_DIR` refuses a small
   * file write and rename (read-only or full disk).
   *
   * @example
   * const { ok, reason } = await store.check(); // reason names the file and what to do
   */
  async check(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, reason: 'the store is closed' };
    // One cheap read per faulty collection reloads it, so a fixed fault clears without waiting for traffic.
    for (const name of [...this.faults.keys()]) await this.collections.get(name)?.findOne({ _id: '' }).catch(() => undefined);
    const [fault] = this.faults.values();
    if (fault) return { ok: false, reason: fault.message };
    try {
      this.file.probe(newId());
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    const problem = await dataDirProblem(this.dataDir);
    return problem ? { ok: false, reason: problem } : { ok: true };
  }

  /** Commits what is pending, closes the database and releases the `DATA_DIR` lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.collections.values()) c.close();
    try {
      this.file.close();
    } finally {
      this.lock.release();
    }
  }
}
