import { compareThings, deepCopy, match, modify } from '@seald-io/nedb/lib/model.js';
import type { Clock, Logger } from '../common';
import { TtlSweeper } from './ttlSweeper';
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
import { DuplicateKeyError, StoreClosedError, StoreCorruptError, StoreFileError } from './errors';
import { LruMap } from '../common';
import { dotValue, parseDocument, serializeDocument } from './fastModel';
import { IdIndex, isIndexable, keyOf, MemoryIndex } from './memoryIndex';
import { toNedbQuery } from './nedbQuery';
import { newId } from './newId';
import { updateEachByOne } from './updateEachByOne';
import { asStoreError, type SqliteFile } from './sqliteFile';
import { newDocument, upsertId, withoutSetOnInsert } from './upsertSeed';
import {
  isOperatorObject,
  validateFilter,
  validateIndexSpec,
  validateFind,
  validateNewDocument,
  validateSort,
  validateUpdate,
} from './validation';

type Doc = Record<string, unknown>;

/** What a collection needs from its store. */
export interface SqliteCollectionContext {
  file: SqliteFile;
  clock: Clock;
  logger: Logger;
  isClosed(): boolean;
  /** Told when the collection cannot be loaded or a commit failed (`fault`), and when an operation works again (undefined). */
  onFault(name: string, fault: StoreCorruptError | StoreFileError | undefined): void;
  /**
   * How many recently used documents the collection keeps parsed ({@link LruMap}): a turn reads the
   * same handful several times (its window, its inbox entry, its cursor), each of which would
   * otherwise be read from the file and parsed again. They are the stored objects: never change one
   * (an update replaces it).
   */
  cachedDocuments: number;
}

/**
 * One collection of the SQLite engine. Its documents live in the collection's table in
 * `store.sqlite` (a row each, nedb's JSON); memory holds only what finds them: `_id` → row id
 * ({@link IdIndex}), a {@link MemoryIndex} per declared index (index key → row ids; both keep keys
 * as hashes, confirmed on the document), and a few recently used documents,
 * parsed ({@link LruMap}). A filter is matched by nedb's matcher against candidates the
 * indexes give (read by row id), or against every row (a scan, read from the table as it goes).
 * Every change is written to the table, committed with the rest of the tick's changes (see
 * {@link SqliteFile}); a read sees this tick's changes before they are committed.
 *
 * Why nedb's matcher and not SQL queries: the contract is MongoDB's matching (arrays match an
 * element, `null` matches a missing field, values of different types never compare), which nedb's
 * matcher already implements and the contract suite checks; translated to `json_extract` SQL it
 * would be a second implementation to keep identical. The indexes only narrow; the matcher decides.
 * Every operation runs synchronously (better-sqlite3 reads are synchronous too), so
 * find → update → insert is atomic without a queue.
 *
 * Every operation resolves after the commit of the tick it ran in, reads included: nothing is
 * answered from a change the disk has not taken. A failed commit drops the collection's memory;
 * the next operation reloads it from the file.
 */
export class SqliteCollection<T extends BaseDocument> implements Collection<T> {
  /** Whether the keys below were read from the file (at the first operation, and after a failed commit). */
  private loaded = false;
  /** `_id` → the document's row in the table. */
  private readonly ids = new IdIndex();
  /** The row of each document object read or written here (the rest of the engine passes documents around). */
  private readonly ridOf = new WeakMap<Doc, number>();
  private nextRid = 1;
  private readonly cache: LruMap<number, Doc>;
  private readonly indexes = new Map<string, MemoryIndex>();
  /** TTL fields and the timer that deletes what expired. */
  private readonly ttl: TtlSweeper;
  private faultMessage: string | undefined;

  constructor(
    readonly name: string,
    private readonly ctx: SqliteCollectionContext,
  ) {
    this.cache = new LruMap(ctx.cachedDocuments);
    this.ttl = new TtlSweeper({ collection: name, logger: ctx.logger, isClosed: () => ctx.isClosed(), sweep: () => this.run(() => this.sweepExpired()) });
  }

