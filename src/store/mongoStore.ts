import os from 'node:os';
import type { Db, MongoClient } from 'mongodb';
import { silentLogger, systemClock, withTimeout, type Clock, type Logger } from '../common';
import type { BaseDocument, Collection } from './collection';
import { StoreUnavailableError } from './errors';
import { MongoCollection } from './mongoCollection';
import { describeFailure, PROBE_TIMEOUT_MS } from './probe';
import type { Store, StoreHealth } from './store';
import { validateCollectionName } from './validation';

export interface MongoStoreOptions {
  /** `MONGODB_URI`, e.g. `mongodb://h1,h2,h3/wecom?replicaSet=rs0`. Never logged. */
  uri: string;
  /** Database name. Default: the URI's path, else `wecom_kf`. `MONGODB_DB` is resolved by the caller. */
  dbName?: string;
  /** Decides TTL expiry as seen by reads. Default {@link systemClock}. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Connection pool size per instance. Default: the URI's `maxPoolSize`, else 20. */
  maxPoolSize?: number;
  /** How long `connect` (and each operation) waits for a usable server. Default: the URI's, else 10 000 ms. */
  serverSelectionTimeoutMS?: number;
}

/** The database name in a MongoDB URI's path (`mongodb://host/<db>?...`), if any. */
export function dbNameFromUri(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/.exec(uri);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? undefined : name;
}

/**
 * The MongoDB store, on the official driver. Use a replica set when several bot instances share it
 * (leases, reservations and the inbox rely on atomic single-document updates, which any deployment
 * gives, but only a replica set gives failover and majority writes).
 *
 * @example
 * const store = await MongoStore.connect({ uri: process.env.MONGODB_URI!, dbName: process.env.MONGODB_DB });
 * const inbox = store.collection<InboxDoc>('inbox');
 * await store.close();
 */
export class MongoStore implements Store {
  readonly kind = 'mongodb' as const;
  private readonly collections = new Map<string, MongoCollection<BaseDocument>>();
  private readonly db: Db;
  readonly clock: Clock;
  private readonly logger: Logger;
  private closed = false;

  /** Wraps a client without connecting (the driver connects on first use). {@link MongoStore.connect} is the usual way. */
  constructor(
    private readonly client: MongoClient,
    dbName: string,
    options: { clock?: Clock; logger?: Logger } = {},
  ) {
    this.db = client.db(dbName);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * A client with our settings. Exported for tests that need a store without a server. The driver is
   * loaded here, on first use, not when the package is: an app on the embedded store never pays its
   * memory (about 11 MiB).
   */
  static async createClient(options: Pick<MongoStoreOptions, 'uri' | 'maxPoolSize' | 'serverSelectionTimeoutMS'>): Promise<MongoClient> {
    const { MongoClient } = await import('mongodb');
    // Options written in the URI win over our defaults (the driver would let ours win).
    const fromUri = (name: string) => new RegExp(`[?&]${name}=`, 'i').test(options.uri);
    return new MongoClient(options.uri, {
      maxPoolSize: options.maxPoolSize ?? (fromUri('maxPoolSize') ? undefined : 20),
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? (fromUri('serverSelectionTimeoutMS') ? undefined : 10_000),
      // `undefined` fields mean "absent", as in the embedded store (the driver would store null).
      ignoreUndefined: true,
      appName: 'wecom-kf-botbuilder',
    });
  }

  /** Connects and checks the server answers. Throws {@link StoreUnavailableError} (without the URI) when it does not. */
  static async connect(options: MongoStoreOptions): Promise<MongoStore> {
    const logger = options.logger ?? silentLogger;
    const dbName = options.dbName ?? dbNameFromUri(options.uri) ?? 'wecom_kf';
    let client: MongoClient;
    try {
      client = await MongoStore.createClient(options);
    } catch (e) {
      throw new StoreUnavailableError(`MONGODB_URI is not a valid connection string (${(e as Error).name})`, { cause: e });
    }
    try {
      await client.connect();
      await client.db(dbName).command({ ping: 1 });
    } catch (e) {
      await client.close().catch(() => undefined);
      throw new StoreUnavailableError((e as Error).name ?? 'unknown error', { cause: e });
    }
    logger.info({ db: dbName }, 'mongodb store connected');
    return new MongoStore(client, dbName, { clock: options.clock, logger });
  }

  collection<T extends BaseDocument>(name: string): Collection<T> {
    validateCollectionName(name);
    let c = this.collections.get(name);
    if (!c) {
      c = new MongoCollection<BaseDocument>(name, this.db.collection(name), {
        clock: this.clock,
        logger: this.logger,
        isClosed: () => this.closed,
      });
      this.collections.set(name, c);
    }
    return c as unknown as Collection<T>;
  }

  /**
   * A ping and a small write (one document per host in the `health` collection), within a short
   * timeout. Not ok when the server is unreachable, refuses writes (no primary, disk full) or is slow.
   *
   * @example
   * const { ok, reason } = await store.check();
   */
  async check(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, reason: 'the store is closed' };
    try {
      await withTimeout((async () => {
        await this.db.command({ ping: 1 });
        await this.db.collection<{ _id: string }>('health').updateOne({ _id: `probe:${os.hostname()}` }, { $set: { at: new Date(this.clock.now()) } }, { upsert: true });
      })(), PROBE_TIMEOUT_MS, 'MongoDB');
      return { ok: true };
    } catch (e) {
      // The driver's messages name hosts, never the URI's credentials.
      return { ok: false, reason: `MongoDB cannot be read or written (${describeFailure(e)})` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  /** Drops the whole database. For tests only. */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }
}
