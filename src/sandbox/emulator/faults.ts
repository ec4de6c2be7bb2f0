/**
 * Fault injection: the next matching calls fail in a chosen way before WeCom's normal handling
 * (no token check, no side effects), so a client's retry and timeout logic can be tested.
 */

export type Fault =
  /** HTTP 500 with a non-JSON body, as a failing front end answers. */
  | { kind: 'http_500' }
  /** Any other HTTP status (502, 503...), non-JSON body. */
  | { kind: 'http_status'; status: number }
  /** Wait `ms` real milliseconds, then handle the call normally. */
  | { kind: 'delay'; ms: number }
  /** Hold the request open, never answer, until stop(). */
  | { kind: 'timeout' }
  /** Destroy the socket without an answer. */
  | { kind: 'reset' }
  /** Answer HTTP 200 `{errcode, errmsg}` without doing anything (e.g. -1 busy, 45009, 45033). */
  | { kind: 'errcode'; errcode: number };

export interface FaultRule {
  /** The path after `/cgi-bin/`, e.g. `'kf/send_msg'`; absent = every path. */
  path?: string;
  /** How many calls it hits; default 1. `Infinity` until cleared. */
  times?: number;
  fault: Fault;
}

interface ActiveRule {
  path?: string;
  remaining: number;
  fault: Fault;
}

/**
 * The emulator's fault list. Rules apply in the order injected; each call takes at most one.
 *
 * @example
 * emu.faults.inject({ path: 'kf/send_msg', fault: { kind: 'http_500' } });        // next send_msg → 500
 * emu.faults.inject({ path: 'gettoken', times: 2, fault: { kind: 'reset' } });     // two resets
 * emu.faults.inject({ fault: { kind: 'errcode', errcode: -1 }, times: Infinity }); // WeCom busy until clear()
 */
export class FaultInjector {
  private rules: ActiveRule[] = [];

  /** Adds a rule. */
  inject(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new RangeError('times must be > 0');
    if (rule.fault.kind === 'delay' && !(rule.fault.ms >= 0)) throw new RangeError('delay.ms must be ≥ 0');
    this.rules.push({ path: rule.path?.replace(/^\/+/, ''), remaining: times, fault: rule.fault });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** Rules not used up yet. */
  get pending(): number {
    return this.rules.length;
  }

  /** Takes the fault for a call to `path`, if a rule matches. */
  take(path: string): Fault | undefined {
    const rule = this.rules.find((r) => r.path === undefined || r.path === path);
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule.fault;
  }
}
