/**
 * The one collection interface every repository is written against. Both stores (MongoDB and the
 * embedded nedb default) implement it and execute the same MongoDB filter and update documents.
 *
 * **Supported, identical in both stores** (anything else throws before it runs):
 * - filter, per field: a plain value (equality; `null` also matches a missing field, as in MongoDB),
 *   `$eq $ne $lt $lte $gt $gte $in $nin $exists`; dotted paths (`'a.b'`); at the top level
 *   `$and $or` (non-empty arrays).
 * - update: `$set $setOnInsert $inc $unset $push` (a value, or `{ $each: [...], $slice?: n }`)
 *   `$max $min`. An update must use operators only (no replacement documents) and must not touch
 *   one path twice (`a` and `a.b`), as in MongoDB.
 * - sort: `{ field: 1 | -1, ... }`; `limit`, `skip`.
 * - indexes: single or compound `keys`, `unique`, `sparse`, `expireAfterSeconds` (TTL, one Date field).
 *
 * **Refused** with {@link UnsupportedOperatorError}: every other `$` operator (`$regex`, `$elemMatch`,
 * `$size`, `$not`, `$nor`, `$expr`, `$where`, `$addToSet`, `$pull`, `$rename`, ...), and a RegExp value.
 * Refused with {@link InvalidQueryError}: malformed documents (`undefined` in a filter, a `$in` without
 * an array, a range operand that is not a number, string or Date, field names with `.` or a leading `$`).
 *
 * **Semantics to know**
 * - `_id` is always a string. `insertOne` generates one (24 hex characters) when the document has none.
 * - `findOneAndUpdate` returns the document `'after'` the update by default (the MongoDB driver's
 *   default is `'before'`; we always pass it explicitly). With `upsert`, the new document is the
 *   filter's equality fields (`{a: 1}`, `{a: {$eq: 1}}`, inside `$and`, dotted keys become nested
 *   objects) plus `$setOnInsert`, `$set`, `$inc`, ... applied to them.
 * - TTL: a document whose TTL field holds a Date `<= clock.now() - expireAfterSeconds` is expired. It is
 *   invisible to every operation at once (the injected clock decides, not the database server's) and is
 *   deleted later (embedded: by a timer once a minute; MongoDB: by the server's TTL monitor).
 *   TTL indexes are declared with `createIndex` at every start, like all indexes.
 * - Sorting across different value types is unspecified; sort on fields that hold one type.
 *
 * @example
 * const windows = store.collection<WindowDoc>('windows');
 * await windows.createIndex({ keys: { expiresAt: 1 }, expireAfterSeconds: 0 });
 * const slot = await windows.findOneAndUpdate(
 *   { _id: conversationId, used: { $lt: 5 } },
 *   { $inc: { used: 1 } },
 *   { returnDocument: 'after' },
 * ); // null: no slot left
 */
export interface Collection<T extends BaseDocument> {
  /** The collection's name (a file `<name>.db` in the embedded store). */
  readonly name: string;

  /** The first document matching `filter` (in `sort` order when given), or null. */
  findOne(filter: Filter<T>, options?: { sort?: Sort }): Promise<T | null>;

  /** All documents matching `filter`, sorted, skipped and limited as asked. `limit: 0` means no limit. */
  find(filter: Filter<T>, options?: FindOptions): Promise<T[]>;

  /** Inserts one document. Throws {@link DuplicateKeyError} on a unique index (including `_id`). */
  insertOne(doc: NewDocument<T>): Promise<{ insertedId: string }>;

  /**
   * Inserts several documents in one write (MongoDB's unordered `insertMany`): every document that
   * breaks no unique index is inserted; one that would (a document already stored, or an earlier one
   * of the same batch) is left out and reported in `duplicateIndexes` (its positions in `docs`,
   * ascending) instead of throwing. Documents are checked in the order given, so of two with one key
   * the first is inserted. Other failures reject; some documents may have been inserted by then
   * (as with a failed `insertOne`, repeating the call is safe when the keys are unique).
   *
   * @example
   * const { duplicateIndexes } = await inbox.insertMany(page); // duplicates: already received
   */
  insertMany(docs: readonly NewDocument<T>[]): Promise<InsertManyResult>;

  /**
   * Updates the first document matching `filter` and returns it (`'after'` by default), or inserts one
   * when none matches and `upsert` is set. Atomic: concurrent calls on one key never lose an `$inc`
   * and never create two documents for one `_id` or unique key.
   * Returns null when nothing matched and no upsert happened, or for `'before'` after an insert.
   */
  findOneAndUpdate(filter: Filter<T>, update: Update<T>, options?: FindOneAndUpdateOptions): Promise<T | null>;

