/**
 * MongoCollection.insertMany against the driver's own bulk-write error, without a server (the
 * contract suite runs it against one when MONGODB_URI is set): the driver collection here does what
 * the server does for an unordered insertMany — insert what it can, report the rest by position —
 * and throws the driver's real MongoBulkWriteError, so the mapping is checked against its shape.
 */
import { type BulkWriteResult, type Collection as DriverCollection, type Document, MongoBulkWriteError } from 'mongodb';
import { ManualClock, silentLogger } from '../../src/common';
import type { BaseDocument } from '../../src/store';
import { MongoCollection } from '../../src/store/mongoCollection';

interface Doc extends BaseDocument {
  msgid: string;
}

/** An unordered insertMany with a unique `msgid`, as the server runs it. */
function serverLike(stored: Map<string, Document>, failWith?: { code: number }): DriverCollection<Document> {
  const insertMany = async (docs: Document[], options: { ordered?: boolean }): Promise<unknown> => {
    expect(options.ordered).toBe(false);
    const writeErrors: { code: number; index: number; errmsg: string }[] = [];
    docs.forEach((doc, index) => {
      const taken = stored.has(doc._id as string) || [...stored.values()].some((d) => d.msgid === doc.msgid);
      if (failWith && index === 1) writeErrors.push({ ...failWith, index, errmsg: 'refused' });
      else if (taken) writeErrors.push({ code: 11000, index, errmsg: 'E11000 duplicate key error' });
      else stored.set(doc._id as string, doc);
    });
    if (writeErrors.length > 0) throw new MongoBulkWriteError({ message: writeErrors[0]!.errmsg, code: writeErrors[0]!.code, writeErrors: writeErrors as never }, {} as BulkWriteResult);
    return { acknowledged: true, insertedCount: docs.length };
  };
  return { insertMany } as unknown as DriverCollection<Document>;
}

const ctx = { clock: new ManualClock(0), logger: silentLogger, isClosed: () => false };

describe('MongoCollection.insertMany (the driver\'s bulk-write error mapped)', () => {
  it('reports duplicates by position, in order, and keeps the others', async () => {
    const stored = new Map<string, Document>([['old', { _id: 'old', msgid: 'm1' }]]);
    const inbox = new MongoCollection<Doc>('inbox', serverLike(stored), ctx);
    const result = await inbox.insertMany([{ _id: 'a', msgid: 'm1' }, { _id: 'b', msgid: 'm2' }, { _id: 'old', msgid: 'm3' }, { _id: 'c', msgid: 'm2' }]);
    expect(result).toEqual({ ids: ['a', 'b', 'old', 'c'], duplicateIndexes: [0, 2, 3] });
    expect([...stored.keys()].sort()).toEqual(['b', 'old']);
  });

  it('any other write error rejects the call', async () => {
    const inbox = new MongoCollection<Doc>('inbox', serverLike(new Map(), { code: 121 }), ctx); // document failed validation
    await expect(inbox.insertMany([{ _id: 'a', msgid: 'm1' }, { _id: 'b', msgid: 'm2' }])).rejects.toMatchObject({ name: 'MongoBulkWriteError', code: 121 });
  });

  it('an empty batch never reaches the driver (it refuses one)', async () => {
    const inbox = new MongoCollection<Doc>('inbox', {} as DriverCollection<Document>, ctx);
    await expect(inbox.insertMany([])).resolves.toEqual({ ids: [], duplicateIndexes: [] });
  });
});
