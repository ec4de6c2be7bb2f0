import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/common';
import { EmbeddedStore, LeaseRepository, openStore, type Store } from '../../src/store';
import { storeContract } from './contract';

const dirs = new Map<Store, string>();
const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-store-'));

describe('embedded store (nedb): the store contract', () => {
  storeContract({
    async open(clock) {
      const dataDir = tempDir();
      const store = await EmbeddedStore.open({ dataDir, clock });
      dirs.set(store, dataDir);
      return store;
    },
    async dispose(store) {
      await store.close();
      fs.rmSync(dirs.get(store)!, { recursive: true, force: true });
      dirs.delete(store);
    },
  });
});

describe('embedded store: files, restarts and the one-process rule', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDir();
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("openStore with engine 'nedb' opens the nedb engine in DATA_DIR, one datafile per collection", async () => {
    const store = await openStore({ mongodbUri: '', dataDir, engine: 'nedb' });
    expect(store.kind).toBe('embedded');
    await store.collection('inbox').insertOne({ _id: 'm1' });
    await store.collection('leases').insertOne({ _id: 'l1' });
    expect(fs.readdirSync(dataDir).sort()).toEqual(['inbox.db', 'leases.db', 'store.lock', 'store.owner']);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'store.owner'), 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    await store.close();
    // The OS lock's file stays (deleting it could let two processes lock two files); the owner note goes.
    expect(fs.readdirSync(dataDir).sort()).toEqual(['inbox.db', 'leases.db', 'store.lock']);
    expect(fs.statSync(path.join(dataDir, 'store.lock')).size).toBe(0);
  });

  it('keeps data, unique indexes and (re-declared) TTL across a restart', async () => {
    const clock = new ManualClock(Date.now());
    let store = await EmbeddedStore.open({ dataDir, clock });
    let inbox = store.collection<{ _id: string; msgid: string; at?: Date }>('inbox');
    await inbox.createIndex({ keys: { msgid: 1 }, unique: true });
    await inbox.createIndex({ keys: { at: 1 }, expireAfterSeconds: 60 });
    await inbox.insertOne({ msgid: 'm1', at: new Date(clock.now()) });
    await inbox.insertOne({ msgid: 'm2' });
    await store.close();

    store = await EmbeddedStore.open({ dataDir, clock });
    inbox = store.collection('inbox');
    expect((await inbox.find({}, { sort: { msgid: 1 } })).map((d) => d.msgid)).toEqual(['m1', 'm2']);
    await expect(inbox.insertOne({ msgid: 'm1' })).rejects.toMatchObject({ code: 'duplicate_key' }); // unique index came back with the file
    await inbox.createIndex({ keys: { at: 1 }, expireAfterSeconds: 60 }); // as repositories do at start
    clock.advance(61_000);
    expect((await inbox.find({})).map((d) => d.msgid)).toEqual(['m2']);
    await store.close();
  });

  it('leases left by the previous process are gone at the next open: a restart need not wait them out', async () => {
    const clock = new ManualClock(Date.now());
    let store = await EmbeddedStore.open({ dataDir, clock });
    await new LeaseRepository(store).acquire('sync:ww1:wk1', 'killed-instance', 30_000); // never released
    await store.collection('inbox').insertOne({ _id: 'm1' });
    await store.close();

    store = await EmbeddedStore.open({ dataDir, clock });
    const leases = new LeaseRepository(store);
    expect(await leases.current('sync:ww1:wk1')).toBeNull();
    expect(await leases.acquire('sync:ww1:wk1', 'restarted-instance', 30_000)).toMatchObject({ owner: 'restarted-instance' });
    expect(await store.collection('inbox').countDocuments({})).toBe(1); // the rest of the data stays
    await store.close();
  });

  it('a second open of the same DATA_DIR in this process is refused', async () => {
    const store = await EmbeddedStore.open({ dataDir });
    await expect(EmbeddedStore.open({ dataDir })).rejects.toMatchObject({ code: 'store_locked', holderPid: process.pid });
    await store.close();
    const again = await EmbeddedStore.open({ dataDir });
    await again.close();
  });

  it('a lock left by a killed process naming our own pid (PID 1 in a container) or another host is no obstacle', async () => {
    // What a SIGKILLed process leaves: its owner note. Its pid and host are information only.
    fs.writeFileSync(path.join(dataDir, 'store.owner'), JSON.stringify({ pid: process.pid, host: 'another-host', startedAt: 'then' }));
    // An older version's lock file: JSON in store.lock itself.
    fs.writeFileSync(path.join(dataDir, 'store.lock'), JSON.stringify({ pid: 1, host: 'another-host', startedAt: 'then' }));
    const store = await EmbeddedStore.open({ dataDir });
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'store.owner'), 'utf8'))).toMatchObject({ pid: process.pid, host: os.hostname() });
    await store.collection('c').insertOne({ _id: 'works' });
    await store.close();
    fs.writeFileSync(path.join(dataDir, 'store.owner'), '{"pi'); // half-written
    const again = await EmbeddedStore.open({ dataDir });
    expect(await again.collection('c').find({})).toEqual([{ _id: 'works' }]);
    await again.close();
  });

  it('drops a half-written last line left by a crash instead of refusing to start', async () => {
    const store = await EmbeddedStore.open({ dataDir });
    await store.collection('c').insertOne({ _id: 'whole' });
    await store.close();
    fs.appendFileSync(path.join(dataDir, 'c.db'), '{"_id":"torn","v":');
    const reopened = await EmbeddedStore.open({ dataDir });
    expect(await reopened.collection('c').find({})).toEqual([{ _id: 'whole' }]);
    await reopened.close();
  });

  describe.each(['sqlite', 'nedb'] as const)('a killed process (%s engine)', (engine) => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    it('loses no acknowledged write to SIGKILL, refuses a second live process, and hands the lock over after the kill', async () => {
      const n = 200;
      const started = startChild(dataDir, n, engine);
      child = started.child;
      expect(await started.firstLine).toBe('ready');

      // While the child lives, this process is refused, with a message that points at MongoDB.
      const refused = openStore({ dataDir });
      await expect(refused).rejects.toMatchObject({ code: 'store_locked', name: 'StoreLockedError', holderPid: child.pid });
      await expect(openStore({ dataDir })).rejects.toThrow(/MONGODB_URI/);

      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited; // reaped: the pid is gone, not a zombie

      const store = await openStore({ dataDir });
      expect(await store.collection('docs').countDocuments()).toBe(n);
      expect(await store.collection('docs').findOne({ _id: `doc-${n - 1}` })).toEqual({ _id: `doc-${n - 1}`, i: n - 1 });
      expect(await store.collection('counters').findOne({ _id: 'total' })).toEqual({ _id: 'total', n });
      await store.close();
    }, 20_000);

    it('of several processes started at once on one DATA_DIR, exactly one opens it; the others are refused', async () => {
      const starts = [startChild(dataDir, 1, engine), startChild(dataDir, 1, engine), startChild(dataDir, 1, engine)];
      const lines = await Promise.all(starts.map((s) => s.firstLine.catch((e: Error) => e.message)));
      try {
        expect(lines.filter((l) => l === 'ready')).toHaveLength(1);
        expect(lines.filter((l) => l.startsWith('error store_locked'))).toHaveLength(2);
      } finally {
        for (const s of starts) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      }
    }, 30_000);
  });
});

function startChild(dataDir: string, n: number, engine: 'sqlite' | 'nedb'): { child: ChildProcess; firstLine: Promise<string> } {
  const script = path.join(__dirname, 'fixtures', 'storeChild.js');
  const child = spawn(process.execPath, [script, dataDir, String(n), engine], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('close', (code) => reject(new Error(`child exited (${code}) before ready: ${out}${stderr}`)));
  });
  return { child, firstLine };
}

