/**
 * The SQLite engine's files, restarts and faults, and which engine opens a DATA_DIR (the contract
 * itself runs in sqlite.test.ts; SIGKILL and the one-process lock in embedded.test.ts, per engine).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../../src/common';
import { DEFAULT_STORE_ENGINE, EmbeddedStore, LeaseRepository, openStore, SqliteStore, StoreCorruptError, StoreFileError } from '../../src/store';
import { SQLITE_CACHE_KIB, SqliteFile } from '../../src/store/sqliteFile';
import { capturingLogger } from '../support/capturingLogger';

interface Msg {
  _id: string;
  msgid: string;
  at?: Date;
}

describe('embedded store (SQLite): files, restarts and faults', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sqlite-files-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("openStore with engine 'sqlite' opens SQLite in a new DATA_DIR: one store.sqlite for every collection", async () => {
    const store = await openStore({ mongodbUri: '', dataDir, engine: 'sqlite' });
    expect(store).toBeInstanceOf(SqliteStore);
    expect(store.kind).toBe('embedded');
    await store.collection('inbox').insertOne({ _id: 'm1' });
    await store.collection('leases').insertOne({ _id: 'l1' });
    expect(fs.readdirSync(dataDir).filter((f) => !f.startsWith('store.sqlite-')).sort()).toEqual(['store.lock', 'store.owner', 'store.sqlite']);
    await store.close();
    // SQLite folds the WAL back into the file at close.
    expect(fs.readdirSync(dataDir).sort()).toEqual(['store.lock', 'store.sqlite']);
  });

  it('keeps data, unique indexes and (re-declared) TTL across a restart; leases of the previous process are dropped', async () => {
    const clock = new ManualClock(Date.now());
    let store = await SqliteStore.open({ dataDir, clock });
    let inbox = store.collection<Msg>('inbox');
    await inbox.createIndex({ keys: { msgid: 1 }, unique: true });
    await inbox.createIndex({ keys: { at: 1 }, expireAfterSeconds: 60 });
    await inbox.insertOne({ msgid: 'm1', at: new Date(clock.now()) });
    await inbox.insertOne({ msgid: 'm2' });
    await new LeaseRepository(store).acquire('sync:ww1:wk1', 'killed-instance', 30_000);
    await store.close();

    store = await SqliteStore.open({ dataDir, clock });
    inbox = store.collection('inbox');
    expect((await inbox.find({}, { sort: { msgid: 1 } })).map((d) => [d.msgid, d.at instanceof Date])).toEqual([['m1', true], ['m2', false]]);
    await expect(inbox.insertOne({ msgid: 'm1' })).rejects.toMatchObject({ code: 'duplicate_key' }); // the unique index came back
    await inbox.createIndex({ keys: { at: 1 }, expireAfterSeconds: 60 }); // as repositories do at start
    clock.advance(61_000);
    expect((await inbox.find({})).map((d) => d.msgid)).toEqual(['m2']);
    expect(await new LeaseRepository(store).current('sync:ww1:wk1')).toBeNull();
    await store.close();
  });

  it('a second open of the same DATA_DIR is refused, whichever engine asks', async () => {
    const store = await SqliteStore.open({ dataDir });
    await expect(SqliteStore.open({ dataDir })).rejects.toMatchObject({ code: 'store_locked', holderPid: process.pid });
    await expect(openStore({ dataDir, engine: 'nedb' })).rejects.toMatchObject({ code: 'store_locked' });
    await store.close();
    await (await SqliteStore.open({ dataDir })).close();
  });

  it('fresh: starts empty, but only once the lock is held', async () => {
    const first = await SqliteStore.open({ dataDir });
    await first.collection('notes').insertOne({ _id: 'a' });
    await expect(openStore({ dataDir, engine: 'sqlite', fresh: true })).rejects.toMatchObject({ code: 'store_locked' });
    await first.close();
    const again = await openStore({ dataDir, engine: 'sqlite', fresh: true });
    expect(again).toBeInstanceOf(SqliteStore);
    expect(await again.collection('notes').find({})).toEqual([]);
    await again.close();
  });

  it('a store.sqlite that is not a database stops the open with an error naming it, left as it was; the lock is released', async () => {
    const file = path.join(dataDir, 'store.sqlite');
    fs.writeFileSync(file, 'this is no database, but a file long enough to have a header of one. '.repeat(10));
    const before = fs.readFileSync(file);
    const refused = await SqliteStore.open({ dataDir }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreCorruptError);
    expect(refused).toMatchObject({ code: 'store_corrupt', file, message: expect.stringContaining('Restore it from a backup') });
    expect(fs.readFileSync(file)).toEqual(before);
    fs.rmSync(file);
    await (await SqliteStore.open({ dataDir })).close(); // not locked by the refused open
  });

  it('a commit the file refuses fails the operation loudly, leaves nothing half-applied in memory, and check() fails until a write works again', async () => {
    const { logger, lines } = capturingLogger();
    const store = await SqliteStore.open({ dataDir, logger });
    const inbox = store.collection<Msg>('inbox');
    await inbox.insertOne({ _id: 'kept', msgid: 'm0' });
    // SQLite's own size cap fails a commit with SQLITE_FULL, as a full disk does. The connection is
    // the store's (no other process may open the file while it runs), reached for this one pragma.
    const db = (store as unknown as { file: { db: Database.Database } }).file.db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = 'x'.repeat(64 * 1024); // needs pages the cap refuses
    const refused = await inbox.insertOne({ _id: 'lost', msgid: big }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreFileError);
    expect(refused).toMatchObject({ code: 'store_file_error', file: path.join(dataDir, 'store.sqlite'), errno: expect.stringContaining('ENOSPC') });
    expect(lines.filter((l) => l.level === 50 && l.msg === (refused as Error).message)).toHaveLength(1);
    expect(await store.check()).toMatchObject({ ok: false, reason: expect.stringContaining('store.sqlite') });
    // Memory was reloaded from the file: the refused insert is not there, the earlier one is.
    expect(await inbox.find({})).toEqual([{ _id: 'kept', msgid: 'm0' }]);

    db.pragma('max_page_count = 1073741823'); // space again
    await inbox.insertOne({ _id: 'again', msgid: big });
    expect(await store.check()).toEqual({ ok: true });
    await store.close();
  });

  it('stores each document as a row of nedb JSON (Dates as $$date), in insertion order, readable once the store is closed', async () => {
    const store = await SqliteStore.open({ dataDir });
    const inbox = store.collection<Msg>('inbox');
    await Promise.all([inbox.insertOne({ _id: 'a', msgid: 'm1' }), inbox.insertMany([{ _id: 'b', msgid: 'm2' }])]);
    await inbox.findOneAndUpdate({ _id: 'a' }, { $set: { at: new Date(5) } });
    await store.close();
    const reader = new Database(path.join(dataDir, 'store.sqlite'), { readonly: true });
    try {
      const docs = reader.prepare('SELECT doc FROM "c:inbox" ORDER BY rid').pluck().all() as string[];
      expect(docs.map((d) => JSON.parse(d) as unknown)).toEqual([
        { _id: 'a', msgid: 'm1', at: { $$date: 5 } },
        { _id: 'b', msgid: 'm2' },
      ]);
    } finally {
      reader.close();
    }
  });
});

describe('which engine opens a DATA_DIR', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-engine-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('a DATA_DIR written by nedb keeps opening with nedb, whatever STORE_ENGINE says, and says so once', async () => {
    const old = await EmbeddedStore.open({ dataDir });
    await old.collection('inbox').insertOne({ _id: 'from-nedb' });
    await old.close();

    const { logger, lines } = capturingLogger();
    const store = await openStore({ dataDir, engine: 'sqlite', logger });
    expect(store).toBeInstanceOf(EmbeddedStore);
    expect(await store.collection('inbox').find({})).toEqual([{ _id: 'from-nedb' }]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, engine: 'nedb', configured: 'sqlite' }));
    await store.close();
    expect(fs.existsSync(path.join(dataDir, 'store.sqlite'))).toBe(false);

    const byDefault = await openStore({ dataDir });
    expect(byDefault).toBeInstanceOf(EmbeddedStore);
    await byDefault.close();
  });

  it("a DATA_DIR written by SQLite keeps SQLite whatever STORE_ENGINE says; for a new one, engine decides, else the default", async () => {
    const first = await SqliteStore.open({ dataDir });
    await first.collection('inbox').insertOne({ _id: 'from-sqlite' });
    await first.close();
    const store = await openStore({ dataDir, engine: 'nedb' });
    expect(store).toBeInstanceOf(SqliteStore);
    expect(await store.collection('inbox').find({})).toEqual([{ _id: 'from-sqlite' }]);
    await store.close();

    const newDir = path.join(dataDir, 'new');
    const nedb = await openStore({ dataDir: newDir, engine: 'nedb' });
    expect(nedb).toBeInstanceOf(EmbeddedStore);
    await nedb.collection('inbox').insertOne({ _id: 'n' });
    await nedb.close();
    expect(fs.readdirSync(newDir)).toContain('inbox.db');

    const unset = await openStore({ dataDir: path.join(dataDir, 'unset') });
    expect(unset).toBeInstanceOf(DEFAULT_STORE_ENGINE === 'sqlite' ? SqliteStore : EmbeddedStore);
    await unset.close();
  });

  it("bounds SQLite's page cache at 2,000 KiB (better-sqlite3 builds it with 16 MiB, which a growing file fills), on every open", () => {
    const file = path.join(dataDir, 'cache.sqlite');
    for (let open = 0; open < 2; open++) {
      const db = SqliteFile.open(file);
      db.ensureTable('inbox');
      db.write('inbox', open + 1, '{"_id":"m"}');
      expect(db.cacheKiB()).toBe(SQLITE_CACHE_KIB);
      expect(SQLITE_CACHE_KIB).toBeLessThanOrEqual(2048);
      db.close();
    }
  });
});
