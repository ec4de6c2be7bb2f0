/** CursorRepository.wake's group commit, on a real embedded store: a burst of callbacks costs a few writes, and none is answered before its wake-up is stored. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/common';
import { CursorRepository } from '../../src/adapter/cursorRepository';
import { openStore, type Store } from '../../src/store';
import { countingStore } from '../support/countingStore';

describe('CursorRepository.wake', () => {
  let dataDir: string;
  let real: Store;
  let clock: ManualClock;
  let counted: ReturnType<typeof countingStore>;
  let cursors: CursorRepository;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-cursors-'));
    clock = new ManualClock(Date.UTC(2026, 0, 1));
    real = await openStore({ dataDir, clock });
    counted = countingStore(real);
    cursors = new CursorRepository(counted.store);
  });
  afterEach(async () => {
    await real.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('records 10 callbacks that come at once in 2 writes, each resolved only once its wake-up is stored', async () => {
    await cursors.wake('ww1', 'wk1', 'first', 1000);
    counted.reset();
    const stored: number[] = [];
    const calls = Array.from({ length: 10 }, (_, i) => cursors.wake('ww1', 'wk1', `t${i}`, 2000 + i).then(async (n) => {
      stored.push((await real.collection<{ _id: string; wakeups: number }>('kf_cursors').findOne({ _id: 'ww1:wk1' }))!.wakeups);
      return n;
    }));
    const results = await Promise.all(calls);
    expect(counted.counts().byCall['kf_cursors.findOneAndUpdate']).toBe(2); // the first at once, the 9 that came meanwhile together
    expect(results[0]).toBe(2);
    expect(results.slice(1)).toEqual(Array(9).fill(11));
    for (const [i, n] of stored.entries()) expect(n).toBeGreaterThanOrEqual(results[i]!);
    expect(await cursors.get('ww1', 'wk1')).toMatchObject({ wakeups: 11, syncToken: 't9', syncTokenSignedAt: 2009 });
  });

  it('keeps the newest token of a group, and never puts back an older one than stored', async () => {
    await cursors.wake('ww1', 'wk1', 'newest', 5000);
    await Promise.all([cursors.wake('ww1', 'wk1', 'old-a', 3000), cursors.wake('ww1', 'wk1', 'old-b', 4000), cursors.wake('ww1', 'wk1')]);
    expect(await cursors.get('ww1', 'wk1')).toMatchObject({ wakeups: 4, syncToken: 'newest', syncTokenSignedAt: 5000 });
    await Promise.all([cursors.wake('ww1', 'wk1', 'later', 7000), cursors.wake('ww1', 'wk1', 'late', 6000), cursors.wake('ww1', 'wk1', 'latest', 8000)]);
    expect(await cursors.get('ww1', 'wk1')).toMatchObject({ wakeups: 7, syncToken: 'latest', syncTokenSignedAt: 8000 });
  });
});
