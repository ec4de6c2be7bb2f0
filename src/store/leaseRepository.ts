import type { BaseDocument, Collection } from './collection';
import { DuplicateKeyError, InvalidQueryError } from './errors';
import type { Store } from './store';

interface LeaseDoc extends BaseDocument {
  owner: string;
  expiresAt: Date;
  acquiredAt: Date;
  term: number;
}

/** A lease held by `owner` until `expiresAt` (ms since the epoch, by the store's clock). */
export interface Lease {
  name: string;
  owner: string;
  expiresAt: number;
  /** Grows by one with every successful `acquire`: a fencing token for work done under the lease. */
  term: number;
}

/** The collection of {@link LeaseRepository} unless given another. */
export const LEASE_COLLECTION = 'leases';

/**
 * Named leases with an owner and an expiry, so that with several instances one sync worker per
 * kf account and one run of each cron job happen at a time. Expiry follows the store's clock.
 *
 * `acquire` is one conditional upsert — "the lease named X, if it is mine or expired" — so exactly one
 * of any number of concurrent acquirers wins: the others either match nothing and collide on `_id`
 * (DuplicateKeyError, reported as "not acquired") or find it held.
 *
 * @example
 * const leases = new LeaseRepository(store);
 * const lease = await leases.acquire(`sync:${openKfId}`, instanceId, 30_000);
 * if (!lease) return; // another instance is syncing
 * // ... every 10 s: if (!(await leases.renew(lease.name, instanceId, 30_000))) stop();
 * await leases.release(lease.name, instanceId);
 */
export class LeaseRepository {
  private readonly leases: Collection<LeaseDoc>;

  /** @param collection Default `leases`. */
  constructor(
    private readonly store: Store,
    collection = LEASE_COLLECTION,
  ) {
    this.leases = store.collection<LeaseDoc>(collection);
  }

  /** Takes the lease if it is free, expired or already ours (then it is extended). Null when someone else holds it. */
  async acquire(name: string, owner: string, ttlMs: number): Promise<Lease | null> {
    check(name, owner, ttlMs);
    const now = this.store.clock.now();
    try {
      const doc = await this.leases.findOneAndUpdate(
        { _id: name, $or: [{ owner }, { expiresAt: { $lte: new Date(now) } }] },
        { $set: { owner, expiresAt: new Date(now + ttlMs), acquiredAt: new Date(now) }, $inc: { term: 1 } },
        { upsert: true, returnDocument: 'after' },
      );
      return doc ? toLease(doc) : null;
    } catch (e) {
      if (e instanceof DuplicateKeyError) return null; // held by someone else: the upsert collided on _id
      throw e;
    }
  }

  /**
   * Extends a lease we still hold. Null when it expired or changed hands: stop the work, since another
   * owner may already be doing it (an expired lease is not renewed, even if nobody took it).
   */
  async renew(name: string, owner: string, ttlMs: number): Promise<Lease | null> {
    check(name, owner, ttlMs);
    const now = this.store.clock.now();
    const doc = await this.leases.findOneAndUpdate(
      { _id: name, owner, expiresAt: { $gt: new Date(now) } },
      { $set: { expiresAt: new Date(now + ttlMs) } },
      { returnDocument: 'after' },
    );
    return doc ? toLease(doc) : null;
  }

  /** Gives the lease up if we hold it. True when it was ours. */
  async release(name: string, owner: string): Promise<boolean> {
    const { deletedCount } = await this.leases.deleteMany({ _id: name, owner });
    return deletedCount > 0;
  }

  /** The unexpired lease named `name`, or null. */
  async current(name: string): Promise<Lease | null> {
    const doc = await this.leases.findOne({ _id: name, expiresAt: { $gt: new Date(this.store.clock.now()) } });
    return doc ? toLease(doc) : null;
  }
}

function toLease(doc: LeaseDoc): Lease {
  return { name: doc._id, owner: doc.owner, expiresAt: doc.expiresAt.getTime(), term: doc.term };
}

function check(name: string, owner: string, ttlMs: number): void {
  if (typeof name !== 'string' || name === '') throw new InvalidQueryError('a lease needs a name');
  if (typeof owner !== 'string' || owner === '') throw new InvalidQueryError('a lease needs an owner');
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new InvalidQueryError('a lease needs a positive integer ttlMs');
}
