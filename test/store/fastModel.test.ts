/**
 * The SQLite engine's hot-path shortcuts give nedb's answers: the JSON line of a document
 * (serializeDocument) and the document read back from it (parseDocument), a field's value
 * (dotValue), and the documents an index lookup finds (a filter on an indexed collection finds what
 * the same filter finds by scanning).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { deserialize, getDotValue, serialize } from '@seald-io/nedb/lib/model.js';
import { SqliteStore } from '../../src/store';
import { dotValue, parseDocument, serializeDocument } from '../../src/store/fastModel';

const key = fc.constantFrom('a', 'b', 'at', 'tags', '_id', 'x1', '__proto__', 'constructor', '中文');
const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 3 }), tie('object')),
  object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
})).object;

describe('SQLite engine: nedb model shortcuts', () => {
  it('serializeDocument writes the line nedb writes, and nedb reads it back the same', () => {
    fc.assert(
      fc.property(value, (doc) => {
        const line = serializeDocument(doc);
        expect(line).toBe(serialize(doc));
        expect(deserialize(line)).toEqual(deserialize(serialize(doc)));
      }),
      { numRuns: 2000 },
    );
    const withOwnProto = JSON.parse('{"__proto__": {"at": 1}, "b": 2}') as Record<string, unknown>;
    expect(serializeDocument(withOwnProto)).toBe(serialize(withOwnProto));
  });

  it('parseDocument reads a line as nedb reads it (Dates back from {"$$date": ms}, nested, in arrays, own __proto__ keys)', () => {
    fc.assert(
      fc.property(value, (doc) => {
        const line = serializeDocument(doc);
        expect(parseDocument(line)).toEqual(deserialize(line));
      }),
      { numRuns: 2000 },
    );
    for (const line of ['{"__proto__":{"at":{"$$date":1}},"b":[{"$$date":2},[{"$$date":3}]]}', '{"a":{"$$date":0,"x":1}}']) {
      expect(parseDocument(line)).toEqual(deserialize(line));
    }
    // Nested tags (never written: field names starting with $ are refused) give nedb's Invalid Date too.
    const nested = '{"a":{"$$date":{"$$date":7}}}';
    expect([parseDocument(nested).a, (deserialize(nested) as { a: unknown }).a].map((d) => d instanceof Date && Number.isNaN(d.getTime()))).toEqual([true, true]);
    const parsed = parseDocument('{"__proto__":{"at":{"$$date":1}}}');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
  });

  it('dotValue reads what getDotValue reads, dotted paths and arrays included', () => {
    const field = fc.constantFrom('a', 'b', 'a.b', 'tags.0', 'tags.a', 'a.b.c', 'missing', 'missing.deeper');
    fc.assert(
      fc.property(value, field, (doc, f) => {
        expect(dotValue(doc, f)).toEqual(getDotValue(doc, f));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SQLite engine: index lookups find what a scan finds', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-lookup-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  // Few values, so documents share index keys and filters find them.
  const scalar = fc.oneof({ arbitrary: fc.constantFrom('p', 'q'), weight: 4 }, fc.constant('r'), fc.constantFrom(1, 2), fc.constant(true), fc.constant(null));
  const field = fc.oneof({ arbitrary: scalar, weight: 3 }, fc.array(scalar, { maxLength: 2 }), fc.constant(undefined));
  const doc = fc.record({ a: field, b: field, c: field }, { requiredKeys: [] });
  const condition = fc.oneof(
    scalar,
    scalar.map(($eq) => ({ $eq })),
    fc.array(scalar, { minLength: 1, maxLength: 3 }).map(($in) => ({ $in })),
    fc.tuple(fc.array(scalar, { minLength: 1, maxLength: 3 }), fc.constantFrom(1, 'q')).map(([$in, $ne]) => ({ $in, $ne })),
  );
  const filter = fc.record({ _id: fc.oneof(fc.constantFrom('d0', 'd3', 'nope'), fc.constantFrom(['d1', 'd2', 'd1'], ['d4']).map(($in) => ({ $in }))), a: condition, b: condition, c: condition }, { requiredKeys: [] });

  // Documents from the cache, and every one read from the file (no cache).
  it.each([['recent documents cached', undefined], ['every document read from the file', 0]])('by _id, single, multikey and compound indexes, with equality and $in, in insertion order (%s)', async (_, cachedDocuments) => {
    const store = await SqliteStore.open({ dataDir, cachedDocuments });
    try {
      const indexed = store.collection<Record<string, unknown> & { _id: string }>('indexed');
      const scanned = store.collection<Record<string, unknown> & { _id: string }>('scanned');
      await indexed.createIndex({ keys: { a: 1 } });
      await indexed.createIndex({ keys: { a: 1, b: 1 } });
      await indexed.createIndex({ keys: { b: 1, c: 1 }, sparse: true });
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(doc, { maxLength: 12 }), fc.array(filter, { minLength: 1, maxLength: 5 }), async (docs, filters) => {
          round++;
          const withIds = docs.map((d, i) => ({ ...d, _id: `d${i}` }));
          await indexed.deleteMany({});
          await scanned.deleteMany({});
          if (withIds.length > 0) {
            await indexed.insertMany(withIds);
            await scanned.insertMany(withIds);
          }
          // An update moves documents between index keys, as a turn's status change does.
          await indexed.updateMany({ a: 'p' }, { $set: { a: 'q' } });
          await scanned.updateMany({ a: 'p' }, { $set: { a: 'q' } });
          for (const f of filters) {
            expect((await indexed.find(f)).map((d) => d._id)).toEqual((await scanned.find(f)).map((d) => d._id));
          }
        }),
        { numRuns: 300 },
      );
      expect(round).toBe(300);
    } finally {
      await store.close();
    }
  });
});
