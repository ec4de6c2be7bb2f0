import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { withTimeout } from '../common/timeout';
import { LruMap } from '../common/lruMap';
import type { KeyValueRepository } from '../store';
import { CUSTOMER_BATCHGET_MAX, type WeComClient } from '../wecom/client';
import { type KfMessage, kfMessageParties } from '../wecom/kfMessages';

/** A cached answer of `kf/customer/batchget` for one customer; `nickname` '' when WeCom had none. */
export interface CachedCustomerName {
  readonly nickname: string;
}

/**
 * Nicknames are kept a day: WeChat users rarely rename themselves, and batchget only describes
 * customers active in the last 48 h, so a customer who keeps writing is looked up once a day.
 */
export const CUSTOMER_NAME_TTL_MS = 24 * 3_600_000;
/** WeCom had no nickname (or did not describe the id): asked again after an hour, in case that changes. */
export const NO_CUSTOMER_NAME_TTL_MS = 3_600_000;
/** After a failed call the ids are not asked again for this long (memory only: a failure is never stored). */
export const CUSTOMER_NAME_FAILURE_BACKOFF_MS = 30_000;
/** A name read from the store is remembered in memory this long, sparing the store a read per turn. */
const MEMORY_TTL_MS = 10 * 60_000;
/** Names remembered in memory at most (the oldest go first). */
const MEMORY_MAX = 10_000;

export interface CustomerNamesOptions {
  readonly corpId: string;
  readonly client: () => WeComClient;
  readonly cache: KeyValueRepository<CachedCustomerName>;
  /** The store's clock: expiries and back-off are measured on it. */
  readonly clock: Clock;
  readonly logger: Logger;
  /** `from.name` when WeCom has no nickname or cannot be asked. */
  readonly fallback: string;
  /** False: no lookups, every customer gets the fallback name. */
  readonly enabled: boolean;
  /** Customers with messages waiting to be turns: asked for together with the first of them. */
  readonly waitingCustomers?: () => Promise<readonly string[]>;
  /** Lookups arriving within this many ms go in one call. Default 10. */
  readonly batchWindowMs?: number;
  /** A turn waits at most this long for a name, then runs with the fallback (the answer is still cached). Default 1 500. */
  readonly waitMs?: number;
}

interface Waiter {
  readonly promise: Promise<string | undefined>;
  readonly resolve: (nickname: string | undefined) => void;
}

/**
 * Customers' WeChat nicknames for `from.name`, from `kf/customer/batchget`, cached in the store.
 * Lookups are coalesced: one call at a time, each with every id asked for meanwhile (≤100).
 * Never throws and never holds a turn longer than `waitMs`: a failure gives the fallback name.
 */
export class CustomerNames {
  private readonly queued = new Map<string, Waiter>();
  private readonly inFlight = new Map<string, Waiter>();
  private readonly failedUntil = new Map<string, number>();
  private readonly memory = new LruMap<string, { readonly nickname: string; readonly until: number }>(MEMORY_MAX);
  private timer?: NodeJS.Timeout;
  private calling = false;

  constructor(private readonly o: CustomerNamesOptions) {}

  /** The name to show as `from.name` for the customer of `message`; `undefined` for a message no customer sent (a servicer's). */
  async nameFor(message: KfMessage): Promise<string | undefined> {
    if (message.msgtype !== 'event' && message.origin === 5) return undefined;
    const { externalUserId } = kfMessageParties(message);
    return externalUserId ? this.nameOf(externalUserId) : undefined;
  }

  /** The customer's nickname, or the fallback name. */
  async nameOf(externalUserId: string): Promise<string> {
    if (!this.o.enabled) return this.o.fallback;
    const remembered = this.memory.peek(externalUserId);
    if (remembered && remembered.until > this.o.clock.now()) return remembered.nickname || this.o.fallback;
    const cached = await this.o.cache.get(this.key(externalUserId)).catch((e: unknown) => {
      this.o.logger.warn({ err: e }, 'customer name cache unreadable; asking WeCom');
      return undefined;
    });
    if (cached) {
      this.remember(externalUserId, cached.nickname, MEMORY_TTL_MS);
      return cached.nickname || this.o.fallback;
    }
    if ((this.failedUntil.get(externalUserId) ?? 0) > this.o.clock.now()) return this.o.fallback;
    const waiter = this.inFlight.get(externalUserId) ?? this.enqueue(externalUserId);
    // The batch goes on past the wait (and fills the cache); this customer's turn does not wait for it.
    const nickname = await withTimeout(waiter.promise, this.o.waitMs ?? 1_500, 'customer name lookup').catch(() => undefined);
    return nickname || this.o.fallback;
  }

  private remember(externalUserId: string, nickname: string, ttlMs: number): void {
    this.memory.set(externalUserId, { nickname, until: this.o.clock.now() + ttlMs });
  }

