/**
 * The embedded store's datafile append: one descriptor kept open, lines of one tick in one write,
 * and writes that always land in the file the path names (compaction and operators replace it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppendLog } from '../../src/store/appendLog';
import { EmbeddedStore } from '../../src/store';

describe('AppendLog', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-appendlog-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lines appended in one tick go out in one write, in order, and are on file when each promise resolves', async () => {
    const file = path.join(dir, 'a.db');
    const log = new AppendLog(file, 0o644);
    const writeSync = jest.spyOn(fs, 'writeSync');
    try {
      await Promise.all([log.append('1\n'), log.append('2\n'), log.append('3\n')]);
      expect(writeSync).toHaveBeenCalledTimes(1);
      expect(fs.readFileSync(file, 'utf8')).toBe('1\n2\n3\n');
      await log.append('4\n');
      expect(fs.readFileSync(file, 'utf8')).toBe('1\n2\n3\n4\n');
    } finally {
      writeSync.mockRestore();
      log.close();
    }
  });

  it('a datafile replaced by rename (as compaction does) gets the next line, not the old file', async () => {
    const file = path.join(dir, 'a.db');
    const log = new AppendLog(file, 0o644);
    await log.append('old\n');
    fs.writeFileSync(`${file}~`, 'compacted\n');
    fs.renameSync(`${file}~`, file);
    await log.append('new\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('compacted\nnew\n');
    fs.renameSync(file, `${file}.aside`);
    await log.append('again\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('again\n'); // moved aside: a new file, as with open-append-close
    expect(fs.readFileSync(`${file}.aside`, 'utf8')).toBe('compacted\nnew\n');
    log.close();
  });

  it('a refused write rejects every caller of it with the system error; the next write opens the path again', async () => {
    const file = path.join(dir, 'a.db');
    const log = new AppendLog(file, 0o644);
    await log.append('1\n');
    fs.renameSync(file, `${file}.saved`);
    fs.symlinkSync('/dev/full', file);
    const refused = [log.append('2\n'), log.append('3\n')].map((p) => p.catch((e: unknown) => e));
    for (const e of await Promise.all(refused)) expect(e).toMatchObject({ code: 'ENOSPC', syscall: 'write' });
    fs.rmSync(file);
    fs.renameSync(`${file}.saved`, file);
    await log.append('4\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('1\n4\n');
    log.close();
  });

  it('the embedded store keeps every write across a compaction and a reopen', async () => {
    const store = await EmbeddedStore.open({ dataDir: dir, compactionIntervalMs: 0 });
    const notes = store.collection<{ _id: string; n: number }>('notes');
    await Promise.all([1, 2, 3].map((n) => notes.insertOne({ _id: `n${n}`, n })));
    await notes.findOneAndUpdate({ _id: 'n2' }, { $inc: { n: 10 } });
    await store.close();
    const again = await EmbeddedStore.open({ dataDir: dir, compactionIntervalMs: 0 }); // load compacts (rename)
    const notesAgain = again.collection<{ _id: string; n: number }>('notes');
    await notesAgain.insertOne({ _id: 'n4', n: 4 }); // after the rename: must reach the new file
    await notesAgain.deleteMany({ _id: 'n1' });
    await again.close();
    const third = await EmbeddedStore.open({ dataDir: dir, compactionIntervalMs: 0 });
    expect(await third.collection('notes').find({}, { sort: { n: 1 } })).toEqual([{ _id: 'n3', n: 3 }, { _id: 'n4', n: 4 }, { _id: 'n2', n: 12 }]);
    await third.close();
  });
});
