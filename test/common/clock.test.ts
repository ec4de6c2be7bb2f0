import { localTimeOf, ManualClock, OffsetClock } from '../../src/common';

describe('ManualClock', () => {
  it('moves only when told and refuses to go back', () => {
    const clock = new ManualClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(500);
    expect(clock.now()).toBe(1500);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('OffsetClock adds its offset to the base clock', () => {
    const base = new ManualClock(0);
    const clock = new OffsetClock(base);
    clock.advance(3600_000);
    base.advance(10);
    expect(clock.now()).toBe(3600_010);
  });
});

describe('localTimeOf', () => {
  const hour = 3600_000;
  it('keeps WeCom time when our clock is real, however late the pull', () => {
    expect(localTimeOf(1000, 1000 + 3 * hour, 0)).toBe(1000);
  });
  it('shifts a message stamped by a WeCom that does not share our test clock', () => {
    const ahead = 91 * 24 * hour;
    expect(localTimeOf(5000, 5000 + ahead + 2000, ahead)).toBe(5000 + ahead);
  });
  it('leaves a message stamped on the shared test clock (the sandbox) as it is', () => {
    const ahead = 91 * 24 * hour;
    expect(localTimeOf(5000 + ahead, 5000 + ahead + 2000, ahead)).toBe(5000 + ahead);
  });
});
