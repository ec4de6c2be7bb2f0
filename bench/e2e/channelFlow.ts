import { createServer } from 'node:http';
import { silentLogger } from '../../src/common';
import { openStore } from '../../src/store';
import { WeComAdapter } from '../../src/botbuilder';
import { type FlowCredentials, LISTEN_BACKLOG, type RunningFlow } from './flow';

/**
 * The channel as an app runs it: WeComAdapter with its default middleware (licence gate, media,
 * window), the embedded store in `dataDir`, and a bot that echoes each text. `keepForNewest: 0`:
 * the default keeps 2 of a burst's 5 shared replies for the newest message, so a burst of 5 would get
 * 4 replies; the minimal flow answers all 5, and both must do the same work.
 */
export async function startChannelFlow(c: FlowCredentials, dataDir: string): Promise<RunningFlow> {
  // STORE_ENGINE as the app reads it (unset: the default engine), so a run can compare the engines.
  const engine = process.env.STORE_ENGINE === 'nedb' || process.env.STORE_ENGINE === 'sqlite' ? process.env.STORE_ENGINE : undefined;
  const store = await openStore({ dataDir, logger: silentLogger, engine });
  const adapter = new WeComAdapter({ ...c, store, logger: silentLogger, keepForNewest: 0 });
  const bot = async (ctx: Parameters<Parameters<WeComAdapter['process']>[2]>[0]): Promise<void> => {
    if (ctx.activity.type === 'message') await ctx.sendActivity(`You said: ${ctx.activity.text}`);
  };
  const server = createServer((req, res) => void adapter.process(req, res, bot));
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: LISTEN_BACKLOG }, resolve));
  await adapter.start(bot);
  return {
    port: (server.address() as { port: number }).port,
    idle: () => adapter.idle(),
    async close() {
      await adapter.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
