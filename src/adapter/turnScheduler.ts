import { Semaphore } from './semaphore';

/**
 * Runs jobs in order per key and in parallel across keys: one customer's turns never overlap or
 * reorder, while every customer with work is served at once. There is no global cap by default: a
 * turn mostly waits on WeCom and the store, and a fixed number of slots made customers queue behind
 * each other's network round trips. Memory follows the work queued, not the traffic: a coalescing
 * job that is already waiting for its key takes the place of a new one (see {@link run}).
 *
 * @example
 * const turns = new TurnScheduler();
 * turns.run('conv-1', () => handle(m1));
 * turns.run('conv-1', () => handle(m2)); // starts after m1 settles
 * turns.run('conv-1', drain, { coalesce: true });
 * turns.run('conv-1', drain, { coalesce: true }); // the same run as the line above
 * await turns.idle();
 */
export class TurnScheduler {
  private readonly keys = new Map<string, KeyState>();
  private readonly slots: Semaphore | undefined;
  private pending = 0;
  private readonly idleWaiters: (() => void)[] = [];

  /** `concurrency`: an optional cap on jobs running at once across keys (default none). */
  constructor(concurrency = Infinity) {
    if (concurrency !== Infinity && (!Number.isInteger(concurrency) || concurrency < 1)) throw new RangeError('concurrency must be a whole number ≥ 1');
    this.slots = concurrency === Infinity ? undefined : new Semaphore(concurrency);
  }

  /**
   * Queues `job` behind the key's earlier jobs. The returned promise settles with the job. With
   * `coalesce`, when the key's last queued job is a coalescing one that has not started yet, that
   * job's promise is returned instead of queuing another: it has not looked at its work yet, so it
   * will see whatever this call was about (a drain of a conversation's pending inbox entries).
   */
  run<T>(key: string, job: () => Promise<T>, options: { coalesce?: boolean } = {}): Promise<T> {
    const state = this.keys.get(key) ?? { tail: Promise.resolve(), waitingCoalescible: undefined };
    if (options.coalesce && state.waitingCoalescible) return state.waitingCoalescible as Promise<T>;
    this.pending++;
    // The callback runs after this line has assigned `result` (then-callbacks are never synchronous).
    const result: Promise<T> = state.tail.then(() => {
      if (state.waitingCoalescible === result) state.waitingCoalescible = undefined;
      return this.withSlot(job);
    });
    state.waitingCoalescible = options.coalesce ? result : undefined;
    const tail = result.then(noop, noop);
    state.tail = tail;
    this.keys.set(key, state);
    void tail.then(() => {
      if (state.tail === tail) this.keys.delete(key);
      this.pending--;
      if (this.pending === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    });
    return result;
  }

  /** Resolves when every queued job has settled. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private withSlot<T>(job: () => Promise<T>): Promise<T> {
    return this.slots ? this.slots.run(job) : job();
  }
}

interface KeyState {
  tail: Promise<void>;
  /** The key's last queued job when it coalesces and has not started. */
  waitingCoalescible: Promise<unknown> | undefined;
}

const noop = (): void => undefined;