  async findOne(filter: Filter<T>, options: { sort?: Sort } = {}): Promise<T | null> {
    const [doc] = await this.find(filter, { sort: options.sort, limit: 1 });
    return doc ?? null;
  }

  async find(filter: Filter<T>, options: FindOptions = {}): Promise<T[]> {
    validateFind(filter, options);
    // A document parsed for this read alone (a scan's, or any without the cache) is the caller's already: copying it would double a large read's memory.
    return this.run(() => this.select(filter, options).map((d) => (this.cache.peek(this.rid(d)) === d ? deepCopy(d) : d) as unknown as T));
  }

  async insertOne(doc: NewDocument<T>): Promise<{ insertedId: string }> {
    validateNewDocument(doc);
    const insertedId = doc._id ?? newId();
    return this.run(() => {
      this.insert({ ...deepCopy(doc as Doc), _id: insertedId });
      return { insertedId };
    });
  }

  async insertMany(docs: readonly NewDocument<T>[]): Promise<InsertManyResult> {
    for (const doc of docs) validateNewDocument(doc);
    const batch: Doc[] = docs.map((doc) => ({ ...deepCopy(doc as Doc), _id: doc._id ?? newId() }));
    const ids = batch.map((doc) => doc._id as string);
    return this.run(() => {
      const duplicateIndexes: number[] = [];
      for (const [i, doc] of batch.entries()) {
        try {
          this.insert(doc);
        } catch (e) {
          if (!(e instanceof DuplicateKeyError)) throw e;
          duplicateIndexes.push(i);
        }
      }
      return { ids, duplicateIndexes };
    });
  }

  async findOneAndUpdate(filter: Filter<T>, update: Update<T>, options: FindOneAndUpdateOptions = {}): Promise<T | null> {
    validateFilter(filter);
    validateUpdate(update);
    validateSort(options.sort);
    const after = (options.returnDocument ?? 'after') === 'after';
    // A bad upsert _id is refused whether or not a document matches, as on MongoDB; the document
    // an upsert would insert is built only when none does (most upserts find theirs: cursor saves).
    if (options.upsert) upsertId(filter, update as Doc);
    const ops = withoutSetOnInsert(update as Doc);
    return this.run(() => {
      const [found] = this.select(filter, { sort: options.sort, limit: 1 });
      if (found) {
        if (!ops) return deepCopy(found) as unknown as T;
        const updated = modify(found, ops);
        this.replace([[found, updated]]);
        return deepCopy(after ? updated : found) as unknown as T;
      }
      if (!options.upsert) return null;
      const seed = newDocument(filter, update as Doc);
      this.insert(seed);
      return after ? (deepCopy(seed) as unknown as T) : null;
    });
  }

  updateEach(updates: readonly EachUpdate<T>[]): Promise<UpdateEachResult> {
    return updateEachByOne(this, updates);
  }

  async updateMany(filter: Filter<T>, update: Update<T>): Promise<{ matchedCount: number }> {
    validateFilter(filter);
    validateUpdate(update);
    const ops = withoutSetOnInsert(update as Doc);
    return this.run(() => {
      const found = this.select(filter, {});
      if (ops) this.replace(found.map((doc) => [doc, modify(doc, ops)]));
      return { matchedCount: found.length };
    });
  }

  async deleteMany(filter: Filter<T>): Promise<{ deletedCount: number }> {
    validateFilter(filter);
    return this.run(() => {
      const found = this.select(filter, {});
      for (const doc of found) this.remove(doc);
      return { deletedCount: found.length };
    });
  }

  async countDocuments(filter: Filter<T> = {} as Filter<T>): Promise<number> {
    validateFilter(filter);
    return this.run(() => this.select(filter, {}).length);
  }

