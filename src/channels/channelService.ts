import { randomBytes } from 'node:crypto';
import type { Clock, Logger } from '../common';
import type { Store } from '../store';
import type { WeComClient } from '../wecom';
import type { AgentResult, Channel, CorpInfo } from './channel';
import { ChannelDirectory } from './channelDirectory';
import { messageButtonHtml, qrPng, qrSvg } from './channelLinks';
import { ChannelRepository } from './channelRepository';
import { defaultAvatarPng } from './defaultAvatar';
import { isManaged, listAllAccounts, requireCorp, requireCsa, withPrerequisites } from './prerequisites';

export interface ChannelServiceOptions {
  readonly store: Store;
  /** The WeCom client of a corp (self-built mode: the adapter's one client). */
  readonly clientFor: (corpId: string) => Promise<WeComClient> | WeComClient;
  /** The corps this deployment serves (self-built mode: the one corp, authorised). */
  readonly corps: () => Promise<readonly CorpInfo[]>;
  /** Told the number of distinct agents of a corp's channels after every change (the licence counts them). */
  readonly agentsChanged?: (corpId: string, agents: number) => Promise<unknown>;
  /** Refreshed on every change, so routing sees it at once. The store's shared one (`ChannelDirectory.for(store)`) always is. */
  readonly directory?: ChannelDirectory;
  /** Default the store's clock. */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface CreateChannelInput {
  readonly corpId: string;
  readonly name: string;
  readonly department: string;
  /** An existing CSA to link. Absent: a new CSA is created, named after the channel (first 16 characters). */
  readonly openKfId?: string;
  /** Agents to assign at once. */
  readonly agents?: readonly string[];
}

/** A CSA of a corp as the admin sees it. */
export interface AccountView {
  readonly openKfId: string;
  readonly name: string;
  /** Whether this app manages it (channels can only use those). */
  readonly managed: boolean;
  readonly channelId?: string;
}

/**
 * Channels: a CSA of a corp, the department that handles its chats, and the agents who serve it.
 * Every WeCom refusal that means a missing prerequisite becomes a typed {@link PrerequisiteError}.
 *
 * @example
 * const channels = new ChannelService({ store, clientFor: () => adapter.client, corps: async () => [{ corpId, authorised: true }] });
 * const channel = await channels.create({ corpId, name: 'Sales', department: 'sales', openKfId: 'wk1' });
 * await channels.assignAgents(corpId, channel.id, ['alice']);
 * const link = await channels.chatLink(corpId, channel.id);
 */
export class ChannelService {
  private readonly repo: ChannelRepository;
  private readonly clock: Clock;

  constructor(private readonly o: ChannelServiceOptions) {
    this.repo = new ChannelRepository(o.store);
    this.clock = o.clock ?? o.store.clock;
  }

  /** The corps this deployment serves. */
  corps(): Promise<readonly CorpInfo[]> {
    return this.o.corps();
  }

  /** The corp's CSAs (`kf/account/list`), with the channel each belongs to. */
  async accounts(corpId: string): Promise<AccountView[]> {
    const corp = await requireCorp(this.o.corps, corpId);
    const accounts = await listAllAccounts(await this.o.clientFor(corpId), corpId);
    const channels = new Map((await this.repo.list(corpId)).map((c) => [c.openKfId, c.id]));
    return accounts.map((a) => ({
      openKfId: a.open_kfid,
      name: a.name,
      managed: isManaged(corp, a),
      ...(channels.has(a.open_kfid) ? { channelId: channels.get(a.open_kfid) } : {}),
    }));
  }

  /** Creates a CSA in WeCom (`kf/account/add`, with a generated avatar); the app manages what it creates. */
  async createAccount(corpId: string, name: string): Promise<{ openKfId: string }> {
    await requireCorp(this.o.corps, corpId);
    const client = await this.o.clientFor(corpId);
    return withPrerequisites(corpId, undefined, async () => {
      const avatar = await client.uploadMedia({ type: 'image', bytes: defaultAvatarPng(), filename: 'avatar.png', contentType: 'image/png' });
      const { open_kfid } = await client.addAccount({ name, media_id: avatar.media_id });
      return { openKfId: open_kfid };
    });
  }

  async create(input: CreateChannelInput): Promise<{ channel: Channel; agents: AgentResult[] }> {
    const corp = await requireCorp(this.o.corps, input.corpId);
    const client = await this.o.clientFor(input.corpId);
    const openKfId = input.openKfId ?? (await this.createAccount(input.corpId, [...input.name].slice(0, 16).join(''))).openKfId;
    await requireCsa(corp, client, openKfId);
    const now = new Date(this.clock.now()).toISOString();
    const channel = await this.repo.insert({
      id: newChannelId(), corpId: input.corpId, name: input.name, openKfId, department: input.department, agents: [], createdAt: now, updatedAt: now,
    });
    this.changed(input.corpId);
    if (!input.agents?.length) return { channel, agents: [] };
    return this.assignAgents(input.corpId, channel.id, input.agents);
  }

  list(corpId?: string): Promise<Channel[]> {
    return this.repo.list(corpId);
  }

  get(corpId: string, id: string): Promise<Channel> {
    return this.repo.get(corpId, id);
  }

  async update(corpId: string, id: string, change: { name?: string; department?: string }): Promise<Channel> {
    const channel = await this.repo.update(corpId, id, { ...change, updatedAt: new Date(this.clock.now()).toISOString() });
    this.changed(corpId);
    return channel;
  }

