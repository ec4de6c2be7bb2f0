import type { ChannelRouting } from '../adapter';
import type { Clock } from '../common';
import type { Store } from '../store';
import { ChannelRepository } from './channelRepository';

/**
 * Which channel a CSA belongs to, for the adapter's `channelOf`: read from the store once per CSA
 * and kept in memory; a change through this process's ChannelService refreshes it at once, and
 * entries older than `ttlMs` are read again (so another instance's change shows within a minute).
 *
 * `ChannelDirectory.for(store)` is the one directory of a store, which every ChannelService on that
 * store refreshes without being told about it.
 *
 * @example
 * const store = await openStore({ dataDir: './data' });
 * new WeComAdapter({ store, channelOf: ChannelDirectory.for(store).channelOf });
 */
export class ChannelDirectory {
  private static readonly byStore = new WeakMap<Store, ChannelDirectory>();

  /** The shared directory of a store. */
  static for(store: Store): ChannelDirectory {
    let directory = ChannelDirectory.byStore.get(store);
    if (!directory) {
      directory = new ChannelDirectory(async () => store, { clock: store.clock });
      ChannelDirectory.byStore.set(store, directory);
    }
    return directory;
  }

  private readonly cache = new Map<string, { at: number; routing: Promise<ChannelRouting | undefined> }>();
  private repo?: Promise<ChannelRepository>;

  constructor(private readonly store: () => Promise<Store>, private readonly options: { clock?: Clock; ttlMs?: number } = {}) {}

  /** The routing of a CSA: its channel (id, name) and department; undefined when it is in no channel. */
  readonly channelOf = (corpId: string, openKfId: string): Promise<ChannelRouting | undefined> => {
    const key = `${corpId}\n${openKfId}`;
    const now = this.options.clock?.now() ?? performance.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < (this.options.ttlMs ?? 60_000)) return hit.routing;
    const routing = this.lookup(corpId, openKfId);
    this.cache.set(key, { at: now, routing });
    routing.catch(() => this.cache.delete(key)); // a failed read is not remembered
    return routing;
  };

  /** Forgets what it knows of a corp's channels (all corps without an argument). */
  invalidate(corpId?: string): void {
    if (corpId === undefined) return this.cache.clear();
    for (const key of this.cache.keys()) if (key.startsWith(`${corpId}\n`)) this.cache.delete(key);
  }

  private async lookup(corpId: string, openKfId: string): Promise<ChannelRouting | undefined> {
    this.repo ??= this.store().then((s) => new ChannelRepository(s));
    const channel = await (await this.repo).byAccount(corpId, openKfId);
    return channel ? { channel: { id: channel.id, name: channel.name }, department: channel.department } : undefined;
  }
}