  async createIndex(spec: IndexSpec): Promise<void> {
    validateIndexSpec(spec);
    const fields = Object.keys(spec.keys);
    return this.run(() => {
      this.ttl.declare(spec);
      if (fields.length > 1 || fields[0] !== '_id') {
        // Built anew each time, so changed options take effect; over duplicates it is refused, not installed.
        this.indexes.set(fields.join(','), buildIndex(this.name, spec, this.rows()));
        this.ctx.file.saveIndex(this.name, spec);
      }
      if (spec.expireAfterSeconds !== undefined) {
        this.sweepExpired(); // what expired while the process was down goes at start
        this.ttl.start();
      }
    });
  }

  /** Stops the expiry timer (the store commits and closes the file). */
  close(): void {
    this.ttl.stop();
  }

  /** Forgets the in-memory documents (a commit holding their changes failed): the next operation reloads them. */
  dropMemory(): void {
    this.loaded = false;
    this.ids.clear();
    this.indexes.clear();
    this.cache.clear();
  }

  /**
   * Runs `op` now, synchronously (so it is atomic), then waits for the commit of this tick. Errors
   * (including a failed commit) become our store errors; a disk or file fault is logged once.
   */
  private async run<R>(op: () => R): Promise<R> {
    if (this.ctx.isClosed()) throw new StoreClosedError('embedded');
    let result: R;
    try {
      this.load();
      result = op();
      await this.ctx.file.settled();
    } catch (e) {
      throw this.mapError(e);
    }
    if (this.faultMessage !== undefined) {
      this.ctx.logger.info({ collection: this.name }, 'embedded store: the collection works again');
      this.setFault(undefined);
    }
    return result;
  }

  /** Reads the keys (`_id`s and index keys) of every row, once; the documents stay in the file. */
  private load(): void {
    if (this.loaded) return;
    const { file } = this.ctx;
    file.ensureTable(this.name);
    const where = `${file.file} (collection ${this.name})`;
    this.ids.clear();
    this.cache.clear();
    this.nextRid = 1;
    const builders = file.indexes(this.name).map((spec) => new IndexBuilder(spec));
    // Every _id read, to refuse a duplicate: the map above keeps hashes only, and no row can be read back during the scan.
    const seen = new Set<string>();
    try {
      for (const row of file.scan(this.name)) {
        let doc: Doc;
        try {
          doc = parseDocument(row.doc);
        } catch (e) {
          throw new StoreCorruptError(where, `row ${row.rid} cannot be read`, { cause: e, engine: 'sqlite' });
        }
        const id = doc?._id;
        if (typeof id !== 'string' || seen.has(id)) throw new StoreCorruptError(where, `row ${row.rid} has ${typeof id === 'string' ? 'a duplicate' : 'no string'} _id`, { engine: 'sqlite' });
        seen.add(id);
        this.ids.add(id, row.rid);
        this.nextRid = row.rid + 1;
        for (const builder of builders) {
          if (!builder.add(row.rid, doc)) throw new StoreCorruptError(where, `its unique index on ${builder.index.fields.join(', ')} holds a duplicate`, { engine: 'sqlite' });
        }
      }
    } catch (e) {
      this.ids.clear();
      throw e;
    }
    this.indexes.clear();
    for (const builder of builders) {
      const index = builder.finish();
      this.indexes.set(index.fields.join(','), index);
    }
    this.loaded = true;
  }

  /** The stored document of a row: the cache's, else read from the file (and cached). */
  private fetch(rid: number): Doc {
    const cached = this.cache.get(rid);
    if (cached) return cached;
    const line = this.ctx.file.row(this.name, rid);
    if (line === undefined) throw new StoreCorruptError(`${this.ctx.file.file} (collection ${this.name})`, `row ${rid} is missing`, { engine: 'sqlite' });
    const doc = parseDocument(line);
    this.ridOf.set(doc, rid);
    this.cache.set(rid, doc);
    return doc;
  }