  /** Deletes the channel; its agents stop serving the CSA (`kf/servicer/del`) and leave the licence count. */
  async delete(corpId: string, id: string): Promise<void> {
    const channel = await this.repo.get(corpId, id);
    if (channel.agents.length > 0) {
      const client = await this.o.clientFor(corpId);
      await withPrerequisites(corpId, channel.openKfId, () => client.delServicers({ open_kfid: channel.openKfId, userid_list: channel.agents }))
        .catch((e: unknown) => this.o.logger?.warn({ err: e, corpId, channelId: id }, 'could not remove the agents of a deleted channel from its CSA'));
    }
    await this.repo.delete(corpId, id);
    this.changed(corpId);
    await this.countAgents(corpId);
  }

  /**
   * Makes users servicers of the channel's CSA (`kf/servicer/add`, at most 100 per call). Users WeCom
   * refuses are reported with its errcode and not assigned; the others are.
   */
  async assignAgents(corpId: string, id: string, userIds: readonly string[]): Promise<{ channel: Channel; agents: AgentResult[] }> {
    return this.changeAgents(corpId, id, userIds, 'add');
  }

  /** Stops users serving the channel's CSA (`kf/servicer/del`). */
  async unassignAgents(corpId: string, id: string, userIds: readonly string[]): Promise<{ channel: Channel; agents: AgentResult[] }> {
    return this.changeAgents(corpId, id, userIds, 'del');
  }

  /**
   * The channel's agents as WeCom sees them (`kf/servicer/list`): whether each is receiving, and
   * servicers of the CSA that were added in WeCom rather than here (`assigned: false`).
   */
  async agentStatus(corpId: string, id: string): Promise<{ userId: string; assigned: boolean; receiving: boolean }[]> {
    const channel = await this.repo.get(corpId, id);
    const client = await this.o.clientFor(corpId);
    const servicers = await withPrerequisites(corpId, channel.openKfId, () => client.listServicers(channel.openKfId));
    const seen = new Map(servicers.filter((s) => s.userid !== undefined).map((s) => [s.userid!, s.status === 0]));
    const userIds = [...new Set([...channel.agents, ...seen.keys()])].sort();
    return userIds.map((userId) => ({ userId, assigned: channel.agents.includes(userId), receiving: seen.get(userId) ?? false }));
  }

  /** The customer-facing chat link: `kf/add_contact_way` with the channel id as `scene`, cached on the channel. */
  async chatLink(corpId: string, id: string): Promise<string> {
    const channel = await this.repo.get(corpId, id);
    if (channel.chatLink) return channel.chatLink;
    const client = await this.o.clientFor(corpId);
    const { url } = await withPrerequisites(corpId, channel.openKfId, () => client.addContactWay({ open_kfid: channel.openKfId, scene: channel.id }));
    await this.repo.update(corpId, id, { chatLink: url });
    return url;
  }

  async qrPng(corpId: string, id: string): Promise<Buffer> {
    return qrPng(await this.chatLink(corpId, id));
  }

  async qrSvg(corpId: string, id: string): Promise<string> {
    return qrSvg(await this.chatLink(corpId, id));
  }

  async buttonHtml(corpId: string, id: string, label?: string): Promise<string> {
    const chatLink = await this.chatLink(corpId, id);
    return messageButtonHtml({ name: (await this.repo.get(corpId, id)).name, chatLink }, { label });
  }

  /** Distinct agents over the corp's channels: what a licence year counts. */
  async agentCount(corpId: string): Promise<number> {
    return new Set((await this.repo.list(corpId)).flatMap((c) => c.agents)).size;
  }

  private async changeAgents(corpId: string, id: string, userIds: readonly string[], op: 'add' | 'del'): Promise<{ channel: Channel; agents: AgentResult[] }> {
    const channel = await this.repo.get(corpId, id);
    const client = await this.o.clientFor(corpId);
    const wanted = [...new Set(userIds)];
    const results: AgentResult[] = [];
    for (let i = 0; i < wanted.length; i += 100) {
      const userid_list = wanted.slice(i, i + 100);
      const req = { open_kfid: channel.openKfId, userid_list };
      const rows = await withPrerequisites(corpId, channel.openKfId, () => (op === 'add' ? client.addServicers(req) : client.delServicers(req)));
      for (const userId of userid_list) {
        const row = rows.find((r) => r.userid === userId);
        // A user WeCom did not list was not refused: servicer/add answers per user only when asked.
        results.push(!row || row.errcode === 0 ? { userId, ok: true } : { userId, ok: false, errcode: row.errcode, message: row.errmsg });
      }
    }
    const done = new Set(results.filter((r) => r.ok).map((r) => r.userId));
    const change = (current: readonly string[]): string[] =>
      (op === 'add' ? [...new Set([...current, ...done])] : current.filter((a) => !done.has(a))).sort();
    const updated = await this.repo.changeAgents(corpId, id, change, new Date(this.clock.now()).toISOString());
    await this.countAgents(corpId);
    return { channel: updated, agents: results };
  }

  private changed(corpId: string): void {
    this.o.directory?.invalidate(corpId);
    ChannelDirectory.for(this.o.store).invalidate(corpId);
  }

  private async countAgents(corpId: string): Promise<void> {
    await this.o.agentsChanged?.(corpId, await this.agentCount(corpId));
  }
}

/** 14 characters of `[A-Za-z0-9_-]` (72 random bits): fits the 32-byte `scene` of a chat link. */
function newChannelId(): string {
  return `ch${randomBytes(9).toString('base64url')}`;
}
