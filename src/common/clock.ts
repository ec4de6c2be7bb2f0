/**
 * Where every rule gets the time. Production uses {@link systemClock}; tests and the sandbox's
 * test clock pass a {@link ManualClock} and move it forward.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** How far this clock runs ahead of real time (a test clock); absent means 0. */
  aheadMs?(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to.
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2026, 0, 1));
 * clock.advance(48 * 3600_000);
 */
export class ManualClock implements Clock {
  constructor(private current: number = Date.now()) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot move a clock by ${ms} ms`);
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}

/** A clock that follows the system clock plus an offset that only grows: the admin test clock. */
export class OffsetClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  aheadMs(): number {
    return this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot move a clock by ${ms} ms`);
    this.offsetMs += ms;
  }
}

export const unixSeconds = (clock: Clock): number => Math.floor(clock.now() / 1000);

/** How much a message may have aged between WeCom stamping it and our pull, for {@link localTimeOf}. */
const SAME_CLOCK_TOLERANCE_MS = 10 * 60_000;

/**
 * A WeCom timestamp (`send_time`, in ms) on our clock. Equal to it normally. When our clock is a
 * test clock moved ahead of real time and the message was stamped by a WeCom that does not share
 * it (it looks at least that much older on arrival), the shift is added: a customer who just
 * wrote must open a fresh 48-hour window, not one that closed long ago.
 *
 * @example
 * localTimeOf(sendTime * 1000, receivedAt, clock.aheadMs?.() ?? 0)
 */
export function localTimeOf(stampedMs: number, observedAt: number, aheadMs: number): number {
  if (aheadMs > SAME_CLOCK_TOLERANCE_MS && observedAt - stampedMs >= aheadMs - SAME_CLOCK_TOLERANCE_MS) return stampedMs + aheadMs;
  return stampedMs;
}