  /** The stored document of an `_id`, if there is one. */
  private byId(id: string): Doc | undefined {
    for (const rid of this.ids.rows(id)) {
      const doc = this.fetch(rid);
      if (doc._id === id) return doc;
    }
    return undefined;
  }

  /** The row of a document this collection handed out or stored. */
  private rid(doc: Doc): number {
    return this.ridOf.get(doc)!;
  }

  /**
   * Every row, in insertion order, read from the table as it goes (cached documents are not parsed
   * again; the rest do not enter the cache, so a scan does not push the hot documents out); with
   * `needles`, SQLite leaves out the rows whose JSON lacks one (see {@link scanNeedles}). No other
   * read of the file until it ends: see SqliteFile.scan.
   */
  private *rows(needles?: readonly string[]): Generator<{ rid: number; doc: Doc }> {
    for (const row of this.ctx.file.scan(this.name, needles)) {
      let doc = this.cache.peek(row.rid);
      if (!doc) {
        doc = parseDocument(row.doc);
        this.ridOf.set(doc, row.rid);
      }
      yield { rid: row.rid, doc };
    }
  }

  private *scan(needles?: readonly string[]): Generator<Doc> {
    for (const { doc } of this.rows(needles)) yield doc;
  }

  /** The live documents matching `filter`, sorted, skipped and limited (the stored objects: copy before handing out). */
  private select(filter: Doc, options: FindOptions): Doc[] {
    const now = this.ctx.clock.now();
    const id = idOnly(filter);
    if (id !== undefined) {
      // `{_id: 'x'}` alone, the most common filter: the Map answers it, and nothing is left to match.
      const doc = this.byId(id);
      return doc && !this.isExpired(doc, now) && !((options.skip ?? 0) > 0) ? [doc] : [];
    }
    const query = toNedbQuery(filter);
    const want = options.sort || !options.limit ? Infinity : (options.skip ?? 0) + options.limit;
    const out: Doc[] = [];
    for (const doc of this.candidates(filter)) {
      if (this.isExpired(doc, now) || !match(doc, query)) continue;
      out.push(doc);
      if (out.length >= want) break;
    }
    if (options.sort) out.sort(comparator(options.sort));
    const skip = options.skip ?? 0;
    return skip > 0 || options.limit ? out.slice(skip, options.limit ? skip + options.limit : undefined) : out;
  }

  /**
   * A superset of the documents `filter` matches: by `_id` (equality or `$in`), else by the index
   * whose fields all have an equality or `$in` of scalars in the filter (single or compound), or
   * whose one field has a range (`$lt`...`$gte`), that holds the fewest documents for them, else
   * every document.
   */
  private candidates(filter: Doc): Iterable<Doc> {
    const ids = lookupValues(filter._id, '_id');
    if (ids && ids.every((id) => typeof id === 'string')) return this.byIds(new Set(ids as string[]));
    // Equality lookups are counted first and only the smallest is listed: listing them all cost a
    // Set of every holder of a common key (the inbox's `status: 'done'`) on each read.
    let best: { size: number; holders: () => Iterable<number> } | undefined;
    for (const index of this.indexes.values()) {
      const keys = lookupKeys(index, filter);
      if (keys) {
        const size = keys.reduce((sum, key) => sum + index.count(key), 0);
        if (!best || size < best.size) best = { size, holders: () => holdersOf(index, keys) };
      } else {
        const holders = rangeLookup(index, filter, () => this.rows());
        if (!holders) continue;
        if (!best || holders.size < best.size) best = { size: holders.size, holders: () => holders };
      }
      if (best.size === 0) break;
    }
    // Holding most of a large collection (a wide range), an index read costs more than the scan: its holders must be sorted and read one by one.
    if (!best || (this.ids.size > WIDE_READ_MIN_DOCS && best.size * 2 > this.ids.size)) return this.scan(scanNeedles(filter));
    return this.fetchAll(best.holders());
  }

