import { ChannelDirectory, ChannelService, type CorpInfo } from '../channels';
import type { WeComAdapter } from '../wecomAdapter';

/**
 * Self-built mode's channels: the adapter's one corp, always authorised, its one client, and the
 * licence of that corp counting the agents. `directory` is the one the adapter routes with
 * (its `channelOf`), so a change shows in the next turn.
 *
 * @example
 * const directory = new ChannelDirectory(() => adapter.store());
 * const adapter = new WeComAdapter({ channelOf: directory.channelOf });
 * createAppServer({ ..., admin: { channels: selfBuiltChannels(adapter, directory) } });
 */
export function selfBuiltChannels(adapter: WeComAdapter, directory?: ChannelDirectory): () => Promise<ChannelService> {
  let service: Promise<ChannelService> | undefined;
  const corps = async (): Promise<readonly CorpInfo[]> => [{ corpId: adapter.corpId, authorised: true }];
  return () => {
    service ??= adapter.store().then((store) => new ChannelService({
      store, corps, directory, logger: adapter.logger,
      clientFor: () => adapter.client,
      // With licensing off (no gate) there is no licence to count agents for.
      agentsChanged: async (corpId, agents) => adapter.licenceGate && (await adapter.licensing()).setAgentCount(corpId, agents),
    }));
    service.catch(() => (service = undefined)); // the store may be back next time
    return service;
  };
}
