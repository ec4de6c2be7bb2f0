/**
 * Runs async tasks one at a time, in the order they were queued. The embedded store keeps one per
 * collection: nedb runs each of its own calls serially, but our multi-step operations
 * (find → update or insert for `findOneAndUpdate`, TTL sweep → query) must not interleave, or
 * 50 concurrent upserts on one key would insert several documents.
 *
 * @example
 * const queue = new SerialQueue();
 * const [a, b] = await Promise.all([queue.run(stepA), queue.run(stepB)]); // stepB starts after stepA settles
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<R>(task: () => Promise<R>): Promise<R> {
    // `tail` never rejects, so `task` runs once whatever the previous task did.
    const result = this.tail.then(() => task());
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  async drain(): Promise<void> {
    await this.tail;
  }
}
