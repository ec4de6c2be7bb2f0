import { ManualClock, OffsetClock } from '../../src/common';

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
