import { DuplicateKeyError, type BaseDocument, type Collection, type Store } from '../store';
import type { Channel } from './channel';
import { ChannelConflictError, ChannelNotFoundError } from './channelErrors';

interface ChannelDoc extends BaseDocument, Omit<Channel, 'agents' | 'chatLink'> {
  agents: string[];
  chatLink?: string;
  /** Bumped by every agent change: a change applies only to the version it read (no lost updates between instances). */
  agentsVersion: number;
}

/** Channels in the store (`channels`): unique per (corp, id) and per (corp, CSA). Ids are compared exactly. */
export class ChannelRepository {
  private readonly docs: Collection<ChannelDoc>;
  private indexed?: Promise<void>;

  constructor(store: Store) {
    this.docs = store.collection<ChannelDoc>('channels');
  }

  private ready(): Promise<void> {
    this.indexed ??= (async () => {
      await this.docs.createIndex({ keys: { corpId: 1, id: 1 }, unique: true });
      await this.docs.createIndex({ keys: { corpId: 1, openKfId: 1 }, unique: true });
    })();
    return this.indexed;
  }

  async insert(channel: Channel): Promise<Channel> {
    await this.ready();
    try {
      await this.docs.insertOne({ ...channel, agents: [...channel.agents], agentsVersion: 0 });
    } catch (e) {
      if (!(e instanceof DuplicateKeyError)) throw e;
      const taken = await this.byAccount(channel.corpId, channel.openKfId);
      if (taken) throw new ChannelConflictError(channel.corpId, channel.openKfId, taken.id);
      throw e; // an id collision: 72 random bits, so practically never
    }
    return channel;
  }

  async get(corpId: string, id: string): Promise<Channel> {
    await this.ready();
    const doc = await this.docs.findOne({ corpId, id });
    if (!doc) throw new ChannelNotFoundError(corpId, id);
    return toChannel(doc);
  }

  async byAccount(corpId: string, openKfId: string): Promise<Channel | undefined> {
    await this.ready();
    const doc = await this.docs.findOne({ corpId, openKfId });
    return doc ? toChannel(doc) : undefined;
  }

  async list(corpId?: string): Promise<Channel[]> {
    await this.ready();
    return (await this.docs.find(corpId === undefined ? {} : { corpId }, { sort: { corpId: 1, createdAt: 1 } })).map(toChannel);
  }

  /** Sets fields of one channel and returns it; {@link ChannelNotFoundError} when it is gone. */
  async update(corpId: string, id: string, set: Partial<Pick<Channel, 'name' | 'department' | 'chatLink' | 'updatedAt'>>): Promise<Channel> {
    await this.ready();
    // Only the fields given: an undefined value is no change (the store refuses undefined anyway).
    const fields: Partial<ChannelDoc> = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
    const doc = await this.docs.findOneAndUpdate({ corpId, id }, { $set: fields }, { returnDocument: 'after' });
    if (!doc) throw new ChannelNotFoundError(corpId, id);
    return toChannel(doc);
  }

  /**
   * Replaces the agents with `change(current)`, atomically against other changes: it re-reads and
   * tries again when another change came in between (the store has no `$addToSet`/`$pull`).
   */
  async changeAgents(corpId: string, id: string, change: (agents: readonly string[]) => string[], updatedAt: string): Promise<Channel> {
    await this.ready();
    for (let attempt = 0; ; attempt++) {
      const doc = await this.docs.findOne({ corpId, id });
      if (!doc) throw new ChannelNotFoundError(corpId, id);
      const version = doc.agentsVersion;
      const updated = await this.docs.findOneAndUpdate(
        { corpId, id, agentsVersion: version },
        { $set: { agents: change(doc.agents), updatedAt, agentsVersion: version + 1 } },
        { returnDocument: 'after' },
      );
      if (updated) return toChannel(updated);
      if (attempt >= 20) throw new Error(`channel ${id}: agents changed concurrently too often, try again`);
    }
  }

  async delete(corpId: string, id: string): Promise<void> {
    await this.ready();
    const { deletedCount } = await this.docs.deleteMany({ corpId, id });
    if (deletedCount === 0) throw new ChannelNotFoundError(corpId, id);
  }
}

function toChannel(doc: ChannelDoc): Channel {
  const { _id: _ignored, agentsVersion: _version, ...channel } = doc;
  return { ...channel, agents: [...channel.agents] };
}
