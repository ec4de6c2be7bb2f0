// The store contract: one suite that every Store implementation must pass. embedded.test.ts runs it
// always; mongodb.test.ts runs it when MONGODB_URI is set. Repositories rely on nothing else.
import { ConversationState, TestAdapter } from 'botbuilder';
import { ManualClock } from '../../src/common';
import type { BaseDocument, Collection, Filter, Store } from '../../src/store';
import { KeyValueRepository, LeaseRepository, StoreStorage } from '../../src/store';

export interface StoreHarness {
  /** A fresh, empty store whose TTL expiry follows `clock`. */
  open(clock: ManualClock): Promise<Store>;
  /** Closes the store and removes what it wrote. */
  dispose(store: Store): Promise<void>;
}

interface Item extends BaseDocument {
  n?: number;
  s?: string;
  tags?: string[];
  nested?: { k: number };
  maybe?: number | null;
  when?: Date;
  [field: string]: unknown;
}

const ids = (docs: BaseDocument[]): string[] => docs.map((d) => d._id).sort();

export function storeContract(harness: StoreHarness): void {
  let clock: ManualClock;
  let store: Store;
  let items: Collection<Item>;

  beforeEach(async () => {
    clock = new ManualClock(Date.now());
    store = await harness.open(clock);
    items = store.collection<Item>('items');
  });
  afterEach(async () => {
    await harness.dispose(store);
  });

  describe('health', () => {
    it('check() reports a working store as ok, and a closed one as not', async () => {
      await items.insertOne({ _id: 'a', n: 1 });
      expect(await store.check()).toMatchObject({ ok: true });
      expect(await items.findOne({ _id: 'a' })).toMatchObject({ n: 1 }); // the probe touches no collection of ours
      await store.close();
      expect(await store.check()).toMatchObject({ ok: false, reason: expect.stringContaining('closed') });
    });
  });

  describe('filters', () => {
    beforeEach(async () => {
      await items.insertOne({ _id: 'a', n: 1, s: 'x', tags: ['red', 'blue'], nested: { k: 1 }, maybe: null, when: new Date(1000) });
      await items.insertOne({ _id: 'b', n: 2, s: 'y', tags: ['green'], nested: { k: 2 }, when: new Date(2000) });
      await items.insertOne({ _id: 'c', n: 3, s: 'z', tags: [], nested: { k: 3 } });
      await items.insertOne({ _id: 'd', n: 4, s: 'x', maybe: 0 });
    });

    const cases: [string, Filter<Item>, string[]][] = [
      ['empty filter', {}, ['a', 'b', 'c', 'd']],
      ['plain equality', { s: 'x' }, ['a', 'd']],
      ['two fields', { n: { $gt: 1 }, s: 'x' }, ['d']],
      ['$eq', { n: { $eq: 2 } }, ['b']],
      ['$ne', { n: { $ne: 2 } }, ['a', 'c', 'd']],
      ['$lt', { n: { $lt: 3 } }, ['a', 'b']],
      ['$lte', { n: { $lte: 3 } }, ['a', 'b', 'c']],
      ['$gt', { n: { $gt: 3 } }, ['d']],
      ['$gte', { n: { $gte: 3 } }, ['c', 'd']],
      ['a range', { n: { $gte: 2, $lt: 4 } }, ['b', 'c']],
      ['string range', { s: { $lt: 'y' } }, ['a', 'd']],
      ['range across types matches nothing', { n: { $lt: 'z' as unknown as number } }, []],
      ['$in', { s: { $in: ['x', 'z'] } }, ['a', 'c', 'd']],
      ['empty $in', { n: { $in: [] } }, []],
      ['$nin', { s: { $nin: ['x'] } }, ['b', 'c']],
      ['array contains', { tags: 'red' }, ['a']],
      ['$in on an array', { tags: { $in: ['green', 'red'] } }, ['a', 'b']],
      ['$ne on an array: no element may match', { tags: { $ne: 'red' } }, ['b', 'c', 'd']],
      ['$nin on an array', { tags: { $nin: ['red', 'green'] } }, ['c', 'd']],
      ['$exists true (an empty array exists)', { tags: { $exists: true } }, ['a', 'b', 'c']],
      ['$exists false', { tags: { $exists: false } }, ['d']],
      ['null matches null and missing', { maybe: null }, ['a', 'b', 'c']],
      ['$eq null', { maybe: { $eq: null } }, ['a', 'b', 'c']],
      ['$ne null', { maybe: { $ne: null } }, ['d']],
      ['$in with null', { maybe: { $in: [null] } }, ['a', 'b', 'c']],
      ['$nin with null', { maybe: { $nin: [null] } }, ['d']],
      ['$exists on a null field', { maybe: { $exists: true } }, ['a', 'd']],
      ['dotted path', { 'nested.k': 2 }, ['b']],
      ['dotted path range', { 'nested.k': { $gte: 2 } }, ['b', 'c']],
      ['dotted path missing', { 'nested.k': null }, ['d']],
      ['embedded document equality', { nested: { k: 1 } }, ['a']],
      ['Date equality', { when: new Date(2000) }, ['b']],
      ['Date range', { when: { $lt: new Date(1500) } }, ['a']],
      ['$or', { $or: [{ n: 1 }, { s: 'z' }] }, ['a', 'c']],
      ['$and', { $and: [{ s: 'x' }, { n: { $gt: 1 } }] }, ['d']],
      ['nested $or/$and', { $or: [{ $and: [{ s: 'x' }, { n: 1 }] }, { n: 4 }] }, ['a', 'd']],
    ];

    it.each(cases)('%s', async (_name, filter, expected) => {
      expect(ids(await items.find(filter))).toEqual(expected);
      expect(await items.countDocuments(filter)).toBe(expected.length);
      const one = await items.findOne(filter);
      if (expected.length === 0) expect(one).toBeNull();
      else expect(expected).toContain(one?._id);
    });

    it('sorts, skips and limits', async () => {
      expect((await items.find({}, { sort: { n: -1 }, limit: 2 })).map((d) => d._id)).toEqual(['d', 'c']);
      expect((await items.find({}, { sort: { n: -1 }, skip: 1, limit: 2 })).map((d) => d._id)).toEqual(['c', 'b']);
      expect((await items.find({}, { sort: { s: 1, n: -1 } })).map((d) => d._id)).toEqual(['d', 'a', 'b', 'c']);
      expect((await items.findOne({ s: 'x' }, { sort: { n: -1 } }))?._id).toBe('d');
      expect(await items.find({}, { limit: 0 })).toHaveLength(4);
    });

    it('deleteMany removes what matches and counts it', async () => {
      expect(await items.deleteMany({ s: 'x' })).toEqual({ deletedCount: 2 });
      expect(ids(await items.find({}))).toEqual(['b', 'c']);
      expect(await items.deleteMany({ s: 'nothing' })).toEqual({ deletedCount: 0 });
    });

    it('returns copies: changing a result does not change the store', async () => {
      const doc = await items.findOne({ _id: 'a' });
      doc!.tags!.push('mutated');
      expect((await items.findOne({ _id: 'a' }))?.tags).toEqual(['red', 'blue']);
    });
  });

  describe('updates', () => {
    beforeEach(async () => {
      await items.insertOne({ _id: 'u', n: 1, s: 'old', tags: ['a'], nested: { k: 1 }, when: new Date(5000) });
    });

    const update = (u: Parameters<Collection<Item>['findOneAndUpdate']>[1]) => items.findOneAndUpdate({ _id: 'u' }, u);

    it('$set, including dotted paths that create objects', async () => {
      const after = await update({ $set: { s: 'new', 'deep.er': 2, 'nested.j': 5 } });
      expect(after).toMatchObject({ _id: 'u', s: 'new', deep: { er: 2 }, nested: { k: 1, j: 5 } });
    });

    it('$unset, including a dotted path', async () => {
      const after = await update({ $unset: { s: '', 'nested.k': '' } });
      expect(after).not.toHaveProperty('s');
      expect(after?.nested).toEqual({});
    });

    it('$inc on an existing and a missing field, up and down', async () => {
      expect(await update({ $inc: { n: 2, fresh: -3 } })).toMatchObject({ n: 3, fresh: -3 });
      expect(await update({ $inc: { n: -1.5 } })).toMatchObject({ n: 1.5 });
    });

    it('$push a value, $each with $slice, and onto a missing field', async () => {
      expect((await update({ $push: { tags: 'b' } }))?.tags).toEqual(['a', 'b']);
      expect((await update({ $push: { tags: { $each: ['c', 'd'], $slice: -3 } } }))?.tags).toEqual(['b', 'c', 'd']);
      expect((await update({ $push: { other: 1 } }))?.other).toEqual([1]);
    });

    it('$max and $min change a field only past its value, and set a missing one', async () => {
      expect(await update({ $max: { n: 0 } })).toMatchObject({ n: 1 });
      expect(await update({ $max: { n: 7 } })).toMatchObject({ n: 7 });
      expect(await update({ $min: { n: 9 } })).toMatchObject({ n: 7 });
      expect(await update({ $min: { n: 2 } })).toMatchObject({ n: 2 });
      expect(await update({ $max: { when: new Date(9000) }, $min: { low: 3 } })).toMatchObject({ when: new Date(9000), low: 3 });
    });

    it('$setOnInsert is ignored when a document matches', async () => {
      const after = await items.findOneAndUpdate({ _id: 'u' }, { $set: { s: 'set' }, $setOnInsert: { created: true } }, { upsert: true });
      expect(after).toMatchObject({ s: 'set' });
      expect(after).not.toHaveProperty('created');
      expect(await items.findOneAndUpdate({ _id: 'u' }, { $setOnInsert: { created: true } }, { upsert: true })).not.toHaveProperty('created');
    });

    it("returnDocument 'before' and 'after'", async () => {
      expect(await items.findOneAndUpdate({ _id: 'u' }, { $inc: { n: 1 } }, { returnDocument: 'before' })).toMatchObject({ n: 1 });
      expect(await items.findOneAndUpdate({ _id: 'u' }, { $inc: { n: 1 } }, { returnDocument: 'after' })).toMatchObject({ n: 3 });
      expect(await items.findOneAndUpdate({ _id: 'new' }, { $inc: { n: 1 } }, { upsert: true, returnDocument: 'before' })).toBeNull();
      expect(await items.findOne({ _id: 'new' })).toMatchObject({ n: 1 });
    });

    it('returns null and changes nothing when nothing matches without upsert', async () => {
      expect(await items.findOneAndUpdate({ _id: 'missing' }, { $set: { s: 'x' } })).toBeNull();
      expect(await items.findOneAndUpdate({ _id: 'u', n: { $gt: 5 } }, { $set: { s: 'x' } })).toBeNull();
      expect(await items.countDocuments()).toBe(1);
      expect((await items.findOne({ _id: 'u' }))?.s).toBe('old');
    });

    it('upsert builds the new document from the equality fields of the filter, then the update', async () => {
      const doc = await items.findOneAndUpdate(
        { _id: 'k', 'a.b': 1, x: { $eq: 3 }, n: { $lt: 5 }, s: { $in: ['p', 'q'] }, $and: [{ c: 2 }] },
        { $inc: { n: 1 }, $set: { set: true }, $setOnInsert: { created: 'yes' } },
        { upsert: true },
      );
      expect(doc).toEqual({ _id: 'k', a: { b: 1 }, x: 3, c: 2, n: 1, set: true, created: 'yes' });
      expect(await items.findOne({ _id: 'k' })).toEqual(doc);
    });

    it('upsert without an _id in the filter makes a string _id', async () => {
      const doc = await items.findOneAndUpdate({ s: 'fresh' }, { $set: { n: 9 } }, { upsert: true });
      expect(typeof doc?._id).toBe('string');
      expect(await items.findOne({ s: 'fresh' })).toEqual(doc);
    });

    it('insertOne makes a string _id when none is given', async () => {
      const { insertedId } = await items.insertOne({ s: 'no id' });
      expect(insertedId).toMatch(/^[0-9a-f]{24}$/);
      expect(await items.findOne({ _id: insertedId })).toMatchObject({ s: 'no id' });
    });

    it('updateMany changes every match, ignores $setOnInsert, and counts matches', async () => {
      await items.insertOne({ _id: 'v', n: 10, s: 'old' });
      await items.insertOne({ _id: 'w', n: 20, s: 'keep' });
      expect(await items.updateMany({ s: 'old' }, { $inc: { n: 1 }, $setOnInsert: { no: 1 } })).toEqual({ matchedCount: 2 });
      expect((await items.find({}, { sort: { n: 1 } })).map((d) => d.n)).toEqual([2, 11, 20]);
      expect(await items.find({ no: { $exists: true } })).toEqual([]);
      expect(await items.updateMany({ s: 'old' }, { $setOnInsert: { no: 1 } })).toEqual({ matchedCount: 2 });
      expect(await items.updateMany({ s: 'none' }, { $set: { n: 0 } })).toEqual({ matchedCount: 0 });
    });

    it('findOneAndUpdate with a sort updates the first in that order', async () => {
      await items.insertOne({ _id: 'v', n: 10, s: 'old' });
      const doc = await items.findOneAndUpdate({ s: 'old' }, { $set: { picked: true } }, { sort: { n: -1 } });
      expect(doc?._id).toBe('v');
    });
  });

  describe('concurrency', () => {
    it('50 concurrent upserts on one _id make one document and lose no $inc', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => items.findOneAndUpdate({ _id: 'hot' }, { $inc: { n: 1 }, $setOnInsert: { s: 'first' } }, { upsert: true })),
      );
      expect(await items.countDocuments()).toBe(1);
      expect(await items.findOne({ _id: 'hot' })).toMatchObject({ n: 50, s: 'first' });
      expect(results.map((r) => r?.n).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('50 concurrent upserts on a unique key make one document', async () => {
      await items.createIndex({ keys: { s: 1 }, unique: true });
      await Promise.all(Array.from({ length: 50 }, () => items.findOneAndUpdate({ s: 'key' }, { $inc: { n: 1 } }, { upsert: true })));
      expect(await items.countDocuments({ s: 'key' })).toBe(1);
      expect((await items.findOne({ s: 'key' }))?.n).toBe(50);
    });

    it('a conditional $inc reservation hands out exactly the slots there are', async () => {
      await items.insertOne({ _id: 'window', n: 0 });
      const slots = await Promise.all(
        Array.from({ length: 50 }, () => items.findOneAndUpdate({ _id: 'window', n: { $lt: 5 } }, { $inc: { n: 1 } })),
      );
      expect(slots.filter((s) => s !== null)).toHaveLength(5);
      expect((await items.findOne({ _id: 'window' }))?.n).toBe(5);
    });
  });

  describe('indexes and duplicate keys', () => {
    it('a second document with the same _id is a DuplicateKeyError', async () => {
      await items.insertOne({ _id: 'same', n: 1 });
      await expect(items.insertOne({ _id: 'same', n: 2 })).rejects.toMatchObject({ code: 'duplicate_key', name: 'DuplicateKeyError', collection: 'items' });
      expect((await items.findOne({ _id: 'same' }))?.n).toBe(1);
    });

    it('a unique index refuses a duplicate on insert and on update (inbox dedupe by msgid)', async () => {
      const inbox = store.collection<BaseDocument & { msgid: string; n?: number }>('inbox');
      await inbox.createIndex({ keys: { msgid: 1 }, unique: true });
      await inbox.insertOne({ msgid: 'm1' });
      await inbox.insertOne({ msgid: 'm2' });
      await expect(inbox.insertOne({ msgid: 'm1' })).rejects.toMatchObject({ code: 'duplicate_key' });
      await expect(inbox.findOneAndUpdate({ msgid: 'm2' }, { $set: { msgid: 'm1' } })).rejects.toMatchObject({ code: 'duplicate_key' });
      await expect(inbox.updateMany({}, { $set: { msgid: 'same' } })).rejects.toMatchObject({ code: 'duplicate_key' });
      expect(await inbox.countDocuments()).toBe(2);
    });

    it('createIndex is idempotent and refuses a unique index over existing duplicates', async () => {
      await items.insertOne({ s: 'dup' });
      await items.insertOne({ s: 'dup' });
      await items.createIndex({ keys: { n: 1 } });
      await items.createIndex({ keys: { n: 1 } });
      await expect(items.createIndex({ keys: { s: 1 }, unique: true })).rejects.toMatchObject({ code: 'duplicate_key' });
    });

    it('a compound unique index compares the pair; a sparse one ignores missing fields', async () => {
      await items.createIndex({ keys: { s: 1, n: 1 }, unique: true });
      await items.insertOne({ s: 'a', n: 1 });
      await items.insertOne({ s: 'a', n: 2 });
      await expect(items.insertOne({ s: 'a', n: 1 })).rejects.toMatchObject({ code: 'duplicate_key' });
      const sparse = store.collection<Item>('sparse');
      await sparse.createIndex({ keys: { s: 1 }, unique: true, sparse: true });
      await sparse.insertOne({ n: 1 });
      await sparse.insertOne({ n: 2 });
      await sparse.insertOne({ s: 'x' });
      await expect(sparse.insertOne({ s: 'x' })).rejects.toMatchObject({ code: 'duplicate_key' });
    });
  });

  describe('insertMany (a pulled page in one write)', () => {
    it('inserts every document, generating string ids for those without', async () => {
      const result = await items.insertMany([{ _id: 'a', n: 1 }, { n: 2 }, { _id: 'c', n: 3 }]);
      expect(result.duplicateIndexes).toEqual([]);
      expect(result.ids[0]).toBe('a');
      expect(result.ids[1]).toMatch(/^[0-9a-f]{24}$/);
      expect(result.ids[2]).toBe('c');
      expect((await items.find({}, { sort: { n: 1 } })).map((d) => d._id)).toEqual(result.ids);
      expect(await items.insertMany([])).toEqual({ ids: [], duplicateIndexes: [] });
    });

    it('leaves out and reports duplicates (stored before, or twice in the batch), inserting all the others', async () => {
      const inbox = store.collection<BaseDocument & { msgid: string; n: number }>('inbox');
      await inbox.createIndex({ keys: { msgid: 1 }, unique: true });
      await inbox.insertOne({ _id: 'old', msgid: 'm1', n: 0 });
      const batch = [
        { _id: 'x1', msgid: 'm1', n: 1 }, // msgid already stored
        { _id: 'x2', msgid: 'm2', n: 2 },
        { _id: 'old', msgid: 'm3', n: 3 }, // _id already stored
        { _id: 'x4', msgid: 'm2', n: 4 }, // msgid of an earlier one of this batch
        { _id: 'x5', msgid: 'm5', n: 5 },
      ];
      expect(await inbox.insertMany(batch)).toEqual({ ids: ['x1', 'x2', 'old', 'x4', 'x5'], duplicateIndexes: [0, 2, 3] });
      expect(await inbox.find({}, { sort: { n: 1 } })).toEqual([
        { _id: 'old', msgid: 'm1', n: 0 },
        { _id: 'x2', msgid: 'm2', n: 2 },
        { _id: 'x5', msgid: 'm5', n: 5 },
      ]);
      // The same page again (a re-pull after a crash): all duplicates, nothing changes.
      expect((await inbox.insertMany(batch)).duplicateIndexes).toEqual([0, 1, 2, 3, 4]);
      expect(await inbox.countDocuments()).toBe(3);
    });

    it('an expired document does not make a duplicate', async () => {
      await items.createIndex({ keys: { when: 1 }, expireAfterSeconds: 60 });
      await items.insertOne({ _id: 'gone', when: new Date(clock.now()) });
      clock.advance(61_000);
      expect(await items.insertMany([{ _id: 'gone', n: 1 }, { _id: 'new', n: 2 }])).toEqual({ ids: ['gone', 'new'], duplicateIndexes: [] });
      expect(await items.find({}, { sort: { n: 1 } })).toEqual([{ _id: 'gone', n: 1 }, { _id: 'new', n: 2 }]);
    });

    it('a malformed document refuses the whole batch before anything is written', async () => {
      await expect(items.insertMany([{ _id: 'ok', n: 1 }, { nested: { $k: 1 } as never }])).rejects.toMatchObject({ code: 'invalid_query' });
      expect(await items.countDocuments()).toBe(0);
    });

    it('does not change the caller\'s documents', async () => {
      const doc: { n: number; _id?: string } = { n: 1 };
      await items.insertMany([doc]);
      expect(doc).toEqual({ n: 1 });
    });
  });

  describe('updateEach (conditional updates of several documents in one write)', () => {
    beforeEach(async () => {
      await items.insertOne({ _id: 'a', n: 1, s: 'x' });
      await items.insertOne({ _id: 'b', n: 5, s: 'x' });
    });

    it('updates each document its filter matches, upserts where asked, and counts both', async () => {
      const result = await items.updateEach([
        { filter: { _id: 'a', n: { $lt: 3 } }, update: { $set: { n: 3 }, $inc: { k: 1 } } }, // matches
        { filter: { _id: 'b', n: { $lt: 3 } }, update: { $set: { n: 3 } } }, // does not: no upsert, nothing happens
        { filter: { _id: 'c' }, update: { $set: { n: 7 }, $inc: { k: 1 } }, upsert: true }, // inserts
        { filter: { s: 'new' }, update: { $set: { n: 8 } }, upsert: true }, // inserts with a generated string _id
      ]);
      expect(result).toEqual({ matchedCount: 1, upsertedCount: 2, duplicateIndexes: [] });
      expect(await items.find({}, { sort: { n: 1 } })).toEqual([
        { _id: 'a', n: 3, s: 'x', k: 1 },
        { _id: 'b', n: 5, s: 'x' },
        { _id: 'c', n: 7, k: 1 },
        { _id: expect.stringMatching(/^[0-9a-f]{24}$/), s: 'new', n: 8 },
      ]);
      expect(await items.updateEach([])).toEqual({ matchedCount: 0, upsertedCount: 0, duplicateIndexes: [] });
    });

    it('reports an upsert whose filter missed a stored _id as a duplicate, and applies the others', async () => {
      const result = await items.updateEach([
        { filter: { _id: 'a', n: { $lt: 3 } }, update: { $set: { n: 2 } }, upsert: true },
        { filter: { _id: 'b', n: { $lt: 3 } }, update: { $set: { n: 2 } }, upsert: true }, // b has 5: the insert collides
        { filter: { _id: 'd', n: { $lt: 3 } }, update: { $set: { n: 2 } }, upsert: true },
      ]);
      expect(result).toEqual({ matchedCount: 1, upsertedCount: 1, duplicateIndexes: [1] });
      expect(await items.find({}, { sort: { _id: 1 } })).toEqual([
        { _id: 'a', n: 2, s: 'x' },
        { _id: 'b', n: 5, s: 'x' },
        { _id: 'd', n: 2 },
      ]);
    });

    it('treats an expired document as absent: it is upserted over, never matched', async () => {
      await items.createIndex({ keys: { when: 1 }, expireAfterSeconds: 60 });
      await items.insertOne({ _id: 'gone', n: 1, when: new Date(clock.now()) });
      clock.advance(61_000);
      expect(await items.updateEach([
        { filter: { _id: 'gone', n: { $lt: 3 } }, update: { $inc: { n: 10 } }, upsert: true },
        { filter: { _id: 'gone2' }, update: { $inc: { n: 1 } } },
      ])).toEqual({ matchedCount: 0, upsertedCount: 1, duplicateIndexes: [] });
      expect(await items.findOne({ _id: 'gone' })).toEqual({ _id: 'gone', n: 10 });
    });

    it('a malformed update refuses the whole batch before anything is written', async () => {
      await expect(items.updateEach([
        { filter: { _id: 'a' }, update: { $set: { n: 9 } } },
        { filter: { _id: 'b' }, update: { $rename: { n: 'm' } } as never },
      ])).rejects.toMatchObject({ code: 'unsupported_operator' });
      expect(await items.find({}, { sort: { _id: 1 } })).toEqual([{ _id: 'a', n: 1, s: 'x' }, { _id: 'b', n: 5, s: 'x' }]);
    });

    it('updates issued at once for one document are each applied (none lost)', async () => {
      const result = await items.updateEach(Array.from({ length: 10 }, () => ({ filter: { _id: 'a' }, update: { $inc: { n: 1 } } })));
      expect(result.matchedCount).toBe(10);
      expect(await items.findOne({ _id: 'a' })).toMatchObject({ n: 11 });
    });
  });

  describe('TTL by the injected clock', () => {
    beforeEach(async () => {
      await items.createIndex({ keys: { when: 1 }, expireAfterSeconds: 60 });
      await items.insertOne({ _id: 'ttl', when: new Date(clock.now()), n: 1 });
      await items.insertOne({ _id: 'later', when: new Date(clock.now() + 120_000), n: 1 });
      await items.insertOne({ _id: 'number', when: clock.now() as unknown as Date, n: 1 }); // not a Date: never expires
      await items.insertOne({ _id: 'none', n: 1 });
    });

    it('hides a document once the clock passes its expiry, from every operation', async () => {
      clock.advance(59_000);
      expect(ids(await items.find({}))).toEqual(['later', 'none', 'number', 'ttl']);
      clock.advance(2_000);
      expect(await items.findOne({ _id: 'ttl' })).toBeNull();
      expect(ids(await items.find({}))).toEqual(['later', 'none', 'number']);
      expect(await items.countDocuments({})).toBe(3);
      expect(await items.updateMany({}, { $inc: { n: 1 } })).toEqual({ matchedCount: 3 });
      expect(await items.findOneAndUpdate({ _id: 'ttl' }, { $inc: { n: 1 } })).toBeNull();
      clock.advance(120_000);
      expect(ids(await items.find({}))).toEqual(['none', 'number']);
    });

    it('an expired _id can be inserted or upserted again as a new document', async () => {
      clock.advance(61_000);
      expect(await items.findOneAndUpdate({ _id: 'ttl' }, { $inc: { n: 1 } }, { upsert: true })).toEqual({ _id: 'ttl', n: 1 });
      await items.insertOne({ _id: 'later2', when: new Date(clock.now() - 61_000) });
      clock.advance(1);
      await expect(items.insertOne({ _id: 'later2', n: 5 })).resolves.toEqual({ insertedId: 'later2' });
      expect(await items.findOne({ _id: 'later2' })).toEqual({ _id: 'later2', n: 5 });
    });
  });

  describe('refused operators and malformed documents (loud, never a silent no-op)', () => {
    beforeEach(async () => {
      await items.insertOne({ _id: 'x', n: 1, s: 'keep', tags: ['a'] });
    });

    const badFilters: [string, Filter<Item>][] = [
      ['$regex', { s: { $regex: 'k' } as never }],
      ['$regex', { s: /k/ as unknown as string }],
      ['$elemMatch', { tags: { $elemMatch: { $eq: 'a' } } as never }],
      ['$size', { tags: { $size: 1 } as never }],
      ['$not', { n: { $not: { $gt: 5 } } as never }],
      ['$nor', { $nor: [{ n: 1 }] }],
      ['$where', { $where: 'true' }],
      ['$expr', { $expr: { $gt: ['$n', 0] } }],
      ['$text', { $text: { $search: 'keep' } }],
      ['$type', { n: { $type: 'number' } as never }],
    ];

    it.each(badFilters)('filter %s is refused by every method', async (operator, filter) => {
      const calls: Promise<unknown>[] = [
        items.find(filter),
        items.findOne(filter),
        items.countDocuments(filter),
        items.deleteMany(filter),
        items.updateMany(filter, { $set: { s: 'changed' } }),
        items.findOneAndUpdate(filter, { $set: { s: 'changed' } }, { upsert: true }),
      ];
      for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'unsupported_operator', operator, where: 'filter' });
      expect(await items.find({})).toEqual([{ _id: 'x', n: 1, s: 'keep', tags: ['a'] }]);
    });

    const badUpdates: [string, Record<string, unknown>][] = [
      ['$rename', { $rename: { s: 't' } }],
      ['$addToSet', { $addToSet: { tags: 'b' } }],
      ['$pull', { $pull: { tags: 'a' } }],
      ['$pop', { $pop: { tags: 1 } }],
      ['$mul', { $mul: { n: 2 } }],
      ['$currentDate', { $currentDate: { d: true } }],
      ['$push.$position', { $push: { tags: { $each: ['z'], $position: 0 } } }],
      ['$rename', { $set: { s: 'changed' }, $rename: { n: 'm' } }],
    ];

    it.each(badUpdates)('update %s is refused and changes nothing', async (operator, update) => {
      const u = update as never;
      await expect(items.findOneAndUpdate({ _id: 'x' }, u)).rejects.toMatchObject({ code: 'unsupported_operator', operator, where: 'update' });
      await expect(items.findOneAndUpdate({ _id: 'y' }, u, { upsert: true })).rejects.toMatchObject({ code: 'unsupported_operator' });
      await expect(items.updateMany({}, u)).rejects.toMatchObject({ code: 'unsupported_operator', operator });
      expect(await items.find({})).toEqual([{ _id: 'x', n: 1, s: 'keep', tags: ['a'] }]);
    });

    const malformed: [string, () => Promise<unknown>][] = [
      ['a replacement document', () => items.findOneAndUpdate({ _id: 'x' }, { n: 2 } as never)],
      ['an empty update', () => items.updateMany({}, {})],
      ['$in without an array', () => items.find({ n: { $in: 1 as never } })],
      ['undefined in a filter', () => items.find({ _id: undefined as unknown as string })],
      ['a field name with a dot', () => items.insertOne({ 'a.b': 1 })],
      ['a field name with $', () => items.insertOne({ nested: { $k: 1 } as never })],
      ['a path touched twice', () => items.updateMany({}, { $set: { n: 1 }, $inc: { n: 1 } })],
      ['a path and its parent', () => items.updateMany({}, { $set: { nested: { k: 1 }, 'nested.k': 2 } })],
      ['$inc with a string', () => items.updateMany({}, { $inc: { n: '1' as unknown as number } })],
      ['changing _id', () => items.updateMany({}, { $set: { _id: 'z' } })],
      ['a non-string _id', () => items.insertOne({ _id: 5 as unknown as string })],
      ['a function value', () => items.insertOne({ f: () => 1 })],
      ['NaN', () => items.insertOne({ n: Number.NaN })],
      ['an empty $or', () => items.find({ $or: [] })],
      ['a range on null', () => items.find({ n: { $gt: null as unknown as number } })],
      ['mixed operators and fields', () => items.find({ nested: { $eq: 1, k: 1 } as never })],
      ['a bad sort', () => items.find({}, { sort: { n: 2 as never } })],
      ['a negative limit', () => items.find({}, { limit: -1 })],
      ['a TTL on two fields', () => items.createIndex({ keys: { a: 1, b: 1 }, expireAfterSeconds: 1 })],
    ];

    it.each(malformed)('%s is an InvalidQueryError', async (_name, call) => {
      await expect(call()).rejects.toMatchObject({ code: 'invalid_query', name: 'InvalidQueryError' });
      expect(await items.find({})).toEqual([{ _id: 'x', n: 1, s: 'keep', tags: ['a'] }]);
    });

    it('refuses collection names that are not safe file names', () => {
      for (const name of ['', '../up', 'a/b', '.hidden', 'system.users']) expect(() => store.collection(name)).toThrow(expect.objectContaining({ code: 'invalid_query' }));
    });
  });

  describe('LeaseRepository', () => {
    let leases: LeaseRepository;
    beforeEach(() => {
      leases = new LeaseRepository(store);
    });

    it('50 concurrent acquirers: exactly one owner', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => leases.acquire('sync:kf1', `owner-${i}`, 30_000)));
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect((await leases.current('sync:kf1'))?.owner).toBe(winners[0]!.owner);
    });

    it('expiry by the clock hands the lease over, and the old owner can no longer renew or release', async () => {
      const first = await leases.acquire('cron', 'a', 10_000);
      expect(first).toMatchObject({ name: 'cron', owner: 'a', expiresAt: clock.now() + 10_000, term: 1 });
      expect(await leases.acquire('cron', 'b', 10_000)).toBeNull();
      expect(await leases.renew('cron', 'b', 10_000)).toBeNull();
      expect(await leases.release('cron', 'b')).toBe(false);

      clock.advance(9_000);
      expect(await leases.renew('cron', 'a', 10_000)).toMatchObject({ owner: 'a', expiresAt: clock.now() + 10_000, term: 1 });
      clock.advance(9_000);
      expect(await leases.acquire('cron', 'b', 10_000)).toBeNull(); // renewed: still a's

      clock.advance(1_001);
      expect(await leases.current('cron')).toBeNull();
      expect(await leases.renew('cron', 'a', 10_000)).toBeNull(); // expired: lost, even though nobody took it
      const results = await Promise.all(['b', 'c', 'd', 'e', 'f'].map((o) => leases.acquire('cron', o, 10_000)));
      const winner = results.find((r) => r !== null);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(winner?.term).toBe(2);
      expect(await leases.release('cron', 'a')).toBe(false);
      expect(await leases.release('cron', winner!.owner)).toBe(true);
      expect(await leases.acquire('cron', 'a', 10_000)).toMatchObject({ owner: 'a' });
    });

    it('acquire by the holder extends the lease', async () => {
      await leases.acquire('job', 'a', 1_000);
      clock.advance(900);
      expect(await leases.acquire('job', 'a', 1_000)).toMatchObject({ owner: 'a', expiresAt: clock.now() + 1_000, term: 2 });
    });

    it('refuses a lease without a name, owner or positive ttl', async () => {
      await expect(leases.acquire('', 'a', 1)).rejects.toMatchObject({ code: 'invalid_query' });
      await expect(leases.acquire('x', '', 1)).rejects.toMatchObject({ code: 'invalid_query' });
      await expect(leases.renew('x', 'a', 0)).rejects.toMatchObject({ code: 'invalid_query' });
    });
  });

  describe('KeyValueRepository', () => {
    it('gets, sets, replaces, deletes, and expires by the clock', async () => {
      const kv = new KeyValueRepository<{ token: string; at?: Date }>(store, 'tokens');
      expect(await kv.get('kf')).toBeUndefined();
      await kv.set('kf', { token: 't1', at: new Date(1234) }, { ttlMs: 7_200_000 });
      expect(await kv.get('kf')).toEqual({ token: 't1', at: new Date(1234) });
      clock.advance(7_199_000);
      expect(await kv.get('kf')).toEqual({ token: 't1', at: new Date(1234) });
      clock.advance(1_000);
      expect(await kv.get('kf')).toBeUndefined();

      await kv.set('kf', { token: 't2' });
      clock.advance(365 * 24 * 3600_000);
      expect(await kv.get('kf')).toEqual({ token: 't2' });
      await kv.set('kf', { token: 't3' }, { ttlMs: 1_000 });
      await kv.set('kf', { token: 't4' }); // no ttl: the old expiry goes
      clock.advance(2_000);
      expect(await kv.get('kf')).toEqual({ token: 't4' });
      expect(await kv.delete('kf')).toBe(true);
      expect(await kv.delete('kf')).toBe(false);
      expect(await kv.get('kf')).toBeUndefined();
      await expect(kv.set('', { token: 'x' })).rejects.toMatchObject({ code: 'invalid_query' });
    });

    it('setMany stores new keys and replaces stored or expired ones, each with its own expiry', async () => {
      const kv = new KeyValueRepository<{ name: string }>(store, 'names');
      await kv.set('old', { name: 'before' });
      await kv.set('expired', { name: 'gone' }, { ttlMs: 1_000 });
      clock.advance(2_000);
      await kv.setMany([
        { key: 'a', value: { name: 'Ann' }, ttlMs: 10_000 },
        { key: 'old', value: { name: 'after' } },
        { key: 'expired', value: { name: 'back' }, ttlMs: 60_000 },
      ]);
      expect([await kv.get('a'), await kv.get('old'), await kv.get('expired')]).toEqual([{ name: 'Ann' }, { name: 'after' }, { name: 'back' }]);
      clock.advance(10_000);
      expect([await kv.get('a'), await kv.get('old'), await kv.get('expired')]).toEqual([undefined, { name: 'after' }, { name: 'back' }]);
      await expect(kv.setMany([{ key: '', value: { name: 'x' } }])).rejects.toMatchObject({ code: 'invalid_query' });
    });
  });

  describe('StoreStorage (botbuilder Storage)', () => {
    let storage: StoreStorage;
    beforeEach(() => {
      storage = new StoreStorage(store);
    });

    const key = 'wecom/conversations/wm.ab$c/中文 key?#';

    it('reads what was written, with an eTag, JSON-cloned, under any key', async () => {
      expect(await storage.read([key])).toEqual({});
      const item = { count: 1, 'a.b': { $c: [1, 'x'] }, when: new Date(0) };
      await storage.write({ [key]: item });
      item.count = 99;
      const read = await storage.read([key, 'missing']);
      expect(Object.keys(read)).toEqual([key]);
      expect(read[key]).toEqual({ count: 1, 'a.b': { $c: [1, 'x'] }, when: '1970-01-01T00:00:00.000Z', eTag: expect.any(String) });
    });

    it('a stale eTag is rejected with botbuilder\'s message; "*" and no eTag overwrite', async () => {
      await storage.write({ [key]: { v: 1 } });
      const first = (await storage.read([key]))[key] as { eTag: string };
      await storage.write({ [key]: { v: 2, eTag: first.eTag } });
      const second = (await storage.read([key]))[key] as { eTag: string; v: number };
      expect(second.v).toBe(2);
      expect(second.eTag).not.toBe(first.eTag);

      const stale = storage.write({ [key]: { v: 3, eTag: first.eTag } });
      await expect(stale).rejects.toMatchObject({ code: 'etag_conflict', name: 'ETagConflictError', key });
      await expect(storage.write({ [key]: { v: 3, eTag: first.eTag } })).rejects.toThrow(`Storage: error writing "${key}" due to eTag conflict.`);
      expect((await storage.read([key]))[key]).toMatchObject({ v: 2 });

      await storage.write({ [key]: { v: 4, eTag: '*' } });
      expect((await storage.read([key]))[key]).toMatchObject({ v: 4 });
      await storage.write({ [key]: { v: 5 } });
      expect((await storage.read([key]))[key]).toMatchObject({ v: 5 });
    });

    it('an eTag on an item that does not exist yet writes it, as MemoryStorage does', async () => {
      await storage.write({ fresh: { v: 1, eTag: 'made-up' } });
      expect((await storage.read(['fresh'])).fresh).toMatchObject({ v: 1 });
    });

    it('a stale eTag in a batch rejects the batch before writing any of it', async () => {
      await storage.write({ k1: { v: 1 }, k2: { v: 1 } });
      const { k1 } = (await storage.read(['k1'])) as { k1: { eTag: string } };
      await storage.write({ k1: { v: 2 } }); // k1's eTag changes
      await expect(storage.write({ k2: { v: 'batch' }, k1: { v: 'batch', eTag: k1.eTag }, k3: { v: 'batch' } })).rejects.toMatchObject({ code: 'etag_conflict', key: 'k1' });
      expect(await storage.read(['k1', 'k2', 'k3'])).toEqual({ k1: { v: 2, eTag: expect.any(String) }, k2: { v: 1, eTag: expect.any(String) } });
    });

    it('of two writers holding the same eTag, exactly one wins', async () => {
      await storage.write({ [key]: { v: 0 } });
      const { eTag } = (await storage.read([key]))[key] as { eTag: string };
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => storage.write({ [key]: { v: i + 1, eTag } })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(9).fill('etag_conflict'));
    });

    it('deletes, ignoring eTags and missing keys', async () => {
      await storage.write({ a: { v: 1 }, b: { v: 1 } });
      await storage.delete(['a', 'nope']);
      expect(Object.keys(await storage.read(['a', 'b']))).toEqual(['b']);
    });

    it('ConversationState keeps a counter across turns', async () => {
      const conversationState = new ConversationState(storage);
      const count = conversationState.createProperty<number>('count');
      const adapter = new TestAdapter(async (context) => {
        const n = (await count.get(context, 0)) + 1;
        await count.set(context, n);
        await context.sendActivity(`turn ${n}`);
        await conversationState.saveChanges(context);
      });
      await adapter.send('hi').assertReply('turn 1').send('again').assertReply('turn 2').startTest();
      const keys = (await store.collection('botState').find({})).map((d) => d._id);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/\/conversations\//);
      const saved = (await storage.read(keys))[keys[0]!] as Record<string, unknown>;
      expect(saved).toMatchObject({ count: 2 });
    });
  });

  it('refuses operations after close', async () => {
    const c = store.collection<Item>('closing');
    await c.insertOne({ n: 1 });
    await store.close();
    await expect(c.find({})).rejects.toMatchObject({ code: 'store_closed' });
    await expect(c.insertOne({ n: 2 })).rejects.toMatchObject({ code: 'store_closed' });
  });
}
