/**
 * The embedded store's TTL: hidden at once by the injected clock, deleted from the datafile by a
 * timer (not before every operation, which doubled the cost of each lookup).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/common';
import { EmbeddedStore, type Store } from '../../src/store';

describe('embedded store: expiry', () => {
  let dataDir: string;
  let store: Store | undefined;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-ttl-'));
    // Only the sweep's interval is faked: nedb's file work runs on real timers.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'setTimeout', 'clearTimeout', 'Date', 'performance', 'hrtime'] });
  });
  afterEach(async () => {
    jest.useRealTimers();
    await store?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('hides an expired document at once and deletes it on the minute timer', async () => {
    const start = Date.UTC(2026, 0, 5);
    const clock = new ManualClock(start);
    store = await EmbeddedStore.open({ dataDir, clock });
    const items = store.collection<{ _id: string; msgid: string; at?: Date }>('items');
    await items.createIndex({ keys: { msgid: 1 }, unique: true });
    await items.createIndex({ keys: { at: 1 }, expireAfterSeconds: 60 });
    await items.insertOne({ _id: 'a', msgid: 'm1', at: new Date(start) });
    await items.insertOne({ _id: 'b', msgid: 'm2' });

    clock.advance(61_000);
    expect((await items.find({})).map((d) => d._id)).toEqual(['b']);
    expect(await items.countDocuments({ msgid: 'm1' })).toBe(0);
    // Not deleted yet, only hidden: with the clock set back it is there again.
    clock.set(start);
    expect(await items.findOne({ msgid: 'm1' })).toMatchObject({ _id: 'a' });

    clock.advance(61_000);
    jest.advanceTimersByTime(60_000); // the sweep is queued in the collection's queue...
    expect(await items.countDocuments({})).toBe(1); // ...and has run once the next operation answers
    clock.set(start);
    expect(await items.findOne({ msgid: 'm1' })).toBeNull(); // gone for good
    expect(await items.findOne({ msgid: 'm2' })).toMatchObject({ _id: 'b' });
  });

  it('an insert whose unique key an expired document still holds succeeds (the expired one is deleted first)', async () => {
    const start = Date.UTC(2026, 0, 5);
    const clock = new ManualClock(start);
    store = await EmbeddedStore.open({ dataDir, clock });
    const items = store.collection<{ _id: string; msgid: string; at?: Date }>('items');
    await items.createIndex({ keys: { msgid: 1 }, unique: true });
    await items.createIndex({ keys: { at: 1 }, expireAfterSeconds: 60 });
    await items.insertOne({ _id: 'old', msgid: 'm1', at: new Date(start) });
    await expect(items.insertOne({ _id: 'new', msgid: 'm1' })).rejects.toMatchObject({ code: 'duplicate_key' });
    clock.advance(61_000);
    await expect(items.insertOne({ _id: 'new', msgid: 'm1' })).resolves.toEqual({ insertedId: 'new' });
    expect(await items.find({ msgid: 'm1' })).toEqual([{ _id: 'new', msgid: 'm1' }]);
  });
});
