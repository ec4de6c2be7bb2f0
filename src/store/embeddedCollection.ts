import fs from 'node:fs';
import Nedb from '@seald-io/nedb';
import { modify } from '@seald-io/nedb/lib/model.js';
import type { Clock, Logger } from '../common';
import type {
  BaseDocument,
  Collection,
  Filter,
  FindOneAndUpdateOptions,
  FindOptions,
  IndexSpec,
  NewDocument,
  Sort,
  Update,
} from './collection';
import { DuplicateKeyError, StoreClosedError } from './errors';
import { newId } from './newId';
import { type NedbQuery, toNedbQuery } from './nedbQuery';
import { SerialQueue } from './serialQueue';
import { upsertId, upsertSeed } from './upsertSeed';
import {
  validateCount,
  validateFilter,
  validateIndexSpec,
  validateNewDocument,
  validateSort,
  validateUpdate,
} from './validation';

type Doc = Record<string, unknown>;
type Datastore = Nedb<Doc>;

/** How often expired documents are deleted (they are hidden from queries at once, whatever this is). */
const SWEEP_INTERVAL_MS = 60_000;

/** What a collection needs from its store. */
export interface EmbeddedCollectionContext {
  filename: string;
  clock: Clock;
  logger: Logger;
  /** 0 turns periodic compaction off (it still happens at every load). */
  compactionIntervalMs: number;
  isClosed(): boolean;
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
  /** TTL field → seconds, declared by `createIndex` in this process. */
  private readonly ttl = new Map<string, number>();
  private loading: Promise<Datastore> | undefined;
  /** Deletes expired documents now and then; only while the collection has a TTL index. */
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly ctx: EmbeddedCollectionContext,
  ) {}

  async findOne(filter: Filter<T>, options: { sort?: Sort } = {}): Promise<T | null> {
    const [doc] = await this.find(filter, { sort: options.sort, limit: 1 });
    return doc ?? null;
  }

  async find(filter: Filter<T>, options: FindOptions = {}): Promise<T[]> {
    validateFilter(filter);
    validateSort(options.sort);
    validateCount(options.skip, 'skip');
    validateCount(options.limit, 'limit');
    return this.run((db) => findDocs(db, this.query(filter), options) as Promise<T[]>);
  }

  async insertOne(doc: NewDocument<T>): Promise<{ insertedId: string }> {
    validateNewDocument(doc);
    const insertedId = doc._id ?? newId();
    await this.run((db) => this.insertOverExpired(db, { ...doc, _id: insertedId }));
    return { insertedId };
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
      if (spec.expireAfterSeconds === undefined) this.ttl.delete(fields[0]!);
      else this.ttl.set(fields[0]!, spec.expireAfterSeconds);
      if (fields.length === 1 && fields[0] === '_id') return; // always there, always unique
      // Remove, then create: nedb keeps an existing index as it is, even when the options changed.
      await db.removeIndexAsync([...fields].sort().join(','));
      await db.ensureIndexAsync({ fieldName: fields.length === 1 ? fields[0]! : fields, unique: spec.unique ?? false, sparse: spec.sparse ?? false });
      if (spec.expireAfterSeconds !== undefined) {
        await this.sweepExpired(db); // what expired while the process was down goes at start
        this.startSweeping();
      }
    });
  }

  /** Waits for queued operations and stops periodic compaction. */
  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.queue.drain();
    const db = await this.loading?.catch(() => undefined);
    db?.stopAutocompaction();
  }

  private run<R>(op: (db: Datastore) => Promise<R>): Promise<R> {
    if (this.ctx.isClosed()) return Promise.reject(new StoreClosedError('embedded'));
    return this.queue.run(async () => {
      try {
        const db = await this.load();
        return await op(db);
      } catch (e) {
        throw this.mapError(e);
      }
    });
  }

  private load(): Promise<Datastore> {
    this.loading ??= (async () => {
      dropTornTail(this.ctx.filename, this.ctx.logger);
      const db: Datastore = new Nedb<Doc>({ filename: this.ctx.filename });
      await db.loadDatabaseAsync(); // also compacts the datafile
      if (this.ctx.compactionIntervalMs > 0) db.setAutocompactionInterval(this.ctx.compactionIntervalMs);
      return db;
    })();
    return this.loading;
  }

  /**
   * The filter in nedb's dialect, minus documents the clock says are expired. The clause goes into
   * `$and`, so nedb still picks an indexed top-level field. `$lte` on a Date matches only Dates, so
   * documents without a Date there stay visible, as with MongoDB's TTL.
   */
  private query(filter: Filter<T> | Doc): NedbQuery {
    const query = toNedbQuery(filter as Doc);
    if (this.ttl.size === 0) return query;
    const now = this.ctx.clock.now();
    const live = [...this.ttl].map(([field, seconds]) => ({ $not: { [field]: { $lte: new Date(now - seconds * 1000) } } }));
    return { ...query, $and: [...((query.$and as NedbQuery[] | undefined) ?? []), ...live] };
  }

  /** Inserts; on a duplicate key, deletes what has expired (it may be the duplicate, still on file) and tries once more. */
  private async insertOverExpired(db: Datastore, doc: Doc): Promise<Doc> {
    try {
      return await db.insertAsync(doc);
    } catch (e) {
      if (this.ttl.size === 0 || !(this.mapError(e) instanceof DuplicateKeyError)) throw e;
    }
    await this.sweepExpired(db);
    return db.insertAsync(doc);
  }

  /** Every minute, like MongoDB's TTL monitor; unref'd, so it never keeps a process alive. */
  private startSweeping(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      if (this.ctx.isClosed()) return;
      this.run((db) => this.sweepExpired(db)).catch((e: unknown) => {
        this.ctx.logger.warn({ err: e, collection: this.name }, 'embedded store: deleting expired documents failed; tried again in a minute');
      });
    }, SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  private async sweepExpired(db: Datastore): Promise<void> {
    const now = this.ctx.clock.now();
    for (const [field, seconds] of this.ttl) {
      // An index on the field (the TTL index) makes this a range lookup, not a scan. The lower
      // bound keeps documents without the field (nedb indexes them as undefined) out of the range.
      await db.removeAsync({ [field]: { $gte: new Date(0), $lte: new Date(now - seconds * 1000) } }, { multi: true });
    }
  }

  private mapError(e: unknown): unknown {
    if (e instanceof Error && (e as { errorType?: unknown }).errorType === 'uniqueViolated') {
      return new DuplicateKeyError(this.name, (e as { key?: unknown }).key, { cause: e });
    }
    return e;
  }
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

