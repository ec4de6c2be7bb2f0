import { ManualClock } from '../../src/common/clock';
import { decideWindow, type WindowState } from '../../src/middleware/conversationWindow';
import { getConversationWindow } from '../../src/middleware/getConversationWindow';
import { WindowRepository, type WindowDoc } from '../../src/middleware/windowRepository';
import type { Store } from '../../src/store';
import { openTestStore } from './windowStore';

const t0 = Date.UTC(2026, 0, 1, 8, 0, 0);
const hour = 3600_000;
const conv = 'ww1:wk1:wm1';

describe('WindowRepository on the embedded store', () => {
  let clock: ManualClock;
  let store: Store;
  let windows: WindowRepository;

  beforeEach(async () => {
    clock = new ManualClock(t0);
    store = await openTestStore(clock);
    windows = new WindowRepository(store);
  });
  afterEach(() => store.close());

  const reserveAll = async (n: number, repo = windows) => {
    const results = [];
    for (let i = 0; i < n; i++) results.push(await repo.reserve(conv, clock.now()));
    return results;
  };

  it('refuses a customer who never wrote', async () => {
    await expect(windows.reserve(conv, t0)).resolves.toEqual({ granted: false, window: expect.objectContaining({ lockedReason: 'never-initiated' }) });
  });

  it('grants 5 replies per customer message, then locks with reply-limit', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    const results = await reserveAll(6);
    expect(results.map((r) => r.granted)).toEqual([true, true, true, true, true, false]);
    expect(results.flatMap((r) => (r.granted ? [r.slot.number] : []))).toEqual([1, 2, 3, 4, 5]);
    expect(results[5]).toMatchObject({ window: { open: false, lockedReason: 'reply-limit', lockedAt: t0 } });
  });

  it('does not spend a second slot on a reply repeated with the same msgid, and spends one again after a release', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    const granted = [];
    for (const msgid of ['r1', 'r2', 'r3', 'r2', 'r4', 'r5']) granted.push(await windows.reserve(conv, clock.now(), msgid));
    expect(granted.map((r) => r.granted)).toEqual([true, true, true, true, true, true]);
    expect(granted[3]).toMatchObject({ slot: { number: 2, msgid: 'r2' } });
    expect(await windows.reserve(conv, clock.now(), 'r6')).toMatchObject({ granted: false, window: { lockedReason: 'reply-limit' } });

    // r5 certainly did not go out: its slot comes back, and a retry of r5 must spend it again.
    const r5 = granted[5]!;
    if (!r5.granted) throw new Error('r5 should hold a slot');
    await windows.release(r5.slot);
    expect(await windows.reserve(conv, clock.now(), 'r5')).toMatchObject({ granted: true, slot: { number: 5 } });
    expect(await windows.reserve(conv, clock.now(), 'r7')).toMatchObject({ granted: false });
  });

  it('records a pulled page: each window follows its newest message, a repeated page changes nothing', async () => {
    await windows.recordCustomerMessage('ww1:wk1:old', t0, 'o1');
    await windows.reserve('ww1:wk1:old', t0, 'ro1');
    await windows.recordCustomerMessage('ww1:wk1:same', t0 + 1000, 's1');
    await windows.reserve('ww1:wk1:same', t0 + 1000, 'rs1');
    await windows.recordCustomerMessage('ww1:wk1:newer', t0 + 9000, 'n2');
    await windows.reserve('ww1:wk1:newer', t0 + 9000, 'rn2');
    const page = [
      { conversationId: 'ww1:wk1:new1', msgid: 'a1', sentAt: t0 + 2000, sameSecondMsgids: [] },
      { conversationId: 'ww1:wk1:new2', msgid: 'b2', sentAt: t0 + 2000, sameSecondMsgids: ['b1'] },
      { conversationId: 'ww1:wk1:old', msgid: 'o2', sentAt: t0 + 2000, sameSecondMsgids: [] }, // newer: a fresh window
      { conversationId: 'ww1:wk1:same', msgid: 's2', sentAt: t0 + 1000, sameSecondMsgids: [] }, // same second, not seen: fresh count
      { conversationId: 'ww1:wk1:newer', msgid: 'n1', sentAt: t0 + 5000, sameSecondMsgids: [] }, // older than the window's: nothing
    ];
    await windows.customerMessagesPulled(page);
    await windows.customerMessagesPulled(page); // the pull repeated after a crash: seen, nothing changes
    const now = t0 + 10_000;
    const left = async (id: string, forTurn = {}) => windows.repliesLeft(`ww1:wk1:${id}`, now, forTurn);
    expect([await left('new1'), await left('new2'), await left('old'), await left('same'), await left('newer')]).toEqual([5, 5, 5, 5, 4]);
    // b1's turn answers an older message of the page than b2: it leaves slots to b2's.
    expect(await left('new2', { customerMsgid: 'b1', keepForNewest: 2 })).toBe(3);
    expect(await windows.recordCustomerMessage('ww1:wk1:new2', t0 + 2000, 'b1')).toBe(false);
  });

  it('two pulls recording pages at once (two instances) end as one after the other would', async () => {
    await windows.recordCustomerMessage('ww1:wk1:known', t0, 'k0');
    await windows.reserve('ww1:wk1:known', t0, 'rk0');
    const other = new WindowRepository(store);
    await other.get('ww1:wk1:known'); // ready, as a running instance is
    // Both read the windows before either writes: the second writer's updates miss and take the conditional way.
    await Promise.all([
      windows.customerMessagesPulled([
        { conversationId: 'ww1:wk1:known', msgid: 'k1', sentAt: t0 + 1000, sameSecondMsgids: [] },
        { conversationId: 'ww1:wk1:first', msgid: 'f1', sentAt: t0 + 1000, sameSecondMsgids: [] },
      ]),
      other.customerMessagesPulled([
        { conversationId: 'ww1:wk1:known', msgid: 'k2', sentAt: t0 + 1000, sameSecondMsgids: [] },
        { conversationId: 'ww1:wk1:first', msgid: 'f2', sentAt: t0 + 2000, sameSecondMsgids: [] },
      ]),
    ]);
    const doc = async (id: string) => store.collection<WindowDoc>('conversationWindows').findOne({ _id: `ww1:wk1:${id}` });
    // One second, two messages: the window knows both (neither turn reads as a fresh message later), with a fresh count of 5.
    expect((await doc('known'))?.customerMsgids.sort()).toEqual(['k1', 'k2']);
    expect(await doc('known')).toMatchObject({ lastCustomerMessageAt: t0 + 1000, used: 0 });
    // The newer message wins whichever pull wrote first.
    expect(await doc('first')).toMatchObject({ lastCustomerMessageAt: t0 + 2000, latestMsgid: 'f2', customerMsgids: ['f2'] });
    expect(await windows.recordCustomerMessage('ww1:wk1:first', t0 + 1000, 'f1')).toBe(false);
  });

  it('knows a reply msgid taken before and never given back for a repeat, also after the customer wrote again', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    expect(await windows.reserve(conv, t0, 'r1')).toMatchObject({ granted: true, repeat: false });
    expect(await windows.reserve(conv, t0, 'r1')).toMatchObject({ granted: true, repeat: true }); // outcome lost: sent again
    const r2 = await windows.reserve(conv, t0, 'r2');
    if (!r2.granted) throw new Error('r2 should hold a slot');
    await windows.release(r2.slot); // certainly not sent
    expect(await windows.reserve(conv, t0, 'r2')).toMatchObject({ granted: true, repeat: false });
    await windows.recordCustomerMessage(conv, t0 + 1000, 'm2'); // a fresh window
    expect(await windows.reserve(conv, t0 + 1000, 'r1')).toMatchObject({ granted: true, repeat: true, slot: { number: 1 } });
    expect(await windows.reserve(conv, t0 + 1000, 'r3')).toMatchObject({ granted: true, repeat: false });
  });

  it('never grants a sixth reply when two slots are released at once', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    const slots = [];
    for (const msgid of ['r1', 'r2', 'r3', 'r4']) slots.push(await windows.reserve(conv, clock.now(), msgid));
    const [, , r3, r4] = slots;
    if (!r3?.granted || !r4?.granted) throw new Error('r3 and r4 should hold slots');
    await Promise.all([windows.release(r3.slot), windows.release(r4.slot)]);
    const again = [];
    for (const msgid of ['r3', 'r4', 'r5', 'r6']) again.push((await windows.reserve(conv, clock.now(), msgid)).granted);
    expect(again).toEqual([true, true, true, false]);
  });

  it('opens a fresh window with a fresh count when the customer writes again', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    await reserveAll(5);
    clock.advance(hour);
    await expect(windows.recordCustomerMessage(conv, clock.now(), 'm2')).resolves.toBe(true);
    await expect(windows.get(conv)).resolves.toEqual({ open: true, repliesLeft: 5, closesAt: t0 + 49 * hour });
  });

  it('an older message arriving late changes nothing', async () => {
    await windows.recordCustomerMessage(conv, t0 + hour, 'm2');
    await reserveAll(5);
    await expect(windows.recordCustomerMessage(conv, t0, 'm1')).resolves.toBe(false);
    await expect(windows.get(conv, t0 + 2 * hour)).resolves.toMatchObject({ open: false, lockedReason: 'reply-limit', closesAt: t0 + 49 * hour });
  });

  it('the same message seen again (a retried turn) does not reset the count', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    await reserveAll(3);
    await expect(windows.recordCustomerMessage(conv, t0, 'm1')).resolves.toBe(false);
    await expect(windows.get(conv)).resolves.toMatchObject({ repliesLeft: 2 });
  });

  it('another message in the same second resets the count, as WeCom does', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    await reserveAll(5);
    await expect(windows.recordCustomerMessage(conv, t0, 'm2')).resolves.toBe(true);
    await expect(windows.get(conv)).resolves.toMatchObject({ open: true, repliesLeft: 5 });
  });

  it('is open at 47:59 and refuses at 48:00 with window-expired', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    clock.advance(47 * hour + 59 * 60_000);
    await expect(windows.reserve(conv, clock.now())).resolves.toMatchObject({ granted: true });
    clock.advance(60_000);
    await expect(windows.reserve(conv, clock.now())).resolves.toMatchObject({ granted: false, window: { lockedReason: 'window-expired', lockedAt: t0 + 48 * hour } });
  });

  it('gives a slot back, but never into a newer window', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    const [first, second] = await reserveAll(2);
    if (!first?.granted || !second?.granted) throw new Error('expected two slots');
    await expect(windows.release(first.slot)).resolves.toBe(true);
    await expect(windows.get(conv)).resolves.toMatchObject({ repliesLeft: 4 });
    await windows.recordCustomerMessage(conv, t0 + 1000, 'm2');
    await expect(windows.release(second.slot)).resolves.toBe(false);
    await expect(windows.get(conv)).resolves.toMatchObject({ repliesLeft: 5 });
  });

  it('stays locked after WeCom answered 95001 until the customer writes', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    const [r] = await reserveAll(1);
    if (!r?.granted) throw new Error('expected a slot');
    await windows.markLocked(r.slot, 'reply-limit', t0 + 1000);
    await expect(windows.reserve(conv, t0 + 2000)).resolves.toMatchObject({ granted: false, window: { lockedReason: 'reply-limit', lockedAt: t0 + 1000 } });
    await windows.recordCustomerMessage(conv, t0 + 3000, 'm2');
    await expect(windows.reserve(conv, t0 + 4000)).resolves.toMatchObject({ granted: true });
  });

  it('two instances on one store, 20 reservations at once for one customer message: exactly 5 granted', async () => {
    const instanceA = new WindowRepository(store);
    const instanceB = new WindowRepository(store);
    await instanceA.recordCustomerMessage(conv, t0, 'm1');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? instanceA : instanceB).reserve(conv, t0 + 1000)));
    const granted = results.filter((r) => r.granted);
    expect(granted).toHaveLength(5);
    expect(granted.map((r) => (r.granted ? r.slot.number : 0)).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(results.filter((r) => !r.granted).every((r) => r.window.lockedReason === 'reply-limit')).toBe(true);
  });

  it('getConversationWindow answers from a store or a repository', async () => {
    await windows.recordCustomerMessage(conv, t0, 'm1');
    await reserveAll(2);
    await expect(getConversationWindow(store, conv)).resolves.toEqual({ open: true, repliesLeft: 3, closesAt: t0 + 48 * hour });
    await expect(getConversationWindow(windows, conv, t0 + 48 * hour)).resolves.toEqual({ open: false, repliesLeft: 0, closesAt: t0 + 48 * hour });
    await expect(getConversationWindow(store, 'ww1:wk1:never')).resolves.toEqual({ open: false, repliesLeft: 0, closesAt: null });
  });

  it('the store filter and the pure rule agree on every state', async () => {
    // The reservation's filter restates decideWindow's "open"; if they drift, a slot could be granted
    // in a window the rules call locked (or refused with reason "open"). Check a grid of states.
    const docs = store.collection<WindowDoc>('conversationWindows');
    const now = t0 + 10 * hour;
    const states: WindowState[] = [];
    for (const age of [0, hour, 48 * hour - 1, 48 * hour, 48 * hour + 1]) {
      for (const used of [0, 4, 5, 6]) {
        for (const lock of [null, { reason: 'reply-limit' as const, at: t0 }]) states.push({ lastCustomerMessageAt: now - age, used, lock });
      }
    }
    await Promise.all(states.map((s, i) => docs.insertOne({ _id: `c${i}`, ...s, customerMsgids: [], generation: 1, expiresAt: new Date(now + 100 * hour) })));
    for (const [i, s] of states.entries()) {
      const granted = (await windows.reserve(`c${i}`, now)).granted;
      expect({ state: s, granted }).toEqual({ state: s, granted: decideWindow(s, now).open });
    }
  });
});
