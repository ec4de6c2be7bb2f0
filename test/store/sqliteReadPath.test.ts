/**
 * The SQLite engine keeps documents in the file, not in memory: a query reads its candidates from
 * `store.sqlite` (or the small cache of recent ones). These tests run without the cache, so every
 * document comes from the file: changes of the same tick, not yet committed, are seen by the reads
 * of that tick; the TTL sweep deletes exactly what expired, found through the TTL field's index; a
 * restart finds everything again; a scan that SQLite narrows by the strings a filter requires finds
 * what nedb's matcher finds among all documents; `_id`s and index keys whose hashes collide stay apart.
 */

/** Two different strings `prefix + x` whose {@link hashKey}s are equal (a birthday search: ~40,000 tries). */
function collidingPair(prefix: string): [string, string] {
  const byHash = new Map<number, string>();
  for (let i = 0; ; i++) {
    const value = `v${i}`;
    const hash = hashKey(prefix + value);
    const other = byHash.get(hash);
    if (other !== undefined) return [other, value];
    byHash.set(hash, value);
  }
}
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { match } from '@seald-io/nedb/lib/model.js';
import { ManualClock } from '../../src/common';
import { SqliteStore } from '../../src/store';
import { hashKey, keyOf } from '../../src/store/memoryIndex';
import { toNedbQuery } from '../../src/store/nedbQuery';

type Item = { _id: string; k: number; tag?: string; at?: unknown };