  /**
   * Several conditional single-document updates in one write, unordered (MongoDB: one `bulkWrite` of
   * `updateOne`s, one round trip; the embedded engines issue them in one tick, so SQLite commits them
   * together). Each updates the first document its filter matches, or upserts as
   * {@link Collection.findOneAndUpdate} does; one that would break a unique index (e.g. an upsert
   * whose filter missed a document that exists) is left out and reported in `duplicateIndexes`
   * instead of throwing.
   * Which of the others matched is not reported (MongoDB's bulk result has counts only): when
   * `matchedCount + upsertedCount` falls short of the updates, read the documents to see where.
   * Other failures reject; some updates may have been applied by then.
   *
   * @example
   * const r = await windows.updateEach(page.map((m) => ({
   *   filter: { _id: m.conversationId, lastCustomerMessageAt: { $lt: m.sentAt } },
   *   update: { $set: { lastCustomerMessageAt: m.sentAt, used: 0 } },
   *   upsert: true,
   * })));
   * if (r.matchedCount + r.upsertedCount < page.length) { ... } // some windows were newer: look
   */
  updateEach(updates: readonly EachUpdate<T>[]): Promise<UpdateEachResult>;

  /** Applies `update` to every matching document. `$setOnInsert` is ignored (no upsert here). */
  updateMany(filter: Filter<T>, update: Update<T>): Promise<{ matchedCount: number }>;

  /** Deletes every matching document. */
  deleteMany(filter: Filter<T>): Promise<{ deletedCount: number }>;

  /** How many documents match. */
  countDocuments(filter?: Filter<T>): Promise<number>;

  /**
   * Creates the index if it is missing, or re-creates it when its options changed. Call it at every
   * start (it is cheap when the index exists): the embedded store keeps TTL settings only in memory.
   */
  createIndex(spec: IndexSpec): Promise<void>;
}

/** What {@link Collection.insertMany} did. */
export interface InsertManyResult {
  /** `_id` of every document of the batch, in order (generated when a document had none), inserted or not. */
  ids: string[];
  /** Positions in the batch of the documents left out because they break a unique index, ascending. */
  duplicateIndexes: number[];
}

/** One update of {@link Collection.updateEach}. */
export interface EachUpdate<T extends BaseDocument> {
  filter: Filter<T>;
  update: Update<T>;
  /** Insert when nothing matches. Default false. */
  upsert?: boolean;
}

/** What {@link Collection.updateEach} did. */
export interface UpdateEachResult {
  /** Updates that found a document to change. */
  matchedCount: number;
  /** Updates that inserted a document (nothing matched, `upsert` set). */
  upsertedCount: number;
  /** Positions of the updates left out because they would break a unique index, ascending. */
  duplicateIndexes: number[];
}

/** Every stored document has a string `_id`. */
export interface BaseDocument {
  _id: string;
}

/** A document to insert: `_id` may be left out. */
export type NewDocument<T extends BaseDocument> = Omit<T, '_id'> & { _id?: string };

/** Conditions on one field. */
export interface FieldCondition<V> {
  $eq?: V | null;
  $ne?: V | null;
  $lt?: V;
  $lte?: V;
  $gt?: V;
  $gte?: V;
  $in?: readonly (V | null)[];
  $nin?: readonly (V | null)[];
  $exists?: boolean;
}

/** Element type of an array field, so `{ tags: 'a' }` type-checks as in MongoDB. */
type Element<V> = V extends readonly (infer E)[] ? E : V;

/**
 * A MongoDB filter document. Known fields are typed; dotted paths (`'profile.name'`) are accepted
 * as `unknown` and checked at run time.
 */
export type Filter<T = Record<string, unknown>> = {
  [K in keyof T]?: T[K] | Element<T[K]> | null | FieldCondition<T[K] | Element<T[K]>>;
} & {
  $and?: Filter<T>[];
  $or?: Filter<T>[];
} & Record<string, unknown>;

type Fields<T> = { [K in keyof T]?: T[K] } & Record<string, unknown>;

/** A MongoDB update document (operators only). */
export interface Update<T = Record<string, unknown>> {
  $set?: Fields<T>;
  $setOnInsert?: Fields<T>;
  $inc?: Record<string, number>;
  $unset?: Record<string, '' | 1 | true>;
  $push?: Record<string, unknown>;
  $max?: Record<string, number | string | Date>;
  $min?: Record<string, number | string | Date>;
}

/** `{ field: 1 }` ascending, `-1` descending; several keys sort in order. */
export type Sort = Record<string, 1 | -1>;

export interface FindOptions {
  sort?: Sort;
  /** Default 0. */
  skip?: number;
  /** Default 0 (no limit). */
  limit?: number;
}

export interface FindOneAndUpdateOptions {
  /** Insert when nothing matches. Default false. */
  upsert?: boolean;
  /** Which version to return. Default `'after'`. */
  returnDocument?: 'before' | 'after';
  /** Which document to update when several match. */
  sort?: Sort;
}

export interface IndexSpec {
  /** `{ field: 1 }` or a compound `{ a: 1, b: -1 }` (direction only matters to MongoDB). */
  keys: Record<string, 1 | -1>;
  /** Default false. */
  unique?: boolean;
  /** Leave documents without the field out of the index (so a unique index allows many). Default false. */
  sparse?: boolean;
  /** TTL on one Date field: expired once the field is older than this many seconds. */
  expireAfterSeconds?: number;
}