  /** The documents of these `_id`s (those that exist), in insertion order. */
  private byIds(ids: Set<string>): Doc[] {
    const found = [...ids].flatMap<Doc>((id) => this.byId(id) ?? []);
    return found.length > 1 ? found.sort((a, b) => this.rid(a) - this.rid(b)) : found;
  }

  /**
   * The documents of these rows, in the order they were inserted, as a scan finds them (an index key
   * lists its holders in the order they took it, and an update can move a document to another key).
   * Read as they are consumed: a read with a limit stops early.
   */
  private *fetchAll(rids: Iterable<number>): Generator<Doc> {
    const sorted = [...rids].sort((a, b) => a - b);
    for (const rid of sorted) yield this.fetch(rid);
  }

  private isExpired(doc: Doc, now: number): boolean {
    for (const [field, seconds] of this.ttl.fields) {
      const value = dotValue(doc, field);
      if (value instanceof Date && value.getTime() <= now - seconds * 1000) return true;
    }
    return false;
  }

  /** Adds a new document, unless a live one holds its `_id` or a unique key (an expired holder is deleted first). */
  private insert(doc: Doc): void {
    const now = this.ctx.clock.now();
    const id = doc._id as string;
    const existing = this.byId(id);
    if (existing) {
      if (!this.isExpired(existing, now)) throw new DuplicateKeyError(this.name, { _id: id });
      this.remove(existing);
    }
    const rid = this.nextRid;
    const docOf = (r: number): Doc => this.fetch(r);
    for (const index of this.indexes.values()) {
      for (let c = index.conflict(rid, doc, docOf); c; c = index.conflict(rid, doc, docOf)) {
        const holder = this.fetch(c.holder);
        if (!this.isExpired(holder, now)) throw new DuplicateKeyError(this.name, keyValue(index, doc));
        this.remove(holder);
      }
    }
    this.nextRid++;
    this.ids.add(id, rid);
    this.ridOf.set(doc, rid);
    this.cache.set(rid, doc);
    for (const index of this.indexes.values()) index.add(rid, doc);
    this.ctx.file.write(this.name, rid, serializeDocument(doc));
  }

  /** Replaces documents by their updated versions, all or none: a unique key taken by another document refuses the lot. */
  private replace(pairs: [Doc, Doc][]): void {
    if (pairs.length === 0) return;
    const changed = new Set(pairs.map(([old]) => this.rid(old)));
    const docOf = (r: number): Doc => this.fetch(r);
    for (const index of this.indexes.values()) {
      if (!index.unique) continue;
      const claimed = new Map<string, number>();
      for (const [old, updated] of pairs) {
        const rid = this.rid(old);
        if (index.conflict(rid, updated, docOf, changed)) throw new DuplicateKeyError(this.name, keyValue(index, updated));
        for (const key of index.keysOf(updated)) {
          const other = claimed.get(key);
          if (other !== undefined && other !== rid) throw new DuplicateKeyError(this.name, keyValue(index, updated));
          claimed.set(key, rid);
        }
      }
    }
    // Only the indexes whose keys an update changed are touched (most updates leave every key as it was).
    const moves: { index: MemoryIndex; rid: number; old: Doc; updated: Doc }[] = [];
    for (const [old, updated] of pairs) {
      const rid = this.rid(old);
      for (const index of this.indexes.values()) if (!sameKeys(index.keysOf(old), index.keysOf(updated))) moves.push({ index, rid, old, updated });
    }
    for (const { index, rid, old } of moves) index.remove(rid, old);
    for (const { index, rid, updated } of moves) index.add(rid, updated);
    for (const [old, updated] of pairs) {
      const rid = this.rid(old);
      this.ridOf.set(updated, rid);
      this.cache.set(rid, updated);
      this.ctx.file.write(this.name, rid, serializeDocument(updated));
    }
  }

  private remove(doc: Doc): void {
    const rid = this.rid(doc);
    for (const index of this.indexes.values()) index.remove(rid, doc);
    this.cache.delete(rid);
    this.ctx.file.write(this.name, rid, null);
    this.ids.delete(doc._id as string, rid);
  }

