/**
 * At most `limit` holders at once; the others wait in arrival order, and a finished holder hands its
 * slot straight to the next waiter, so no newcomer slips in between. Bounds work whose cost is memory
 * (media downloads), and the turn scheduler's optional cap.
 *
 * @example
 * const slots = new Semaphore(4);
 * const file = await slots.run(() => client.getMedia(mediaId));
 */
export class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`a semaphore needs a limit of at least 1, not ${limit}`);
  }

  /** Runs `fn` once a slot is free, and frees the slot when it settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held += 1;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, so `held` never drops below while one waits.
      const next = this.waiting.shift();
      if (next) next();
      else this.held -= 1;
    }
  }
}