  private key(externalUserId: string): string {
    return `${this.o.corpId}:${externalUserId}`;
  }

  private enqueue(externalUserId: string): Waiter {
    let waiter = this.queued.get(externalUserId);
    if (!waiter) {
      waiter = newWaiter();
      this.queued.set(externalUserId, waiter);
    }
    if (this.queued.size >= CUSTOMER_BATCHGET_MAX) this.flushSoon(0);
    else this.flushSoon(this.o.batchWindowMs ?? 10);
    return waiter;
  }

  /** The call in flight takes the queue with it when it ends; otherwise a timer does. */
  private flushSoon(delayMs: number): void {
    if (this.calling) return;
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delayMs);
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    if (this.calling || this.queued.size === 0) return;
    this.calling = true;
    const batch = new Map<string, Waiter>();
    try {
      this.takeQueued(batch);
      await this.addWaitingCustomers(batch);
      this.takeQueued(batch); // those who asked meanwhile
      await this.call(batch);
    } finally {
      for (const id of batch.keys()) this.inFlight.delete(id);
      this.forgetOldFailures();
      this.calling = false;
      if (this.queued.size > 0) this.flushSoon(0);
    }
  }

  private takeQueued(batch: Map<string, Waiter>): void {
    for (const [id, waiter] of this.queued) {
      if (batch.size >= CUSTOMER_BATCHGET_MAX) return;
      this.queued.delete(id);
      this.join(batch, id, waiter);
    }
  }

  private join(batch: Map<string, Waiter>, id: string, waiter: Waiter): void {
    batch.set(id, waiter);
    this.inFlight.set(id, waiter); // a turn of this customer starting now waits for this call
  }

  /**
   * Customers whose messages wait in the inbox will be asked for in a moment: they go in this call,
   * so a crowd arriving at once costs one call, not one per turn slot.
   */
  private async addWaitingCustomers(batch: Map<string, Waiter>): Promise<void> {
    if (!this.o.waitingCustomers || batch.size >= CUSTOMER_BATCHGET_MAX) return;
    try {
      const now = this.o.clock.now();
      const ids = [...new Set(await this.o.waitingCustomers())]
        .filter((id) => !batch.has(id) && !this.inFlight.has(id) && (this.failedUntil.get(id) ?? 0) <= now);
      const cached = await Promise.all(ids.map((id) => this.o.cache.get(this.key(id))));
      for (const [i, id] of ids.entries()) {
        if (batch.size >= CUSTOMER_BATCHGET_MAX) return;
        if (cached[i] || this.inFlight.has(id) || (this.memory.peek(id)?.until ?? 0) > now) continue;
        const queued = this.queued.get(id);
        this.queued.delete(id);
        this.join(batch, id, queued ?? newWaiter());
      }
    } catch (e) {
      this.o.logger.debug({ err: e }, 'waiting customers unknown; asking only for those who asked');
    }
  }

  private async call(batch: ReadonlyMap<string, Waiter>): Promise<void> {
    const ids = [...batch.keys()];
    try {
      const answer = await this.o.client().batchGetCustomers({ external_userid_list: ids });
      const nicknames = new Map(answer.customer_list.map((c) => [c.external_userid, c.nickname.trim()]));
      for (const [id, waiter] of batch) {
        const nickname = nicknames.get(id) ?? '';
        this.remember(id, nickname, Math.min(MEMORY_TTL_MS, nickname ? CUSTOMER_NAME_TTL_MS : NO_CUSTOMER_NAME_TTL_MS));
        waiter.resolve(nickname);
      }
      // Cached after the turns got their names: a slow store must not hold them.
      // One write for the batch (each name its own expiry).
      await this.o.cache.setMany(ids.map((id) => {
        const nickname = nicknames.get(id) ?? '';
        return { key: this.key(id), value: { nickname }, ttlMs: nickname ? CUSTOMER_NAME_TTL_MS : NO_CUSTOMER_NAME_TTL_MS };
      })).catch((e: unknown) => this.o.logger.warn({ err: e }, 'customer names not cached; they are asked again next time'));
    } catch (e) {
      this.o.logger.warn({ err: e, customers: ids.length }, 'kf/customer/batchget failed; turns run with the fallback name');
      const until = this.o.clock.now() + CUSTOMER_NAME_FAILURE_BACKOFF_MS;
      for (const [id, waiter] of batch) {
        this.failedUntil.set(id, until);
        waiter.resolve(undefined);
      }
    }
  }

  private forgetOldFailures(): void {
    const now = this.o.clock.now();
    for (const [id, until] of this.failedUntil) if (until <= now) this.failedUntil.delete(id);
  }
}

function newWaiter(): Waiter {
  let resolve!: (nickname: string | undefined) => void;
  const promise = new Promise<string | undefined>((r) => (resolve = r));
  return { promise, resolve };
}