  private sweepExpired(): void {
    const now = this.ctx.clock.now();
    const expired = [...this.expiryCandidates(now)].filter((doc) => this.isExpired(doc, now));
    for (const doc of expired) this.remove(doc);
  }

  /**
   * A superset of the documents expired at `now`: when each TTL field has a single-field index, the
   * holders of a Date key up to its limit (the index's range read), else every document.
   */
  private expiryCandidates(now: number): Iterable<Doc> {
    const rids = new Set<number>();
    for (const [field, seconds] of this.ttl.fields) {
      const holders = this.indexes.get(field)?.rangeHolders([['$lte', new Date(now - seconds * 1000)]], () => this.rows());
      if (!holders) return this.scan();
      for (const rid of holders) rids.add(rid);
    }
    return this.fetchAll(rids);
  }

  private setFault(fault: StoreCorruptError | StoreFileError | undefined): void {
    this.faultMessage = fault?.message;
    this.ctx.onFault(this.name, fault);
  }

  /** Our error for `e`; a disk or file fault is also logged (once per fault) and reported to the store. */
  private mapError(e: unknown): unknown {
    const error = asStoreError(this.ctx.file.file, e);
    if (!(error instanceof StoreCorruptError) && !(error instanceof StoreFileError)) return error;
    if (error instanceof StoreFileError) this.dropMemory();
    if (error.message !== this.faultMessage) this.ctx.logger.error({ err: error, collection: this.name, file: error.file }, error.message);
    this.setFault(error);
    return error;
  }
}

/**
 * Builds an index over every row of a collection, as they are scanned (when no row can be read back
 * to confirm a unique conflict: the keys seen are kept as text until the build ends).
 */
class IndexBuilder {
  readonly index: MemoryIndex;
  private readonly seen: Map<string, number> | undefined;

  constructor(spec: IndexSpec) {
    this.index = new MemoryIndex(spec);
    this.seen = this.index.unique ? new Map() : undefined;
  }

  /** Adds the row; false (and not added) when it holds a unique key another row holds. */
  add(rid: number, doc: Doc): boolean {
    if (this.seen) {
      const keys = this.index.keysOf(doc);
      if (keys.some((key) => this.seen!.has(key))) return false;
      for (const key of keys) this.seen.set(key, rid);
    }
    this.index.addUnsorted(rid, doc);
    return true;
  }

  /** The index, once every row was added. */
  finish(): MemoryIndex {
    this.index.sortValues();
    return this.index;
  }
}

/** Builds an index over `rows`; a unique one over a duplicate throws DuplicateKeyError. */
function buildIndex(collection: string, spec: IndexSpec, rows: Iterable<{ rid: number; doc: Doc }>): MemoryIndex {
  const builder = new IndexBuilder(spec);
  for (const { rid, doc } of rows) if (!builder.add(rid, doc)) throw new DuplicateKeyError(collection, keyValue(builder.index, doc));
  return builder.finish();
}

/** The duplicated key as MongoDB reports it (`keyValue`): the index's fields and the document's values. */
function keyValue(index: MemoryIndex, doc: Doc): Doc {
  return Object.fromEntries(index.fields.map((f) => [f, dotValue(doc, f) ?? null]));
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}

/** The `_id` of a filter that is `{_id: 'x'}` and nothing else. */
function idOnly(filter: Doc): string | undefined {
  const id = filter._id;
  if (typeof id !== 'string') return undefined;
  for (const key in filter) if (key !== '_id') return undefined;
  return id;
}

/** Most index keys a lookup tries (the product of the `$in` lists over the index's fields); past it, another index or a scan. */
const MAX_LOOKUP_KEYS = 32;

/**
 * The values a filter entry allows, when it limits the field to a few scalars: `v`, `{$eq: v, ...}`
 * or `{$in: [...], ...}` of scalars (strings, numbers, booleans, Dates). Anything else (null, an
 * object, a range) gives undefined: an index lookup could miss a matching document.
 */
