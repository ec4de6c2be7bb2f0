import fs from 'node:fs';
import path from 'node:path';
import { silentLogger, systemClock, withTimeout, type Clock, type Logger } from '../common';
import type { BaseDocument, Collection } from './collection';
import { DataDirLock } from './dataDirLock';
import { EmbeddedCollection } from './embeddedCollection';
import type { StoreCorruptError, StoreFileError } from './errors';
import { LEASE_COLLECTION } from './leaseRepository';
import { dataDirProblem, PROBE_TIMEOUT_MS } from './probe';
import type { Store, StoreHealth } from './store';
import { validateCollectionName } from './validation';

export interface EmbeddedStoreOptions {
  /** Where the datafiles live (one `<collection>.db` per collection, plus `store.lock`, `store.owner`, `store.probe`). Created if missing. */
  dataDir: string;
  /** Decides TTL expiry. Default {@link systemClock}. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Rewrite each datafile this often, dropping superseded lines. Default 15 minutes; 0: only at open. */
  compactionIntervalMs?: number;
  /**
   * Start empty: remove whatever an earlier run left in `dataDir`. Done only once the lock is held,
   * so a folder a running process uses is never touched (the open fails with StoreLockedError first).
   */
  fresh?: boolean;
}

/**
 * The default store when `MONGODB_URI` is not set: one nedb datafile per collection in `DATA_DIR`.
 * For one process only: opening a `DATA_DIR` that a live process holds throws
 * {@link StoreLockedError}; the lock is an OS lock that dies with its process, so a restart after a
 * kill takes it at once, and the leases the killed process held are dropped at open (no other
 * process can be using them).
 *
 * Faults are loud: a datafile that cannot be loaded throws {@link StoreCorruptError} naming it, a
 * refused write {@link StoreFileError}; both make {@link EmbeddedStore.check} fail until the
 * collection works again. Unreadable lines (up to 10 %) are moved to `<file>.bad-<time>` and counted.
 *
 * Durability: every write is appended to its datafile before the call resolves, so it survives the
 * process being killed (it is in the OS page cache; a power cut may lose the last writes, as there is
 * no fsync per write). Datafiles are compacted at open and every `compactionIntervalMs`.
 *
 * @example
 * const store = await EmbeddedStore.open({ dataDir: './data', clock });
 * await store.collection<Doc>('inbox').insertOne({ msgid: 'm1' });
 * await store.close();
 */
export class EmbeddedStore implements Store {
  readonly kind = 'embedded' as const;
  readonly engine = 'nedb' as const;
  private readonly collections = new Map<string, EmbeddedCollection<BaseDocument>>();
  private readonly faults = new Map<string, StoreCorruptError | StoreFileError>();
  private setAsideLines = 0;
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly lock: DataDirLock,
    private readonly options: Required<Omit<EmbeddedStoreOptions, 'dataDir' | 'fresh'>>,
  ) {}

  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const dataDir = path.resolve(options.dataDir);
    const logger = options.logger ?? silentLogger;
    await fs.promises.mkdir(dataDir, { recursive: true });
    const lock = DataDirLock.acquire(dataDir, logger);
    if (options.fresh) await emptyExceptLock(dataDir, DataDirLock.files(dataDir));
    // Leases share work between processes on one store, and the lock makes this the only one: a
    // lease still on disk is a dead process's (SIGKILL never released it). Without dropping them the
    // restarted process would wait each one out (30 s) before pulling or answering those customers.
    await fs.promises.rm(path.join(dataDir, `${LEASE_COLLECTION}.db`), { force: true });
    logger.info({ dataDir }, 'embedded store open (one process only; set MONGODB_URI for several instances)');
    return new EmbeddedStore(dataDir, lock, {
      clock: options.clock ?? systemClock,
      logger,
      compactionIntervalMs: options.compactionIntervalMs ?? 15 * 60_000,
    });
  }

  get clock(): Clock {
    return this.options.clock;
  }

  collection<T extends BaseDocument>(name: string): Collection<T> {
    validateCollectionName(name);
    let c = this.collections.get(name);
    if (!c) {
      c = new EmbeddedCollection<BaseDocument>(name, {
        filename: path.join(this.dataDir, `${name}.db`),
        clock: this.options.clock,
        logger: this.options.logger,
        compactionIntervalMs: this.options.compactionIntervalMs,
        isClosed: () => this.closed,
        onLoaded: (_name, setAside) => (this.setAsideLines += setAside.badLines),
        onFault: (collection, fault) => (fault ? this.faults.set(collection, fault) : this.faults.delete(collection)),
      });
      this.collections.set(name, c);
    }
    // Documents are stored as they are given; T only describes them to the caller.
    return c as unknown as Collection<T>;
  }

  /** Unreadable datafile lines set aside (in `<file>.bad-*`) since open. */
  get badLines(): number {
    return this.setAsideLines;
  }

  /**
   * Not ok while a collection's datafile failed to load or to write (until an operation on it works
   * again), or when `DATA_DIR` refuses a small write and rename (read-only or full disk).
   *
   * @example
   * const { ok, reason } = await store.check(); // reason names the file and what to do
   */
  async check(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, reason: 'the store is closed', badLines: this.setAsideLines };
    // retryFaulty never rejects; the timeout only bounds a hung disk (the fault then stays as it was).
    await withTimeout(this.retryFaulty(), PROBE_TIMEOUT_MS, 'a faulty collection').catch(() => undefined);
    const [fault] = this.faults.values();
    if (fault) return { ok: false, reason: fault.message, badLines: this.setAsideLines };
    const problem = await dataDirProblem(this.dataDir);
    return problem ? { ok: false, reason: problem, badLines: this.setAsideLines } : { ok: true, badLines: this.setAsideLines };
  }

  /**
   * One cheap indexed read on each faulty collection: it reloads the datafile, so a fault that was
   * fixed (file restored, disk freed) clears without waiting for the app to use that collection.
   */
  private async retryFaulty(): Promise<void> {
    for (const name of [...this.faults.keys()]) await this.collections.get(name)?.findOne({ _id: '' }).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.collections.values()].map((c) => c.close()));
    this.lock.release();
  }
}

/** Removes everything in `dataDir` but the lock's files (a `fresh` open, lock held). */
export async function emptyExceptLock(dataDir: string, lockFiles: string[]): Promise<void> {
  const entries = await fs.promises.readdir(dataDir);
  await Promise.all(entries
    .map((name) => path.join(dataDir, name))
    .filter((file) => !lockFiles.includes(file))
    .map((file) => fs.promises.rm(file, { recursive: true, force: true })));
}
