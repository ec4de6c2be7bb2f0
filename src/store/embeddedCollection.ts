import type Nedb from '@seald-io/nedb';
import { serialize } from '@seald-io/nedb/lib/model.js';
import type { Clock, Logger } from '../common';
import { TtlSweeper } from './ttlSweeper';
import { AppendLog } from './appendLog';
import type {
  BaseDocument,
  Collection,
  EachUpdate,
  Filter,
  FindOneAndUpdateOptions,
  FindOptions,
  IndexSpec,
  InsertManyResult,
  NewDocument,
  Sort,
  Update,
  UpdateEachResult,
} from './collection';
import { dropTornTail, setAsideBadLines, type SetAside } from './datafileCheck';
import { DuplicateKeyError, StoreClosedError, StoreCorruptError, StoreFileError } from './errors';
import { type NedbQuery, toNedbQuery } from './nedbQuery';
import { SerialQueue } from './serialQueue';
import { newId } from './newId';
import { updateEachByOne } from './updateEachByOne';
import { newDocument, withoutSetOnInsert } from './upsertSeed';
import {
  validateFilter,
  validateIndexSpec,
  validateFind,
  validateNewDocument,
  validateSort,
  validateUpdate,
} from './validation';

type Doc = Record<string, unknown>;
type Datastore = Nedb<Doc>;

/** What a collection needs from its store. */
export interface EmbeddedCollectionContext {
  filename: string;
  clock: Clock;
  logger: Logger;
  /** 0 turns periodic compaction off (it still happens at every load). */
  compactionIntervalMs: number;
  isClosed(): boolean;
  /** Told when a load set unreadable lines aside. */
  onLoaded(name: string, setAside: SetAside): void;
  /** Told when the datafile cannot be loaded or the disk refuses it (`fault`), and when an operation works again (undefined). */
  onFault(name: string, fault: StoreCorruptError | StoreFileError | undefined): void;
}

/**
 * One collection of the embedded store: an nedb datafile `<DATA_DIR>/<name>.db`, loaded on first use.
 *
 * Every operation goes through a per-collection {@link SerialQueue}, so multi-step operations
 * (find → update or insert) are atomic with respect to each other. Documents expired by the injected
 * clock are left out of every query at once and deleted by a timer (nedb's own TTL reads `Date.now()`
 * and forgets `expireAfterSeconds` on reload, so it is not used). Deleting before every operation, as
 * this once did, doubled the cost of a lookup on the hot path.
 */
export class EmbeddedCollection<T extends BaseDocument> implements Collection<T> {
  private readonly queue = new SerialQueue();
  /** TTL fields and the timer that deletes what expired. */
  private readonly ttl: TtlSweeper;
  private loading: Promise<Datastore> | undefined;
  /** The loaded datastore's append side (its descriptor stays open between writes). */
  private log: AppendLog | undefined;
  private compaction: NodeJS.Timeout | undefined;
  /** The message of the fault the collection is in, if any. */
  private faultMessage: string | undefined;

  constructor(
    readonly name: string,
    private readonly ctx: EmbeddedCollectionContext,
  ) {
    this.ttl = new TtlSweeper({ collection: name, logger: ctx.logger, isClosed: () => ctx.isClosed(), sweep: () => this.run((db) => this.sweepExpired(db)) });
  }

  async findOne(filter: Filter<T>, options: { sort?: Sort } = {}): Promise<T | null> {
    const [doc] = await this.find(filter, { sort: options.sort, limit: 1 });
    return doc ?? null;
  }

  async find(filter: Filter<T>, options: FindOptions = {}): Promise<T[]> {
    validateFind(filter, options);
    return this.run((db) => findDocs(db, this.query(filter), options) as Promise<T[]>);
  }

  async insertOne(doc: NewDocument<T>): Promise<{ insertedId: string }> {
    validateNewDocument(doc);
    const insertedId = doc._id ?? newId();
    await this.run((db) => this.insertOverExpired(db, { ...doc, _id: insertedId }));
    return { insertedId };
  }