function lookupValues(value: unknown, path: string): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!isOperatorObject(value, path)) return isIndexable(value) ? [value] : undefined;
  if (value.$eq !== undefined) return isIndexable(value.$eq) ? [value.$eq] : undefined;
  const list = value.$in;
  return Array.isArray(list) && list.every(isIndexable) ? list : undefined;
}

/** The row ids holding any of `keys` (each once). */
function holdersOf(index: MemoryIndex, keys: readonly string[]): Iterable<number> {
  if (keys.length === 1) return index.holders(keys[0]!) ?? [];
  const holders = new Set<number>();
  for (const key of keys) for (const h of index.holders(key) ?? []) holders.add(h);
  return holders;
}

/** The index keys that hold every document `filter` can match, when the filter pins each of the index's fields. */
function lookupKeys(index: MemoryIndex, filter: Doc): string[] | undefined {
  if (index.fields.length > 1 && index.holdsArrays) return undefined; // a compound key of an array cannot be looked up by an element
  let keys = [''];
  for (const [i, field] of index.fields.entries()) {
    const values = lookupValues(filter[field], field);
    if (!values || keys.length * values.length > MAX_LOOKUP_KEYS) return undefined;
    keys = keys.flatMap((k) => values.map((v) => (i === 0 ? keyOf(v) : `${k}\u0001${keyOf(v)}`)));
  }
  return keys;
}

/**
 * Strings the JSON of every document `filter` matches holds: for each top-level field the filter
 * requires to equal a string (`{status: 'held'}`, `{'a.b': {$eq: 'x', ...}}`), that string as JSON
 * (`"held"`). A document matches only if the field, or an element of it, is that string, and
 * serializeDocument writes it with the same JSON.stringify, so its line holds it. A full scan lets
 * SQLite drop the rows without them before they are read into JavaScript and parsed (the inbox's
 * `{corpId, status: 'pending'}` reads, which no index answers); the matcher still decides.
 */
export function scanNeedles(filter: Doc): string[] {
  const needles: string[] = [];
  for (const [field, value] of Object.entries(filter)) {
    if (field.startsWith('$')) continue;
    const wanted = typeof value === 'string' ? value : isOperatorObject(value, field) && typeof value.$eq === 'string' ? value.$eq : undefined;
    if (wanted !== undefined && needles.length < MAX_NEEDLES) needles.push(JSON.stringify(wanted));
  }
  return needles;
}

/** More would make the statement cache per collection grow for no gain: a couple already leave few rows. */
const MAX_NEEDLES = 3;

/** Below this many documents an index read is always cheap, so even a wide one is taken (and tests meet it on small collections). */
const WIDE_READ_MIN_DOCS = 1000;

const RANGE_OPS: ReadonlySet<string> = new Set(['$lt', '$lte', '$gt', '$gte']);

/** The rows a single-field index holds in the range the filter gives its field, when it can tell (see MemoryIndex.rangeHolders). */
function rangeLookup(index: MemoryIndex, filter: Doc, rows: () => Iterable<{ rid: number; doc: Doc }>): Set<number> | undefined {
  if (index.fields.length !== 1) return undefined;
  const field = index.fields[0]!;
  const value = filter[field];
  if (!isOperatorObject(value, field)) return undefined;
  const ops = Object.entries(value).filter(([op]) => RANGE_OPS.has(op));
  return ops.length > 0 ? index.rangeHolders(ops, rows) : undefined;
}

/** nedb's cursor order for a sort document. */
function comparator(sort: Sort): (a: Doc, b: Doc) => number {
  const criteria = Object.entries(sort);
  return (a, b) => {
    for (const [key, direction] of criteria) {
      const c = compareThings(dotValue(a, key), dotValue(b, key)) * direction;
      if (c !== 0) return c;
    }
    return 0;
  };
}
