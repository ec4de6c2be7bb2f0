import { decideWindow, opensFreshWindow, REPLY_WINDOW_MS } from '../../src/middleware/conversationWindow';

const t0 = Date.UTC(2026, 0, 1, 8, 0, 0);
const minute = 60_000;
const hour = 60 * minute;

describe('conversation window rules', () => {
  it('refuses a customer who never wrote (nobody may start a chat)', () => {
    expect(decideWindow(undefined, t0)).toEqual({ open: false, repliesLeft: 0, closesAt: null, lockedReason: 'never-initiated' });
  });

  it('is open with 5 replies right after the customer writes', () => {
    expect(decideWindow({ lastCustomerMessageAt: t0, used: 0 }, t0)).toEqual({ open: true, repliesLeft: 5, closesAt: t0 + 48 * hour });
  });

  it('is open at 47:59 and locked at 48:00', () => {
    expect(decideWindow({ lastCustomerMessageAt: t0, used: 4 }, t0 + 47 * hour + 59 * minute)).toMatchObject({ open: true, repliesLeft: 1 });
    expect(decideWindow({ lastCustomerMessageAt: t0, used: 4 }, t0 + REPLY_WINDOW_MS - 1)).toMatchObject({ open: true });
    expect(decideWindow({ lastCustomerMessageAt: t0, used: 4 }, t0 + 48 * hour)).toEqual({
      open: false, repliesLeft: 0, closesAt: t0 + 48 * hour, lockedReason: 'window-expired', lockedAt: t0 + 48 * hour,
    });
  });

  it('locks after the 5th reply, since that reply', () => {
    expect(decideWindow({ lastCustomerMessageAt: t0, used: 5, lastReservedAt: t0 + 10 * minute }, t0 + hour)).toEqual({
      open: false, repliesLeft: 0, closesAt: t0 + 48 * hour, lockedReason: 'reply-limit', lockedAt: t0 + 10 * minute,
    });
  });

  it('reports the lock that came first when several apply', () => {
    const state = { lastCustomerMessageAt: t0, used: 5, lastReservedAt: t0 + minute };
    expect(decideWindow(state, t0 + 50 * hour)).toMatchObject({ lockedReason: 'reply-limit', lockedAt: t0 + minute });
  });

  it('stays locked when WeCom said so, though our count had room', () => {
    const state = { lastCustomerMessageAt: t0, used: 2, lock: { reason: 'reply-limit' as const, at: t0 + 5 * minute } };
    expect(decideWindow(state, t0 + hour)).toMatchObject({ open: false, lockedReason: 'reply-limit', lockedAt: t0 + 5 * minute });
  });

  describe('which customer message opens a fresh window', () => {
    const state = { lastCustomerMessageAt: t0, used: 5 };
    it('the first one', () => expect(opensFreshWindow(undefined, t0, 'm1')).toBe(true));
    it('a newer one', () => expect(opensFreshWindow(state, t0 + 1000, 'm2', ['m1'])).toBe(true));
    it('not an older one arriving late', () => expect(opensFreshWindow(state, t0 - 1000, 'm0', ['m1'])).toBe(false));
    it('not the same one again (a retried turn)', () => expect(opensFreshWindow(state, t0, 'm1', ['m1'])).toBe(false));
    it('another one in the same second', () => expect(opensFreshWindow(state, t0, 'm2', ['m1'])).toBe(true));
  });
});
