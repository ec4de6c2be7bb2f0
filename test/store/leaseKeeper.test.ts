/** LeaseKeeper on a real embedded store: a lease kept across a burst costs its writes once, and is never counted on once it may be another's. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/common';
import { LeaseKeeper, LeaseRepository, openStore, type Store } from '../../src/store';
import { countingStore } from '../support/countingStore';
import { eventually } from '../support/e2e';

describe('LeaseKeeper', () => {
  let dataDir: string;
  let real: Store;
  let clock: ManualClock;
  let counted: ReturnType<typeof countingStore>;
  let leases: LeaseRepository;
  const ttlMs = 30_000;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-keeper-'));
    clock = new ManualClock(Date.UTC(2026, 0, 1));
    real = await openStore({ dataDir, clock });
    counted = countingStore(real);
    leases = new LeaseRepository(counted.store);
  });
  afterEach(async () => {
    await real.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const leaseWrites = (): number => counted.counts().writes;

  it('takes a lease once for a burst, renews it only past half its TTL, and gives it up when idle', async () => {
    const keeper = new LeaseKeeper(counted.store, leases, { owner: 'a', ttlMs, idleMs: 50 });
    for (let i = 0; i < 5; i++) {
      expect(await keeper.take('sync:x')).toBe(true);
      expect(await keeper.keep('sync:x')).toBe(true);
      keeper.idle('sync:x');
    }
    expect(leaseWrites()).toBe(1); // one acquire
    clock.advance(ttlMs / 2 + 1);
    expect(await keeper.take('sync:x')).toBe(true);
    expect(leaseWrites()).toBe(2); // a renewal
    expect(await leases.current('sync:x')).toMatchObject({ owner: 'a', expiresAt: clock.now() + ttlMs });
    let released = false;
    keeper.idle('sync:x', async () => void (released = true));
    await eventually(() => expect(released).toBe(true));
    expect(await leases.current('sync:x')).toBeNull();
  });

  it('another owner cannot take a kept lease; once it expires unrenewed, the keeper no longer counts on it', async () => {
    const a = new LeaseKeeper(counted.store, leases, { owner: 'a', ttlMs, idleMs: 60_000 });
    const b = new LeaseKeeper(counted.store, leases, { owner: 'b', ttlMs, idleMs: 60_000 });
    expect(await a.take('turns:c')).toBe(true);
    a.idle('turns:c');
    expect(await b.take('turns:c')).toBe(false);
    clock.advance(ttlMs + 1);
    expect(await b.take('turns:c')).toBe(true);
    expect(await a.keep('turns:c')).toBe(false);
    expect(await a.take('turns:c')).toBe(false);
    await Promise.all([a.releaseAll(), b.releaseAll()]);
    expect(await leases.current('turns:c')).toBeNull(); // b's, given up; a's release did not touch it
  });
});
