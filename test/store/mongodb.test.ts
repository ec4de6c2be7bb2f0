import { randomBytes } from 'node:crypto';
import type { MongoClient } from 'mongodb';
import { type Collection, MongoStore, dbNameFromUri, openStore, type Store } from '../../src/store';
import { storeContract } from './contract';

const uri = process.env.MONGODB_URI;

if (uri) {
  describe(`MongoDB store (${redact(uri)}): the store contract`, () => {
    // Each test gets its own database, dropped afterwards, through a client of its own (the store
    // under test may already be closed by then).
    let admin: MongoClient;
    beforeAll(async () => {
      admin = await MongoStore.createClient({ uri });
    });
    const names = new Map<Store, string>();
    afterAll(() => admin.close());

    storeContract({
      async open(clock) {
        const dbName = `wecom_kf_test_${randomBytes(4).toString('hex')}`;
        const store = await MongoStore.connect({ uri, dbName, clock });
        names.set(store, dbName);
        return store;
      },
      async dispose(store) {
        await store.close();
        await admin.db(names.get(store)!).dropDatabase();
        names.delete(store);
      },
    });
  });
} else {
  console.warn(
    'MongoDB contract run SKIPPED: MONGODB_URI is not set. To run it against a server:\n' +
      '  MONGODB_URI=mongodb://127.0.0.1:27017/?replicaSet=rs0 npm test -- test/store',
  );
  describe.skip('MongoDB store: the store contract (skipped: set MONGODB_URI to run it)', () => {
    it('needs MONGODB_URI', () => undefined);
  });
}

describe('MongoDB store without a server', () => {
  // Nothing listens on port 9 (discard): any call that reached the driver would fail with a
  // server-selection error after 300 ms, not with our typed errors.
  let client: MongoClient;
  let store: MongoStore;
  let c: Collection<{ _id: string; n?: number; s?: string }>;
  beforeAll(async () => {
    client = await MongoStore.createClient({ uri: 'mongodb://127.0.0.1:9/', serverSelectionTimeoutMS: 300 });
    store = new MongoStore(client, 'never');
    c = store.collection('c');
  });
  afterAll(() => client.close());

  it('refuses unsupported operators before the driver sees them', async () => {
    await expect(c.find({ s: { $regex: 'a' } as never })).rejects.toMatchObject({ code: 'unsupported_operator', operator: '$regex' });
    await expect(c.findOne({ $nor: [{ n: 1 }] })).rejects.toMatchObject({ code: 'unsupported_operator', operator: '$nor' });
    await expect(c.countDocuments({ n: { $not: { $gt: 1 } } as never })).rejects.toMatchObject({ code: 'unsupported_operator', operator: '$not' });
    await expect(c.deleteMany({ $where: 'true' })).rejects.toMatchObject({ code: 'unsupported_operator' });
    await expect(c.findOneAndUpdate({ _id: 'a' }, { $rename: { s: 't' } } as never, { upsert: true })).rejects.toMatchObject({ code: 'unsupported_operator', operator: '$rename', where: 'update' });
    await expect(c.updateMany({}, { $addToSet: { s: 'x' } } as never)).rejects.toMatchObject({ code: 'unsupported_operator', operator: '$addToSet' });
  });

  it('refuses malformed documents before the driver sees them', async () => {
    await expect(c.findOneAndUpdate({ _id: 'a' }, { n: 1 } as never)).rejects.toMatchObject({ code: 'invalid_query' });
    await expect(c.insertOne({ 'a.b': 1 } as never)).rejects.toMatchObject({ code: 'invalid_query' });
    await expect(c.find({ _id: undefined as unknown as string })).rejects.toMatchObject({ code: 'invalid_query' });
    await expect(c.createIndex({ keys: { a: 1, b: 1 }, expireAfterSeconds: 5 })).rejects.toMatchObject({ code: 'invalid_query' });
  });

  it('a valid call does reach the driver (so the refusals above are ours)', async () => {
    await expect(c.find({ n: 1 })).rejects.toMatchObject({ name: 'MongoServerSelectionError' });
  });

  it('openStore reports an unreachable server as store_unavailable without the URI', async () => {
    const secretUri = 'mongodb://user:s3cret@127.0.0.1:9/db?serverSelectionTimeoutMS=300';
    const attempt = openStore({ mongodbUri: secretUri, dataDir: 'unused' });
    await expect(attempt).rejects.toMatchObject({ code: 'store_unavailable', name: 'StoreUnavailableError' });
    await attempt.catch((e: Error) => expect(e.message).not.toContain('s3cret'));
  });

  it('takes the database name from the URI path', () => {
    expect(dbNameFromUri('mongodb://h1:27017,h2:27017/wecom?replicaSet=rs0')).toBe('wecom');
    expect(dbNameFromUri('mongodb+srv://u:p@cluster.example.net/my%20db')).toBe('my db');
    expect(dbNameFromUri('mongodb://127.0.0.1:27017/?replicaSet=rs0')).toBeUndefined();
    expect(dbNameFromUri('mongodb://127.0.0.1:27017')).toBeUndefined();
  });

  it('after close, calls are refused as store_closed', async () => {
    const closing = new MongoStore(await MongoStore.createClient({ uri: 'mongodb://127.0.0.1:9/', serverSelectionTimeoutMS: 300 }), 'never');
    await closing.close();
    await expect(closing.collection('c').find({})).rejects.toMatchObject({ code: 'store_closed' });
  });
});

function redact(u: string): string {
  return u.replace(/\/\/[^@/]*@/, '//[redacted]@');
}
