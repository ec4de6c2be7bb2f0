/**
 * The embedded store's faults are loud: unreadable lines are counted, kept aside and reported; a
 * datafile it cannot load names itself and what to do; a disk that refuses writes fails check().
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/common';
import { capturingLogger } from '../support/capturingLogger';
import { EmbeddedStore, StoreCorruptError, StoreFileError } from '../../src/store';

const doc = (i: number): string => JSON.stringify({ _id: `d${i}`, i });

describe('embedded store faults', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-faults-'))));
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('5 % unreadable lines: the rest loads, the bad lines are kept aside in <file>.bad-*, counted and logged at error level', async () => {
    const file = path.join(dataDir, 'notes.db');
    const lines = Array.from({ length: 38 }, (_, i) => doc(i));
    lines.splice(10, 0, '{"_id":"d-broken","i":'); // a line cut short (a disk fault mid-file)
    lines.splice(30, 0, 'garbage \u0000\u0000');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { logger, lines: logs } = capturingLogger();

    const store = await EmbeddedStore.open({ dataDir, logger, clock: new ManualClock(Date.UTC(2026, 5, 1, 8)) });
    expect(await store.collection('notes').countDocuments()).toBe(38);

    const badFiles = fs.readdirSync(dataDir).filter((f) => f.startsWith('notes.db.bad-'));
    expect(badFiles).toEqual(['notes.db.bad-2026-06-01T08-00-00-000Z']);
    expect(fs.readFileSync(path.join(dataDir, badFiles[0]!), 'utf8')).toBe('{"_id":"d-broken","i":\ngarbage \u0000\u0000\n');
    expect(store.badLines).toBe(2);
    expect(await store.check()).toEqual({ ok: true, badLines: 2 });
    expect(logs).toContainEqual(expect.objectContaining({ level: 50, file, badLines: 2, badFile: path.join(dataDir, badFiles[0]!) }));
    await store.close();

    // Set aside once: the next open finds a clean file.
    const again = await EmbeddedStore.open({ dataDir });
    expect(await again.collection('notes').countDocuments()).toBe(38);
    expect(again.badLines).toBe(0);
    await again.close();
  });

  it('more than 10 % unreadable: refused with an error naming the file and what to do, the file untouched; works once it is moved aside', async () => {
    const file = path.join(dataDir, 'kf_cursors.db');
    const content = `${doc(1)}\n{"_id":"d2","cursor":\u0000\u0000\u0000\n`;
    fs.writeFileSync(file, content);
    const { logger, lines: logs } = capturingLogger();
    const store = await EmbeddedStore.open({ dataDir, logger });
    const cursors = store.collection('kf_cursors');

    const refused = cursors.find({}).catch((e: unknown) => e);
    expect(await refused).toBeInstanceOf(StoreCorruptError);
    expect(await refused).toMatchObject({ code: 'store_corrupt', file, message: expect.stringContaining('1 of its 2 lines cannot be read') });
    expect((await refused as Error).message).toMatch(/Restore it from a backup, or stop the app and move it aside/);
    await expect(cursors.insertOne({ _id: 'x' })).rejects.toBeInstanceOf(StoreCorruptError); // every operation, not just the first
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(await store.check()).toMatchObject({ ok: false, reason: expect.stringContaining(file) });
    expect(logs.filter((l) => l.level === 50 && l.msg.includes(file))).toHaveLength(1); // loud, once

    fs.renameSync(file, `${file}.corrupt`);
    expect(await cursors.find({})).toEqual([]);
    expect(await store.check()).toMatchObject({ ok: true });
    await store.close();
  });

  it('a datafile nedb itself refuses (one unique key twice) is named too', async () => {
    const file = path.join(dataDir, 'kf_inbox.db');
    fs.writeFileSync(file, [
      JSON.stringify({ $$indexCreated: { fieldName: 'msgid', unique: true } }),
      JSON.stringify({ _id: 'a', msgid: 'm1' }),
      JSON.stringify({ _id: 'b', msgid: 'm1' }),
    ].join('\n') + '\n');
    const store = await EmbeddedStore.open({ dataDir });
    await expect(store.collection('kf_inbox').find({})).rejects.toMatchObject({ name: 'StoreCorruptError', file, message: expect.stringContaining(file) });
    await store.close();
  });

  it('a refused write fails with StoreFileError naming the file; once the disk takes writes, memory matches the disk again', async () => {
    const store = await EmbeddedStore.open({ dataDir });
    const notes = store.collection('notes');
    await notes.insertOne({ _id: 'kept' });
    const file = path.join(dataDir, 'notes.db');
    fs.renameSync(file, `${file}.saved`);
    fs.mkdirSync(file); // no write can reach the datafile now

    const refused = notes.insertOne({ _id: 'lost' }).catch((e: unknown) => e);
    expect(await refused).toBeInstanceOf(StoreFileError);
    expect(await refused).toMatchObject({ code: 'store_file_error', file, errno: 'EISDIR' });
    expect(await store.check()).toMatchObject({ ok: false, reason: expect.stringContaining(file) });

    fs.rmdirSync(file);
    fs.renameSync(`${file}.saved`, file);
    expect(await store.check()).toMatchObject({ ok: true }); // check() retries the collection itself
    expect(await notes.find({})).toEqual([{ _id: 'kept' }]); // the refused insert is not served from memory
    await store.close();
  });

  it('a full disk fails check() with ENOSPC; it passes again once writes work', async () => {
    const store = await EmbeddedStore.open({ dataDir });
    expect(await store.check()).toEqual({ ok: true, badLines: 0 });
    fs.symlinkSync('/dev/full', path.join(dataDir, 'store.probe~')); // every write there fails with ENOSPC
    expect(await store.check()).toMatchObject({ ok: false, reason: expect.stringMatching(/ENOSPC.*free space/) });
    fs.rmSync(path.join(dataDir, 'store.probe~'));
    expect(await store.check()).toMatchObject({ ok: true });
    await store.close();
  });

  it('a read-only DATA_DIR fails check() (as root, in a child process running as nobody, since chmod does not stop root)', async () => {
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) {
      const store = await EmbeddedStore.open({ dataDir });
      fs.chmodSync(dataDir, 0o500);
      try {
        expect(await store.check()).toMatchObject({ ok: false, reason: expect.stringContaining('EACCES') });
      } finally {
        fs.chmodSync(dataDir, 0o700);
        await store.close();
      }
      return;
    }
    fs.chmodSync(dataDir, 0o755);
    fs.chownSync(dataDir, 65534, 65534);
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'checkChild.js'), dataDir], { uid: 65534, gid: 65534, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: string[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let partial = '';
    const nextLine = (): Promise<string> => new Promise((resolve, reject) => {
      const take = (): boolean => {
        if (out.length === 0) return false;
        resolve(out.shift()!);
        return true;
      };
      if (take()) return;
      const onData = (): void => {
        if (take()) child.stdout.off('data', onData);
      };
      child.stdout.on('data', onData);
      child.once('close', (code) => reject(new Error(`child exited (${code}): ${partial}${stderr}`)));
    });
    child.stdout.on('data', (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      out.push(...parts);
    });
    try {
      expect(await nextLine()).toBe('ready');
      child.stdin.write('check\n');
      expect(JSON.parse(await nextLine())).toMatchObject({ ok: true });
      fs.chmodSync(dataDir, 0o500); // the owner (nobody) may read, not write
      child.stdin.write('check\n');
      expect(JSON.parse(await nextLine())).toMatchObject({ ok: false, reason: expect.stringContaining('EACCES') });
    } finally {
      fs.chmodSync(dataDir, 0o755);
      child.stdin.end();
      await new Promise((resolve) => child.once('close', resolve));
    }
  }, 30_000);
});
