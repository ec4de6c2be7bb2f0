/**
 * MongoCollection.updateEach against the driver's own bulk-write result and error, without a server
 * (the contract suite runs it against one when MONGODB_URI is set): the driver collection here does
 * what the server does for an unordered bulkWrite of updateOne — apply what it can, count matches and
 * upserts, report a colliding upsert by position — so the mapping is checked against their shapes.
 */
import { type AnyBulkWriteOperation, type BulkWriteResult, type Collection as DriverCollection, type Document, MongoBulkWriteError } from 'mongodb';
import { ManualClock, silentLogger } from '../../src/common';
import type { BaseDocument } from '../../src/store';
import { MongoCollection } from '../../src/store/mongoCollection';

interface Doc extends BaseDocument {
  n: number;
}

/** Filters of the form `{ _id, n?: { $lt } }` and `$set` updates only, as the server runs them. */
function serverLike(stored: Map<string, Document>, calls: AnyBulkWriteOperation<Document>[][], failWith?: { code: number }): DriverCollection<Document> {
  const bulkWrite = async (ops: AnyBulkWriteOperation<Document>[], options: { ordered?: boolean }): Promise<unknown> => {
    expect(options.ordered).toBe(false);
    calls.push(ops);
    const writeErrors: { code: number; index: number; errmsg: string }[] = [];
    let matchedCount = 0;
    let upsertedCount = 0;
    ops.forEach((op, index) => {
      if (!('updateOne' in op)) throw new Error('only updateOne here');
      const { filter, update, upsert } = op.updateOne as unknown as { filter: { _id: string; n?: { $lt: number } }; update: { $set: Document; $setOnInsert?: Document }; upsert?: boolean };
      const doc = stored.get(filter._id);
      if (failWith && index === 1) writeErrors.push({ ...failWith, index, errmsg: 'refused' });
      else if (doc && (filter.n === undefined || (doc.n as number) < filter.n.$lt)) {
        Object.assign(doc, update.$set);
        matchedCount++;
      } else if (doc && upsert) writeErrors.push({ code: 11000, index, errmsg: 'E11000 duplicate key error' });
      else if (upsert) {
        stored.set(filter._id, { _id: filter._id, ...update.$setOnInsert, ...update.$set });
        upsertedCount++;
      }
    });
    const result = { matchedCount, upsertedCount } as BulkWriteResult;
    if (writeErrors.length > 0) throw new MongoBulkWriteError({ message: writeErrors[0]!.errmsg, code: writeErrors[0]!.code, writeErrors: writeErrors as never }, result);
    return result;
  };
  return { bulkWrite } as unknown as DriverCollection<Document>;
}

const ctx = { clock: new ManualClock(0), logger: silentLogger, isClosed: () => false };

describe('MongoCollection.updateEach (one bulkWrite, its result and error mapped)', () => {
  it('sends every update in one round trip, counts matches and upserts, and reports colliding upserts by position', async () => {
    const stored = new Map<string, Document>([['a', { _id: 'a', n: 1 }], ['b', { _id: 'b', n: 9 }]]);
    const calls: AnyBulkWriteOperation<Document>[][] = [];
    const windows = new MongoCollection<Doc>('windows', serverLike(stored, calls), ctx);
    const result = await windows.updateEach([
      { filter: { _id: 'a', n: { $lt: 5 } }, update: { $set: { n: 5 } }, upsert: true },
      { filter: { _id: 'b', n: { $lt: 5 } }, update: { $set: { n: 5 } }, upsert: true }, // b is newer: collides
      { filter: { _id: 'c', n: { $lt: 5 } }, update: { $set: { n: 5 } }, upsert: true },
      { filter: { _id: 'd' }, update: { $set: { n: 5 } } }, // no such document, no upsert: nothing
    ]);
    expect(result).toEqual({ matchedCount: 1, upsertedCount: 1, duplicateIndexes: [1] });
    expect(calls).toHaveLength(1);
    expect([...stored.values()]).toEqual([{ _id: 'a', n: 5 }, { _id: 'b', n: 9 }, { _id: 'c', n: 5 }]);
  });

  it('any other write error rejects the call', async () => {
    const windows = new MongoCollection<Doc>('windows', serverLike(new Map(), [], { code: 121 }), ctx); // document failed validation
    await expect(windows.updateEach([
      { filter: { _id: 'a' }, update: { $set: { n: 1 } }, upsert: true },
      { filter: { _id: 'b' }, update: { $set: { n: 1 } }, upsert: true },
    ])).rejects.toMatchObject({ name: 'MongoBulkWriteError', code: 121 });
  });

  it('an empty batch never reaches the driver (it refuses one)', async () => {
    const windows = new MongoCollection<Doc>('windows', {} as DriverCollection<Document>, ctx);
    await expect(windows.updateEach([])).resolves.toEqual({ matchedCount: 0, upsertedCount: 0, duplicateIndexes: [] });
  });
});