describe('SQLite engine: documents read from the file', () => {
  let dataDir: string;
  let store: SqliteStore | undefined;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-readpath-'))));
  afterEach(async () => {
    jest.useRealTimers();
    await store?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a read sees the writes of its own tick before they are committed: by _id, by index, by scan', async () => {
    store = await SqliteStore.open({ dataDir, cachedDocuments: 0 });
    const items = store.collection<Item>('items');
    await items.createIndex({ keys: { k: 1 } });
    await items.insertMany([{ _id: 'old1', k: 1 }, { _id: 'old2', k: 2 }]);
    // All started in one tick: each runs at once, and all resolve after the one commit.
    const commitsBefore = store.commits;
    const inserted = items.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: `n${i}`, k: i % 4 })));
    const updated = items.updateMany({ _id: 'old1' }, { $set: { tag: 'moved', k: 3 } });
    const deleted = items.deleteMany({ _id: 'old2' });
    const byId = items.findOne({ _id: 'n7' });
    const byIndex = items.find({ k: 3 });
    const byScan = items.find({ tag: 'moved' });
    const all = items.find({});
    await Promise.all([inserted, updated, deleted]);
    expect(store.commits - commitsBefore).toBe(1);
    expect(await byId).toEqual({ _id: 'n7', k: 3 });
    expect((await byIndex).map((d) => d._id)).toEqual(['old1', 'n3', 'n7', 'n11', 'n15', 'n19']);
    expect(await byScan).toEqual([{ _id: 'old1', k: 3, tag: 'moved' }]);
    expect((await all).map((d) => d._id)).toEqual(['old1', ...Array.from({ length: 20 }, (_, i) => `n${i}`)]);
  });

  it('documents and index keys come back after a restart, and uniqueness still holds', async () => {
    store = await SqliteStore.open({ dataDir, cachedDocuments: 0 });
    const items = store.collection<Item>('items');
    await items.createIndex({ keys: { tag: 1 }, unique: true, sparse: true });
    await items.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `i${i}`, k: i, ...(i % 10 === 0 ? { tag: `t${i}` } : {}) })));
    await items.findOneAndUpdate({ _id: 'i5' }, { $set: { tag: 't5' } });
    await store.close();
    store = await SqliteStore.open({ dataDir, cachedDocuments: 0 });
    const reopened = store.collection<Item>('items');
    expect(await reopened.countDocuments({})).toBe(50);
    expect((await reopened.find({ tag: { $in: ['t5', 't40'] } })).map((d) => d._id)).toEqual(['i5', 'i40']);
    await expect(reopened.insertOne({ _id: 'x', k: 0, tag: 't5' })).rejects.toMatchObject({ code: 'duplicate_key' });
    expect(await reopened.findOne({ k: { $gte: 48 } }, { sort: { k: -1 } })).toEqual({ _id: 'i49', k: 49 });
  });

  it('the minute sweep deletes exactly the expired documents, found through the TTL index', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'setTimeout', 'clearTimeout', 'Date', 'performance', 'hrtime'] });
    const start = Date.UTC(2026, 0, 5);
    const clock = new ManualClock(start);
    store = await SqliteStore.open({ dataDir, clock, cachedDocuments: 0 });
    const items = store.collection<Item>('items');
    await items.createIndex({ keys: { at: 1 }, expireAfterSeconds: 60 });
    await items.insertMany([
      { _id: 'expires', k: 1, at: new Date(start) },
      { _id: 'later', k: 2, at: new Date(start + 120_000) },
      { _id: 'null', k: 3, at: null },
      { _id: 'none', k: 4 },
      { _id: 'number', k: 5, at: start },
      { _id: 'dates', k: 6, at: [new Date(start)] }, // an array of Dates never expires (as on MongoDB with nedb's matcher here)
      { _id: 'expires2', k: 7, at: new Date(start - 1) },
    ]);
    clock.advance(61_000);
    jest.advanceTimersByTime(60_000);
    expect(await items.countDocuments({})).toBe(5); // the sweep ran before this answered
    clock.set(start); // what is hidden only would be back now; what was deleted is not
    expect((await items.find({})).map((d) => d._id)).toEqual(['later', 'null', 'none', 'number', 'dates']);
  });

  it('a scan narrowed by required strings finds what the matcher finds among all documents, this tick\'s changes included', async () => {
    store = await SqliteStore.open({ dataDir, cachedDocuments: 0 });
    const items = store.collection<Record<string, unknown> & { _id: string }>('scanned');
    // Strings JSON escapes or that contain one another, so a needle meets them in every form.
    const text = fc.constantFrom('held', 'he', '"held"', 'a"b', 'back\\slash', '中文', '\u2028', 'x\ny', '');
    const leaf = fc.oneof({ arbitrary: text, weight: 4 }, fc.constantFrom(1, null, true));
    const field = fc.oneof({ arbitrary: leaf, weight: 3 }, fc.array(leaf, { maxLength: 3 }), fc.record({ b: leaf }), fc.array(fc.record({ b: leaf }), { maxLength: 2 }));
    const doc = fc.record({ a: field, s: field }, { requiredKeys: [] });
    const condition = fc.oneof(text, text.map(($eq) => ({ $eq })), fc.tuple(text, text).map(([$eq, $ne]) => ({ $eq, $ne })));
    const filter = fc.oneof(
      fc.record({ a: condition, s: condition }, { requiredKeys: ['a'] }),
      fc.record({ 'a.b': condition }),
      fc.tuple(text, text).map(([x, y]) => ({ s: x, $or: [{ a: y }, { a: x }] })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(doc, { maxLength: 10 }), fc.array(doc, { maxLength: 4 }), filter, async (committed, late, f) => {
        await items.deleteMany({});
        if (committed.length > 0) await items.insertMany(committed.map((d, i) => ({ ...d, _id: `c${i}` })));
        // Changes of this tick, not yet committed when the read runs: inserts, an update, a delete.
        const writes = [
          late.length > 0 ? items.insertMany(late.map((d, i) => ({ ...d, _id: `l${i}` }))) : undefined,
          items.updateMany({ _id: 'c1' }, { $set: { s: 'held' } }),
          items.deleteMany({ _id: 'c2' }),
        ];
        const found = items.find(f);
        const all = items.find({});
        await Promise.all(writes);
        const query = toNedbQuery(f as Record<string, unknown>);
        expect((await found).map((d) => d._id)).toEqual((await all).filter((d) => match(d, query)).map((d) => d._id));
      }),
      { numRuns: 300 },
    );
  });

  it('_ids and unique keys whose hashes collide are told apart (the keys in memory are hashes)', async () => {
    store = await SqliteStore.open({ dataDir, cachedDocuments: 0 });
    const items = store.collection<{ _id: string; code?: string; n: number }>('items');
    await items.createIndex({ keys: { code: 1 }, unique: true, sparse: true });
    const [id1, id2] = collidingPair('');
    const [code1, code2] = collidingPair(keyOf('').slice(0, 1)); // an index key is the value's type letter and its text
    expect(hashKey(id1)).toBe(hashKey(id2));
    expect(hashKey(keyOf(code1))).toBe(hashKey(keyOf(code2)));
    await items.insertOne({ _id: id1, code: code1, n: 1 });
    await items.insertOne({ _id: id2, code: code2, n: 2 }); // neither its _id nor its code is taken
    await expect(items.insertOne({ _id: id2, n: 3 })).rejects.toMatchObject({ code: 'duplicate_key' });
    await expect(items.insertOne({ _id: 'x', code: code1, n: 3 })).rejects.toMatchObject({ code: 'duplicate_key' });
    expect(await items.findOne({ _id: id2 })).toEqual({ _id: id2, code: code2, n: 2 });
    expect((await items.find({ code: code1 })).map((d) => d._id)).toEqual([id1]);
    expect((await items.find({ _id: { $in: [id2, id1] } })).map((d) => d.n)).toEqual([1, 2]);
    await items.deleteMany({ _id: id1 });
    expect(await items.findOne({ _id: id1 })).toBeNull();
    expect(await items.findOne({ code: code2 })).toEqual({ _id: id2, code: code2, n: 2 });
    await items.insertOne({ _id: 'y', code: code1, n: 4 }); // free again
    await store.close();
    store = await SqliteStore.open({ dataDir, cachedDocuments: 0 }); // the keys read back from the file
    const reopened = store.collection<{ _id: string; code?: string; n: number }>('items');
    expect((await reopened.find({ code: { $in: [code1, code2] } })).map((d) => d._id)).toEqual([id2, 'y']);
    await expect(reopened.insertOne({ _id: 'z', code: code2, n: 5 })).rejects.toMatchObject({ code: 'duplicate_key' });
  });

  it('range reads on an index built from the file (a restart, or an index declared over stored documents) find what a scan finds', async () => {
    const values: unknown[] = [3, 1, 2.5, -1, 'b', 'a', '', new Date(5), new Date(1), null, [2, 'c'], [new Date(3), 0], true, { k: 1 }];
    store = await SqliteStore.open({ dataDir, cachedDocuments: 0 });
    for (const name of ['indexed', 'late', 'scanned']) {
      await store.collection<Item>(name).insertMany(values.map((at, i) => ({ _id: `d${i}`, k: i, at })));
    }
    await store.collection<Item>('indexed').createIndex({ keys: { at: 1 } });
    await store.close();
    store = await SqliteStore.open({ dataDir, cachedDocuments: 0 });
    const [indexed, late, scanned] = ['indexed', 'late', 'scanned'].map((name) => store!.collection<Item>(name));
    await late!.createIndex({ keys: { at: 1 } });
    await indexed!.insertOne({ _id: 'new', k: 99, at: 2 }); // kept in step after the build
    await late!.insertOne({ _id: 'new', k: 99, at: 2 });
    await scanned!.insertOne({ _id: 'new', k: 99, at: 2 });
    const filters = [{ at: { $lt: 2.5 } }, { at: { $gte: 'a' } }, { at: { $gt: new Date(1) } }, { at: { $lte: new Date(4) } }, { at: { $gt: 0, $lt: 3 } }, { at: { $gte: 'a', $lt: 'c' } }];
    for (const f of filters) {
      const expected = (await scanned!.find(f)).map((d) => d._id);
      expect((await indexed!.find(f)).map((d) => d._id)).toEqual(expected);
      expect((await late!.find(f)).map((d) => d._id)).toEqual(expected);
    }
  });
});
