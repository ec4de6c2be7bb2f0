import { ChannelDirectory, ChannelService, type CorpInfo } from '../channels';
import type { WeComAdapter } from '../botbuilder';

/**
 * The channels of the adapter's corps: self-built mode's one corp (always authorised), or provider
 * mode's authorised corps with the CSAs they granted; each corp's own client, and its licence
 * counting the agents. Changes refresh the store's shared directory
 * (`ChannelDirectory.for(store)`) and `directory` when given, so routing sees them in the next turn.
 *
 * @example
 * const adapter = new WeComAdapter({ store, channelOf: ChannelDirectory.for(store).channelOf });
 * createAppServer({ ..., admin: { channels: selfBuiltChannels(adapter) } });
 */
export function selfBuiltChannels(adapter: WeComAdapter, directory?: ChannelDirectory): () => Promise<ChannelService> {
  let service: Promise<ChannelService> | undefined;
  const corps = async (): Promise<readonly CorpInfo[]> => (await adapter.knownCorps()).map((c) => ({
    corpId: c.corpId, authorised: c.active, ...(c.corpName ? { name: c.corpName } : {}), ...(c.openKfIds ? { kfAccounts: c.openKfIds } : {}),
  }));
  return () => {
    service ??= adapter.store().then((store) => new ChannelService({
      store, corps, directory, logger: adapter.logger,
      clientFor: (corpId) => adapter.clientFor(corpId),
      // With licensing off (no gate) there is no licence to count agents for.
      agentsChanged: async (corpId, agents) => adapter.licenceGate && (await adapter.licensing()).setAgentCount(corpId, agents),
    }));
    service.catch(() => (service = undefined)); // the store may be back next time
    return service;
  };
}