/** The update without `$setOnInsert`, or undefined when nothing else is left. */
function withoutSetOnInsert(update: Doc): Doc | undefined {
  const { $setOnInsert: _ignored, ...rest } = update;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/** The document an upsert inserts: the filter's equality fields, then the update applied as nedb applies it. */
function newDocument(filter: Doc, update: Doc): Doc {
  const seed = upsertSeed(filter);
  seed._id = upsertId(filter, update) ?? newId();
  const { $setOnInsert, ...ops } = update as { $setOnInsert?: Doc } & Doc;
  const { _id: _taken, ...onInsert } = $setOnInsert ?? {};
  const set = { ...(ops.$set as Doc | undefined), ...onInsert };
  return modify(seed, { ...ops, ...(Object.keys(set).length > 0 ? { $set: set } : {}) });
}

/**
 * nedb appends one line per write. A process killed in the middle of an append can leave half a line
 * at the end, which nedb counts as corruption (and refuses to start above 10% of lines, easily reached
 * in a small collection). A line without its newline was never acknowledged, so dropping it loses nothing.
 */
function dropTornTail(filename: string, logger: Logger): void {
  let text: string;
  try {
    text = fs.readFileSync(filename, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (text.length === 0 || text.endsWith('\n')) return;
  const keep = text.lastIndexOf('\n') + 1;
  logger.warn({ filename, droppedBytes: Buffer.byteLength(text.slice(keep)) }, 'embedded store: dropping an incomplete last line (the process stopped while writing it)');
  fs.truncateSync(filename, Buffer.byteLength(text.slice(0, keep)));
}
