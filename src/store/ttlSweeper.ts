import type { Logger } from '../common';
import type { IndexSpec } from './collection';

/** How often expired documents are deleted (they are hidden from queries at once, whatever this is). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * An embedded collection's TTL fields (field → seconds, declared by `createIndex` in this process)
 * and the timer that deletes expired documents every minute, like MongoDB's TTL monitor. Both
 * embedded engines keep their TTL this way; how they find and delete the expired documents is theirs.
 *
 * @example
 * const ttl = new TtlSweeper({ collection: 'kf_tokens', logger, isClosed: () => closed, sweep: () => deleteExpired() });
 * ttl.declare({ keys: { expiresAt: 1 }, expireAfterSeconds: 0 });
 * ttl.start();
 */
export class TtlSweeper {
  /** TTL field → seconds. */
  readonly fields = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { readonly collection: string; readonly logger: Logger; isClosed(): boolean; sweep(): Promise<void> }) {}

  /** Whether `spec`'s field expires its documents: an index created again without the option stops it. */
  declare(spec: IndexSpec): void {
    const field = Object.keys(spec.keys)[0]!;
    if (spec.expireAfterSeconds === undefined) this.fields.delete(field);
    else this.fields.set(field, spec.expireAfterSeconds);
  }

  /** Sweeps every minute from now on; unref'd, so it never keeps a process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.options.isClosed()) return;
      this.options.sweep().catch((e: unknown) => {
        this.options.logger.warn({ err: e, collection: this.options.collection }, 'embedded store: deleting expired documents failed; tried again in a minute');
      });
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
