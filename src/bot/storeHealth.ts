import { performance } from 'node:perf_hooks';
import type { Logger } from '../common';
import type { Store, StoreHealth } from '../store';

/** How long one probe's answer is reused: a flood of `/healthz` calls costs one disk write a second. */
export const HEALTH_CACHE_MS = 1000;

/**
 * The store's readiness for `/healthz`: {@link Store.check}, reused for {@link HEALTH_CACHE_MS}
 * (callers at the same moment share one probe), logged at error level when it turns bad and at info
 * when it recovers. The cache runs on the monotonic clock: a test clock moved by an admin must not
 * freeze it.
 *
 * @example
 * const health = new StoreHealthCache(() => adapter.store(), logger);
 * const { ok, reason } = await health.get();
 */
export class StoreHealthCache {
  private last: { at: number; health: Promise<StoreHealth> } | undefined;
  private wasOk = true;

  constructor(
    private readonly store: () => Promise<Store>,
    private readonly logger: Logger,
  ) {}

  get(): Promise<StoreHealth> {
    const now = performance.now();
    if (this.last && now - this.last.at < HEALTH_CACHE_MS) return this.last.health;
    const health = this.probe();
    this.last = { at: now, health };
    return health;
  }

  private async probe(): Promise<StoreHealth> {
    const store = await this.store();
    const health = await store.check();
    if (!health.ok && this.wasOk) this.logger.error({ store: store.kind, reason: health.reason }, 'store unhealthy: /healthz answers 503');
    if (health.ok && !this.wasOk) this.logger.info({ store: store.kind }, 'store healthy again');
    this.wasOk = health.ok;
    return health;
  }
}
