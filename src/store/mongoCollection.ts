import type { AnyBulkWriteOperation, Collection as DriverCollection, Document, Filter as DriverFilter, MongoBulkWriteError, UpdateFilter } from 'mongodb';
import type { Clock, Logger } from '../common';
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
import { DuplicateKeyError, StoreClosedError } from './errors';
import { newId } from './newId';
import { upsertId } from './upsertSeed';
import {
  validateFilter,
  validateIndexSpec,
  validateFind,
  validateNewDocument,
  validateSort,
  validateUpdate,
} from './validation';

/** What a collection needs from its store. */
export interface MongoCollectionContext {
  clock: Clock;
  logger: Logger;
  isClosed(): boolean;
}

/**
 * One collection on the official driver. Thin on purpose: it validates every filter and update
 * with the same checks as the embedded store (so an unsupported operator fails the same way, before
 * the server sees it), hides documents the injected clock says are expired, and maps duplicate-key
 * errors to {@link DuplicateKeyError}. The rest is the driver's own call.
 */
export class MongoCollection<T extends BaseDocument> implements Collection<T> {
  /** TTL field → seconds, declared by `createIndex` in this process. */
  private readonly ttl = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly coll: DriverCollection<Document>,
    private readonly ctx: MongoCollectionContext,
  ) {}

  async findOne(filter: Filter<T>, options: { sort?: Sort } = {}): Promise<T | null> {
    validateFilter(filter);
    validateSort(options.sort);
    this.assertOpen();
    return (await this.coll.findOne(this.visible(filter), { sort: options.sort })) as T | null;
  }

  async find(filter: Filter<T>, options: FindOptions = {}): Promise<T[]> {
    validateFind(filter, options);
    this.assertOpen();
    const docs = await this.coll.find(this.visible(filter), { sort: options.sort, skip: options.skip, limit: options.limit }).toArray();
    return docs as unknown as T[];
  }

  async insertOne(doc: NewDocument<T>): Promise<{ insertedId: string }> {
    validateNewDocument(doc);
    this.assertOpen();
    const insertedId = doc._id ?? newId();
    // A copy: the driver would otherwise write `_id` into the caller's object.
    const insert = () => this.coll.insertOne({ ...doc, _id: insertedId } as Document);
    // Without TTL a duplicate is final (the inbox's dedupe path): no second round trip.
    if (this.ttl.size > 0) await this.retryingExpired(insert);
    else await insert().catch((e: unknown) => Promise.reject(this.mapError(e)));
    return { insertedId };
  }

  async insertMany(docs: readonly NewDocument<T>[]): Promise<InsertManyResult> {
    for (const doc of docs) validateNewDocument(doc);
    this.assertOpen();
    // Copies with their `_id`: the driver would otherwise write an ObjectId into the caller's objects.
    const batch = docs.map((doc) => ({ ...doc, _id: doc._id ?? newId() }) as Document);
    const ids = batch.map((doc) => doc._id as string);
    if (batch.length === 0) return { ids, duplicateIndexes: [] }; // the driver refuses an empty batch
    let duplicates = await this.insertUnordered(batch, batch.map((_doc, i) => i));
    if (duplicates.length > 0 && this.ttl.size > 0) {
      // A duplicate may be an expired document the server's TTL monitor has not deleted yet.
      await this.deleteExpired();
      duplicates = await this.insertUnordered(duplicates.map((i) => batch[i]!), duplicates);
    }
    return { ids, duplicateIndexes: duplicates };
  }

  /**
   * One unordered `insertMany`: the server inserts every document it can and reports the rest.
   * Returns the positions (in `positions`' terms) refused as duplicates; any other refusal rejects.
   */
  private async insertUnordered(batch: Document[], positions: number[]): Promise<number[]> {
    try {
      await this.coll.insertMany(batch, { ordered: false });
      return [];
    } catch (e) {
      if (!isBulkWriteError(e) || e.err) throw this.mapError(e); // `err`: a write concern failure
      const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
      if (writeErrors.length === 0) throw this.mapError(e);
      if (writeErrors.some((w) => !isDuplicateCode(w.code))) throw e;
      return writeErrors.map((w) => positions[w.index]!).sort((a, b) => a - b);
    }
  }

  async findOneAndUpdate(filter: Filter<T>, update: Update<T>, options: FindOneAndUpdateOptions = {}): Promise<T | null> {
    validateFilter(filter);
    validateUpdate(update);
    validateSort(options.sort);
    this.assertOpen();
    let ops = update as UpdateFilter<Document>;
    // `_id` stays a string: left to the server, an upsert would create an ObjectId.
    if (options.upsert && upsertId(filter, update as Record<string, unknown>) === undefined) {
      ops = { ...ops, $setOnInsert: { ...ops.$setOnInsert, _id: newId() } };
    }
    const run = () =>
      this.coll.findOneAndUpdate(this.visible(filter), ops, {
        upsert: options.upsert ?? false,
        returnDocument: options.returnDocument ?? 'after',
        sort: options.sort,
      });
    // Two concurrent upserts can both miss and both insert; the loser gets E11000. Retried once it
    // finds the winner's document (MongoDB >= 4.2 already retries this itself for an equality on
    // the unique key). A conditional upsert that lost (a lease held by someone else) fails again
    // and surfaces as DuplicateKeyError.
    const doc = options.upsert ? await this.retryingExpired(run) : await run().catch((e: unknown) => Promise.reject(this.mapError(e)));
    return doc as T | null;
  }

  async updateEach(updates: readonly EachUpdate<T>[]): Promise<UpdateEachResult> {
    for (const u of updates) {
      validateFilter(u.filter);
      validateUpdate(u.update);
    }
    this.assertOpen();
    const ops = updates.map((u): AnyBulkWriteOperation<Document> => {
      let update = u.update as UpdateFilter<Document>;
      // `_id` stays a string, as in findOneAndUpdate.
      if (u.upsert && upsertId(u.filter, u.update as Record<string, unknown>) === undefined) {
        update = { ...update, $setOnInsert: { ...update.$setOnInsert, _id: newId() } };
      }
      return { updateOne: { filter: u.filter as DriverFilter<Document>, update, upsert: u.upsert ?? false } };
    });
    const result: UpdateEachResult = { matchedCount: 0, upsertedCount: 0, duplicateIndexes: [] };
    if (ops.length === 0) return result; // the driver refuses an empty batch
    let positions = ops.map((_op, i) => i);
    for (let round = 0; ; round++) {
      // The filters are made visible per round: the clock may have moved.
      const batch = positions.map((i) => {
        const op = ops[i] as { updateOne: { filter: DriverFilter<Document> } };
        return { updateOne: { ...op.updateOne, filter: this.visible(op.updateOne.filter) } } as AnyBulkWriteOperation<Document>;
      });
      const { matched, upserted, duplicates } = await this.bulkUnordered(batch);
      result.matchedCount += matched;
      result.upsertedCount += upserted;
      const left = duplicates.map((j) => positions[j]!);
      // A duplicate may be an expired document the server's TTL monitor has not deleted yet: once more without it.
      if (left.length === 0 || round > 0 || this.ttl.size === 0) {
        result.duplicateIndexes = left.sort((a, b) => a - b);
        return result;
      }
      await this.deleteExpired();
      positions = left;
    }
  }

  /** One unordered `bulkWrite`: counts what it did, and the positions in `batch` refused as duplicates; any other refusal rejects. */
  private async bulkUnordered(batch: AnyBulkWriteOperation<Document>[]): Promise<{ matched: number; upserted: number; duplicates: number[] }> {
    try {
      const res = await this.coll.bulkWrite(batch, { ordered: false });
      return { matched: res.matchedCount, upserted: res.upsertedCount, duplicates: [] };
    } catch (e) {
      if (!isBulkWriteError(e) || e.err) throw this.mapError(e); // `err`: a write concern failure
      const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
      if (writeErrors.length === 0) throw this.mapError(e);
      if (writeErrors.some((w) => !isDuplicateCode(w.code))) throw e;
      return { matched: e.result.matchedCount, upserted: e.result.upsertedCount, duplicates: writeErrors.map((w) => w.index) };
    }
  }

  async updateMany(filter: Filter<T>, update: Update<T>): Promise<{ matchedCount: number }> {
    validateFilter(filter);
    validateUpdate(update);
    this.assertOpen();
    try {
      const res = await this.coll.updateMany(this.visible(filter), update as UpdateFilter<Document>);
      return { matchedCount: res.matchedCount };
    } catch (e) {
      throw this.mapError(e);
    }
  }

  async deleteMany(filter: Filter<T>): Promise<{ deletedCount: number }> {
    validateFilter(filter);
    this.assertOpen();
    const res = await this.coll.deleteMany(this.visible(filter));
    return { deletedCount: res.deletedCount };
  }

  async countDocuments(filter: Filter<T> = {} as Filter<T>): Promise<number> {
    validateFilter(filter);
    this.assertOpen();
    return this.coll.countDocuments(this.visible(filter));
  }

  async createIndex(spec: IndexSpec): Promise<void> {
    validateIndexSpec(spec);
    this.assertOpen();
    const fields = Object.keys(spec.keys);
    const name = Object.entries(spec.keys).map(([k, d]) => `${k}_${d}`).join('_');
    const options = { name, unique: spec.unique, sparse: spec.sparse, expireAfterSeconds: spec.expireAfterSeconds };
    if (spec.expireAfterSeconds === undefined) this.ttl.delete(fields[0]!);
    else this.ttl.set(fields[0]!, spec.expireAfterSeconds);
    if (fields.length === 1 && fields[0] === '_id') return; // always there, always unique
    try {
      await this.coll.createIndex(spec.keys, options);
    } catch (e) {
      // 85 IndexOptionsConflict, 86 IndexKeySpecsConflict: the index exists with other options.
      const code = (e as { code?: unknown }).code;
      if (code !== 85 && code !== 86) throw this.mapError(e);
      this.ctx.logger.warn({ collection: this.name, index: name }, 'store: re-creating an index whose options changed');
      await this.coll.dropIndex(name);
      await this.coll.createIndex(spec.keys, options).catch((err: unknown) => Promise.reject(this.mapError(err)));
    }
  }

  /**
   * The filter, minus documents the injected clock says are expired. The server's TTL monitor runs
   * once a minute on the server's clock; this makes expiry exact and testable with a ManualClock.
   * `$lte` on a Date matches only Dates, so documents without a Date there stay visible, as in TTL.
   */
  private visible(filter: Record<string, unknown>): DriverFilter<Document> {
    if (this.ttl.size === 0) return filter as DriverFilter<Document>;
    const now = this.ctx.clock.now();
    const expired = [...this.ttl].map(([field, seconds]) => ({ [field]: { $lte: new Date(now - seconds * 1000) } }));
    return { $and: [filter, { $nor: expired }] } as DriverFilter<Document>;
  }

  /**
   * Runs a write; on a duplicate key, deletes what the clock says is expired (the server's TTL monitor
   * may not have yet; it could be the duplicate) and tries once more.
   */
  private async retryingExpired<R>(write: () => Promise<R>): Promise<R> {
    try {
      return await write();
    } catch (e) {
      if (!(this.mapError(e) instanceof DuplicateKeyError)) throw e;
    }
    await this.deleteExpired();
    try {
      return await write();
    } catch (e) {
      throw this.mapError(e);
    }
  }

  /** Deletes what the clock says is expired now (the server's TTL monitor runs only once a minute). */
  private async deleteExpired(): Promise<void> {
    if (this.ttl.size === 0) return;
    const now = this.ctx.clock.now();
    const expired = [...this.ttl].map(([field, seconds]) => ({ [field]: { $lte: new Date(now - seconds * 1000) } }));
    await this.coll.deleteMany({ $or: expired });
  }

  private mapError(e: unknown): unknown {
    const code = (e as { code?: unknown } | null)?.code;
    if (e instanceof Error && isDuplicateCode(code)) {
      return new DuplicateKeyError(this.name, (e as { keyValue?: unknown }).keyValue, { cause: e });
    }
    return e;
  }

  private assertOpen(): void {
    if (this.ctx.isClosed()) throw new StoreClosedError('mongodb');
  }
}

function isDuplicateCode(code: unknown): boolean {
  return code === 11000 || code === 11001;
}

/** The driver's error for a bulk write some of whose documents the server refused (a type import: the driver loads lazily). */
function isBulkWriteError(e: unknown): e is MongoBulkWriteError {
  return e instanceof Error && e.name === 'MongoBulkWriteError' && 'writeErrors' in e;
}
