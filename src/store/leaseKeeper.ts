import type { LeaseRepository } from './leaseRepository';
import type { Store } from './store';

export interface LeaseKeeperOptions {
  /** Who holds the leases (this process). */
  readonly owner: string;
  /** A lease's life from its last acquire or renewal. */
  readonly ttlMs: number;
  /** How long a lease no work uses is kept before it is given up. Default: a quarter of `ttlMs`, at most 1 s. */
  readonly idleMs?: number;
  /** Told when giving a lease up, or the work after it, failed (nothing else is: the lease then expires by itself). */
  readonly onError?: (e: unknown, name: string) => void;
}

/** A lease this process holds, as far as it knows: until `expiresAt` (store clock) nobody else can take it. */
interface Held {
  expiresAt: number;
  idle?: NodeJS.Timeout;
}

/**
 * Keeps leases across a burst of work instead of taking and giving one up around each piece (two
 * store writes each time). A lease is renewed only once less than half its TTL is left, and given
 * up once no work has used it for `idleMs`, or at {@link LeaseKeeper.releaseAll}.
 *
 * Sound for the same reason a lease is: nobody else can take it before its `expiresAt` on record,
 * and this process counts on it only while the store's clock is at least half a TTL short of that.
 * The cost: another process that wants the lease while it is kept idle waits up to `idleMs`
 * longer, so whatever it left for the holder must be looked at after the release (`afterRelease`).
 *
 * @example
 * const keeper = new LeaseKeeper(store, new LeaseRepository(store), { owner: instanceId, ttlMs: 30_000 });
 * if (!(await keeper.take('sync:ww1:wk1'))) return; // another process holds it
 * // ... between steps: if (!(await keeper.keep('sync:ww1:wk1'))) throw lost;
 * keeper.idle('sync:ww1:wk1', lookForWorkLeftBehind);
 * // at shutdown: await keeper.releaseAll();
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  /** Releases under way: a take of the same name waits for them. */
  private readonly releasing = new Map<string, Promise<void>>();
  private readonly idleMs: number;

  constructor(
    private readonly store: Store,
    private readonly leases: LeaseRepository,
    private readonly o: LeaseKeeperOptions,
  ) {
    this.idleMs = o.idleMs ?? Math.min(1000, Math.floor(o.ttlMs / 4));
  }

  /**
   * Makes the lease ours for at least half its TTL: one kept from earlier work costs no write (or a
   * renewal, past half its life); otherwise it is acquired. False when another process holds it.
   */
  async take(name: string): Promise<boolean> {
    const kept = this.held.get(name);
    if (kept) {
      clearTimeout(kept.idle);
      kept.idle = undefined;
      if (await this.keep(name)) return true;
    }
    await this.releasing.get(name);
    const lease = await this.leases.acquire(name, this.o.owner, this.o.ttlMs);
    if (!lease) return false;
    this.held.set(name, { expiresAt: lease.expiresAt });
    return true;
  }

  /**
   * Whether the lease is still ours, renewing it (one write) once less than half its TTL is left.
   * False when it expired or changed hands: stop the work, another process may be doing it.
   */
  async keep(name: string): Promise<boolean> {
    const h = this.held.get(name);
    if (!h) return false;
    const now = this.store.clock.now();
    if (h.expiresAt - now > this.o.ttlMs / 2) return true;
    const lease = now < h.expiresAt ? await this.leases.renew(name, this.o.owner, this.o.ttlMs) : null;
    if (this.held.get(name) !== h) return false; // given up meanwhile
    if (!lease) {
      this.held.delete(name);
      return false;
    }
    h.expiresAt = lease.expiresAt;
    return true;
  }

  /**
   * The work is done for now: the lease is given up after `idleMs` unless taken again first. Then
   * `afterRelease` runs, for work another process left for the holder meanwhile.
   */
  idle(name: string, afterRelease?: () => Promise<void>): void {
    const h = this.held.get(name);
    if (!h) return;
    clearTimeout(h.idle);
    h.idle = setTimeout(() => {
      h.idle = undefined;
      this.release(name).then(afterRelease).catch((e: unknown) => this.o.onError?.(e, name));
    }, this.idleMs);
    h.idle.unref();
  }

  /** Gives the lease up now (if this process holds it). A failure is told to `onError`: the lease then expires by itself. */
  async release(name: string): Promise<void> {
    const h = this.held.get(name);
    if (!h) return;
    clearTimeout(h.idle);
    this.held.delete(name);
    const done = this.leases.release(name, this.o.owner).then(
      () => undefined,
      (e: unknown) => this.o.onError?.(e, name),
    ).finally(() => {
      if (this.releasing.get(name) === done) this.releasing.delete(name);
    });
    this.releasing.set(name, done);
    await done;
  }

  /** Gives up every lease kept (at shutdown). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((name) => this.release(name)));
    await Promise.all([...this.releasing.values()]);
  }
}