  async insertMany(docs: readonly NewDocument<T>[]): Promise<InsertManyResult> {
    for (const doc of docs) validateNewDocument(doc);
    const batch: Doc[] = docs.map((doc) => ({ ...doc, _id: doc._id ?? newId() }));
    const ids = batch.map((doc) => doc._id as string);
    if (batch.length === 0) return { ids, duplicateIndexes: [] };
    const duplicateIndexes = await this.run(async (db) => {
      try {
        // nedb inserts an array all or nothing, with one append for the lot: the usual case, one write.
        await db.insertAsync(batch);
        return [];
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
      // Some are duplicates (a page pulled again after a crash): one at a time, keeping the others.
      const duplicates: number[] = [];
      for (const [i, doc] of batch.entries()) {
        await this.insertOverExpired(db, doc).catch((e: unknown) => {
          if (!isUniqueViolation(e)) throw e;
          duplicates.push(i);
        });
      }
      return duplicates;
    });
    return { ids, duplicateIndexes };
  }

  async findOneAndUpdate(filter: Filter<T>, update: Update<T>, options: FindOneAndUpdateOptions = {}): Promise<T | null> {
    validateFilter(filter);
    validateUpdate(update);
    validateSort(options.sort);
    const after = (options.returnDocument ?? 'after') === 'after';
    const seed = options.upsert ? newDocument(filter, update as Doc) : undefined;
    return this.run(async (db) => {
      const ops = withoutSetOnInsert(update as Doc);
      if (after && !options.sort && ops) {
        // The common case in one nedb call: it updates the first match and returns it.
        const { numAffected, affectedDocuments } = await db.updateAsync(this.query(filter), ops, { returnUpdatedDocs: true, multi: false });
        if (numAffected > 0) return affectedDocuments as T | null;
        if (!seed) return null;
        return (await this.insertOverExpired(db, seed)) as unknown as T;
      }
      const [found] = await findDocs(db, this.query(filter), { sort: options.sort, limit: 1 });
      if (found) {
        if (!ops) return found as T;
        const { affectedDocuments } = await db.updateAsync({ _id: found._id }, ops, { returnUpdatedDocs: true, multi: false });
        return (after ? affectedDocuments : found) as T | null;
      }
      if (!seed) return null;
      const inserted = await this.insertOverExpired(db, seed);
      return after ? (inserted as unknown as T) : null;
    });
  }

  updateEach(updates: readonly EachUpdate<T>[]): Promise<UpdateEachResult> {
    return updateEachByOne(this, updates);
  }

  async updateMany(filter: Filter<T>, update: Update<T>): Promise<{ matchedCount: number }> {
    validateFilter(filter);
    validateUpdate(update);
    return this.run(async (db) => {
      const query = this.query(filter);
      const ops = withoutSetOnInsert(update as Doc);
      // An nedb update without operators would replace every document with `{}`: never send one.
      if (!ops) return { matchedCount: await count(db, query) };
      const { numAffected } = await db.updateAsync(query, ops, { multi: true });
      return { matchedCount: numAffected };
    });
  }

  async deleteMany(filter: Filter<T>): Promise<{ deletedCount: number }> {
    validateFilter(filter);
    return this.run(async (db) => ({ deletedCount: await db.removeAsync(this.query(filter), { multi: true }) }));
  }

  async countDocuments(filter: Filter<T> = {} as Filter<T>): Promise<number> {
    validateFilter(filter);
    return this.run((db) => count(db, this.query(filter)));
  }

  async createIndex(spec: IndexSpec): Promise<void> {
    validateIndexSpec(spec);
    const fields = Object.keys(spec.keys);
    await this.run(async (db) => {
      this.ttl.declare(spec);
      if (fields.length === 1 && fields[0] === '_id') return; // always there, always unique
      // Remove, then create: nedb keeps an existing index as it is, even when the options changed.
      await db.removeIndexAsync([...fields].sort().join(','));
      await db.ensureIndexAsync({ fieldName: fields.length === 1 ? fields[0]! : fields, unique: spec.unique ?? false, sparse: spec.sparse ?? false });
      if (spec.expireAfterSeconds !== undefined) {
        await this.sweepExpired(db); // what expired while the process was down goes at start
        this.ttl.start();
      }
    });
  }

  /** Waits for queued operations and stops periodic compaction. */
  async close(): Promise<void> {
    this.ttl.stop();
    await this.queue.drain();
    clearInterval(this.compaction);
    this.log?.close();
  }

  private run<R>(op: (db: Datastore) => Promise<R>): Promise<R> {
    if (this.ctx.isClosed()) return Promise.reject(new StoreClosedError('embedded'));
    return this.queue.run(async () => {
      try {
        const db = await this.load();
        const result = await op(db);
        if (this.faultMessage !== undefined) {
          this.ctx.logger.info({ collection: this.name }, 'embedded store: the collection works again');
          this.setFault(undefined);
        }
        return result;
      } catch (e) {
        throw this.mapError(e);
      }
    });
  }

  private load(): Promise<Datastore> {
    // A failed load is not kept: the next operation reads the file again (it may have been restored).
    this.loading ??= this.loadDatafile().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }

  private async loadDatafile(): Promise<Datastore> {
    const file = this.ctx.filename;
    dropTornTail(file, this.ctx.logger);
    // A reload (after a refused write, or of a datafile that failed to load) starts a new datastore.
    this.log?.close();
    this.log = new AppendLog(file, 0o644);
    let db: Datastore;
    try {
      db = await loadNedb(file, this.log);
    } catch (e) {
      if ((e as { corruptItems?: unknown }).corruptItems === undefined) throw asLoadError(file, e);
      // nedb met unreadable lines (our threshold for it is 0: under its own it drops them silently).
      this.ctx.onLoaded(this.name, setAsideBadLines(file, this.ctx.clock, this.ctx.logger));
      db = await loadNedb(file, this.log).catch((again: unknown) => Promise.reject(asLoadError(file, again)));
    }
    clearInterval(this.compaction);
    if (this.ctx.compactionIntervalMs > 0) {
      // Our own timer, not nedb's: its compaction failure (read-only or full disk) would be an unhandled rejection.
      this.compaction = setInterval(() => {
        // A failed rewrite leaves memory as it was: report it, but no reload.
        db.compactDatafileAsync().catch((e: unknown) => this.mapError(e, false));
      }, Math.max(this.ctx.compactionIntervalMs, 5000));
      this.compaction.unref();
    }
    return db;
  }

  private setFault(fault: StoreCorruptError | StoreFileError | undefined): void {
    this.faultMessage = fault?.message;
    this.ctx.onFault(this.name, fault);
  }

  /**
   * The filter in nedb's dialect, minus documents the clock says are expired. The clause goes into
   * `$and`, so nedb still picks an indexed top-level field. `$lte` on a Date matches only Dates, so
   * documents without a Date there stay visible, as with MongoDB's TTL.
   */
  private query(filter: Filter<T> | Doc): NedbQuery {
    const query = toNedbQuery(filter as Doc);
    if (this.ttl.fields.size === 0) return query;
    const now = this.ctx.clock.now();
    const live = [...this.ttl.fields].map(([field, seconds]) => ({ $not: { [field]: { $lte: new Date(now - seconds * 1000) } } }));
    return { ...query, $and: [...((query.$and as NedbQuery[] | undefined) ?? []), ...live] };
  }

  /** Inserts; on a duplicate key, deletes what has expired (it may be the duplicate, still on file) and tries once more. */
  private async insertOverExpired(db: Datastore, doc: Doc): Promise<Doc> {
    try {
      return await db.insertAsync(doc);
    } catch (e) {
      if (this.ttl.fields.size === 0 || !isUniqueViolation(e)) throw e;
    }
    await this.sweepExpired(db);
    return db.insertAsync(doc);
  }

  private async sweepExpired(db: Datastore): Promise<void> {
    const now = this.ctx.clock.now();
    for (const [field, seconds] of this.ttl.fields) {
      // An index on the field (the TTL index) makes this a range lookup, not a scan. The lower
      // bound keeps documents without the field (nedb indexes them as undefined) out of the range.
      await db.removeAsync({ [field]: { $gte: new Date(0), $lte: new Date(now - seconds * 1000) } }, { multi: true });
    }
  }

  /** Our error for `e`; a disk or datafile fault is also logged (once) and reported to the store. */
  private mapError(e: unknown, reloadOnDiskError = true): unknown {
    if (isUniqueViolation(e)) {
      return new DuplicateKeyError(this.name, (e as { key?: unknown }).key, { cause: e });
    }
    const errno = errnoOf(e);
    const fault = e instanceof StoreCorruptError ? e : errno !== undefined ? new StoreFileError(this.ctx.filename, errno, { cause: e }) : undefined;
    if (!fault) return e;
    if (errno !== undefined && reloadOnDiskError) {
      // nedb changes its memory before it appends: after a refused write, memory holds what the
      // disk does not. Reload from disk at the next operation so both agree again.
      clearInterval(this.compaction);
      this.loading = undefined;
    }
    // Once per fault, not once per refused operation (a callback flood would repeat it thousands of times).
    if (fault.message !== this.faultMessage) this.ctx.logger.error({ err: fault, collection: this.name, file: this.ctx.filename }, fault.message);
    this.setFault(fault);
    return fault;
  }
}

function isUniqueViolation(e: unknown): e is Error & { key?: unknown } {
  return e instanceof Error && (e as { errorType?: unknown }).errorType === 'uniqueViolated';
}

/** The part of nedb's `Persistence` replaced here (internal to nedb, stable across 4.x). */
interface NedbAppend {
  persistNewStateAsync(newDocs: Doc[]): Promise<void>;
}

/**
 * Loads a datafile; any unreadable line fails the load (our code then sets them aside, see datafileCheck).
 * nedb's append (open, write, close per operation) is replaced by `log`, which writes the same lines
 * (no serialization hooks are configured, so a line is `serialize(doc)`) through a descriptor kept open.
 */
async function loadNedb(file: string, log: AppendLog): Promise<Datastore> {
  // nedb's datastore is loaded when this engine opens a collection: a process on the SQLite engine
  // (the default) uses only nedb's model code, and does not hold the rest in memory.
  // Its types say `export default`, but the package sets module.exports: import() gives that as `default`.
  const NedbDatastore = (await import('@seald-io/nedb')).default as unknown as typeof Nedb;
  const db: Datastore = new NedbDatastore<Doc>({ filename: file, corruptAlertThreshold: 0 });
  (db.persistence as unknown as NedbAppend).persistNewStateAsync = (newDocs: Doc[]): Promise<void> => {
    let lines = '';
    for (const doc of newDocs) lines += serialize(doc) + '\n';
    return lines.length === 0 ? Promise.resolve() : log.append(lines);
  };
  // Compaction (at load and on our timer) renames a new file over the datafile: let the old one go now.
  db.on('compaction.done', () => log.close());
  await db.loadDatabaseAsync(); // also compacts the datafile
  return db;
}

/** A disk error as it is (mapError names the file); anything else nedb refused (e.g. one unique key twice) as corruption. */
function asLoadError(file: string, e: unknown): unknown {
  return errnoOf(e) !== undefined ? e : new StoreCorruptError(file, (e as Error).message, { cause: e });
}

/** The system error code (`ENOSPC`, `EACCES` ...) of a failed file operation, if it was one. */
function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown; syscall?: unknown } | null)?.code;
  return typeof code === 'string' && typeof (e as { syscall?: unknown }).syscall === 'string' ? code : undefined;
}

async function findDocs(db: Datastore, query: NedbQuery, options: FindOptions): Promise<Doc[]> {
  const cursor = db.findAsync(query);
  if (options.sort) cursor.sort(options.sort);
  if (options.skip) cursor.skip(options.skip);
  if (options.limit) cursor.limit(options.limit);
  return (await cursor) as unknown as Doc[];
}

async function count(db: Datastore, query: Doc): Promise<number> {
  return (await db.countAsync(query)) as unknown as number;
}
