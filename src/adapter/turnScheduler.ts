/**
 * Runs jobs in order per key and in parallel across keys, at most `concurrency` at once: one
 * customer's turns never overlap or reorder, while many customers are served together.
 *
 * @example
 * const turns = new TurnScheduler(16);
 * turns.run('conv-1', () => handle(m1));
 * turns.run('conv-1', () => handle(m2)); // starts after m1 settles
 * await turns.idle();
 */
export class TurnScheduler {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private pending = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a whole number ≥ 1');
  }

  /** Queues `job` behind the key's earlier jobs. The returned promise settles with the job. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    this.pending++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.withSlot(job));
    const tail = result.then(noop, noop);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.pending--;
      if (this.pending === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    });
    return result;
  }

  /** Resolves when every queued job has settled. */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async withSlot<T>(job: () => Promise<T>): Promise<T> {
    // A finished job hands its slot straight to the next waiter, so no newcomer can slip in between.
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const noop = (): void => undefined;
