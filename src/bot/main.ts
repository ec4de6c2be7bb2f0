import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Server } from 'restify';
import { OffsetClock, systemClock } from '../common/clock';
import { ConfigError, isChannelError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { type ChannelConfig, describeConfig, loadConfig } from '../config';
import type * as Sandbox from '../sandbox';
import type { SandboxWorld, TerminalChat } from '../sandbox';
import { openStore, type Store } from '../store';
import { ProviderMode } from '../provider';
import { WeComAdapter } from '../botbuilder';
import { isFinalRefusal } from '../channel';
import { ReferenceBot } from './referenceBot';
import type { InstalledDemoCorp } from './sandboxProvider';
import { createAppServer } from './server';
import { ChannelDirectory } from '../channels';

/**
 * `npm start`: the reference bot on WeCom. With `WECOM_CORP_ID` and its secret it serves one corp
 * (self-built); with `WECOM_SUITE_*` every corp that authorises the suite (provider mode); without
 * credentials, the sandbox: an emulated WeCom on loopback in provider mode, two demo corps that
 * install the app, and customers to chat as.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const sandbox = config.mode === 'sandbox';
  // A person chatting in this terminal: logs go to a file (known once the store's lock is held), so
  // log lines never break into the prompt; until then they are held.
  const chatting = sandbox && process.stdin.isTTY === true;
  // The sandbox (an emulated WeCom, the terminal chat) is loaded in sandbox mode only: a real
  // deployment never pays its memory. `import()` of a CommonJS file wants the file's own name.
  const sb = sandbox ? await import('../sandbox/index.js') : undefined;
  const logSink = sb ? new sb.LogSink(chatting ? undefined : process.stdout) : undefined;
  const logger = createLogger({ level: config.logLevel, destination: logSink ?? process.stdout });
  const testClock = sandbox || config.testClock ? new OffsetClock(systemClock) : undefined;
  const clock = testClock ?? systemClock;
  const adminToken = config.adminToken ?? (sandbox ? randomBytes(18).toString('base64url') : undefined);
  if (adminToken && adminToken.length < 16) logger.warn('ADMIN_TOKEN is shorter than 16 characters: anyone who guesses it controls licences and credits');

  // The store first: in the sandbox it takes the data-dir lock before wiping, so a second start
  // on the same DATA_DIR stops here and leaves the running sandbox's data alone.
  const store = await openAppStore(config, clock, sandbox, logger);
  const logFile = chatting ? join(config.dataDir, 'sandbox', 'sandbox.log') : undefined;
  const ui: { chat?: TerminalChat } = {}; // the chat starts after the logger that notifies it
  if (logFile) logSink?.redirect(pino.destination({ dest: logFile, sync: true, mkdir: true, append: false }), (summary) => ui.chat?.notice(`${summary} (log: ${logFile})`));
  // The sandbox shows provider mode: one suite, two demo corps that install it.
  const world = sb ? await sb.SandboxWorld.start({ clock, logger, provider: true }) : undefined;
  const sandboxRoutes = world ? await import('./sandboxRoutes.js') : undefined;
  const apiBaseUrl = world ? world.emulator.baseUrl : config.apiBaseUrl;
  // The sandbox's WeCom is on loopback: a proxy for the real WeCom must not carry its calls ('' = none).
  const httpProxy = world ? '' : config.httpProxy;
  const provider = providerModeOf(config, world, { store, logger, apiBaseUrl, httpProxy });
  const credentials = provider ? { provider } : { ...config.corp! };
  const adapter = new WeComAdapter({
    ...credentials, apiBaseUrl, httpProxy, store, logger, licensing: { cron: config.licensingCron }, channelOf: ChannelDirectory.for(store).channelOf,
  });
  // Auth codes that arrived before a restart but were not exchanged yet.
  await provider?.instructions.resume();
  adapter.onTurnError = async (context, error) => {
    logger.error({ err: error, conversation: context.activity.conversation?.id }, 'the bot failed a turn');
    if (!isFinalRefusal(error)) throw error; // an outage or a bug: let the pipeline retry the turn
  };

  const bot = new ReferenceBot();
  let started = false;
  const server = createAppServer({
    isReady: () => started,
    adapter, bot, logger, mode: config.mode, metricsToken: config.metricsToken, http: config.http,
    admin: {
      adminToken, testClock, afterAdvance: async () => (await adapter.licensing()).runDueJobs(),
      installLink: provider ? (o) => provider.installLink(o) : undefined,
    },
    extraRoutes: world && sandboxRoutes ? (s) => sandboxRoutes.registerSandboxRoutes(s, world) : undefined,
    provider: provider ? { callbacks: provider.callbacks, instructions: provider.instructions } : undefined,
    sandbox: world,
  });
  await listen(server, config.port, config.host);
  const port = (server.address() as { port: number }).port;
  await adapter.start((context) => bot.run(context));
  let demoCorps: InstalledDemoCorp[] = [];
  if (world && provider) {
    const base = `http://127.0.0.1:${port}`;
    world.connectProvider(base);
    demoCorps = await (await import('./sandboxProvider.js')).installDemoCorps({ world, provider, adapter, base, logger });
  }
  logger.info({ ...describeConfig(config), port, ...(world ? { mode: 'sandbox (provider)', apiBaseUrl: world.emulator.baseUrl, adminApi: 'enabled', testClock: true } : {}) }, 'WeChat channel ready');

  ui.chat = world && sb ? announceSandbox(sb, world, port, adminToken!, logFile, demoCorps) : undefined;
  started = true;
  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down: draining turns in flight');
    ui.chat?.stop();
    server.close();
    await adapter.close();
    await provider?.close();
    await store.close();
    await world?.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * The sandbox's WeCom forgets everything at each start, so its store does too (a folder of its own,
 * emptied only once its lock is held: a second start fails with StoreLockedError and wipes nothing).
 */
async function openAppStore(config: ChannelConfig, clock: OffsetClock | typeof systemClock, sandbox: boolean, logger: Logger): Promise<Store> {
  if (sandbox && !config.mongodbUri) return openStore({ dataDir: join(config.dataDir, 'sandbox'), engine: config.storeEngine, clock, logger, fresh: true });
  return openStore({ mongodbUri: config.mongodbUri, mongodbDb: config.mongodbDb, dataDir: config.dataDir, engine: config.storeEngine, clock, logger });
}

/**
 * Provider mode's parts, from `WECOM_SUITE_*` and `WECOM_SECRET_KEY`, or the sandbox's suite (its
 * store is fresh at each start, so a key made up now seals its permanent codes). Undefined in
 * self-built mode.
 */
function providerModeOf(
  config: ChannelConfig, world: SandboxWorld | undefined, o: { store: Store; logger: Logger; apiBaseUrl: string; httpProxy?: string },
): ProviderMode | undefined {
  const transport = { baseUrl: o.apiBaseUrl, connections: config.apiConnections, proxyUrl: o.httpProxy || undefined, logger: o.logger };
  if (world?.suite) {
    const s = world.suite;
    return ProviderMode.create({
      store: o.store, logger: o.logger, transport, suiteId: s.suiteId, suiteSecret: s.suiteSecret, token: s.token, encodingAesKey: s.encodingAesKey,
      providerCorpId: s.providerCorpId, secretKey: randomBytes(32),
    });
  }
  const s = config.suite;
  if (!s) return undefined;
  return ProviderMode.create({
    store: o.store, logger: o.logger, transport, suiteId: s.suiteId, suiteSecret: s.secret, token: s.token, encodingAesKey: s.encodingAesKey,
    providerCorpId: s.providerCorpId, secretKey: s.secretKey,
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function announceSandbox(
  sb: typeof Sandbox, world: SandboxWorld, port: number, adminToken: string, logFile: string | undefined, demoCorps: readonly InstalledDemoCorp[],
): TerminalChat | undefined {
  const base = `http://127.0.0.1:${port}`;
  process.stdout.write([
    '',
    'Sandbox: no WeCom credentials are set, so WeCom is emulated on loopback, in provider mode: a',
    'third-party app (suite) that two demo corps installed, each granting it one kf account.',
    `  web console          ${base}/   (chat as a customer, take over as an agent, run licences)`,
    `  emulated WeCom API   ${world.emulator.baseUrl}`,
    `  suite callbacks      ${base}/api/wecom/suite   (suite_ticket pushed, install events)`,
    `  data callbacks       ${base}/api/wecom/callback   (every corp, routed by corp id)`,
    ...demoCorps.flatMap((c) => [
      `  ${`${c.name} (${c.key})`.padEnd(20)} corp ${c.corpId}, kf account ${c.openKfId}`,
      `                       install link its admin opened: ${c.installLink}`,
    ]),
    `  chat over HTTP       curl -X POST ${base}/sandbox/customers/alice/messages -H 'content-type: application/json' -d '{"text":"hello"}'`,
    `                       curl ${base}/sandbox/customers/alice/messages`,
    `  a customer of B      curl -X POST '${base}/sandbox/customers/bob/messages?corp=b' -H 'content-type: application/json' -d '{"text":"hi"}'`,
    `  send a file          curl -F media=@cat.png '${base}/sandbox/customers/alice/messages?type=image'`,
    `  admin API            Authorization: Bearer ${adminToken}`,
    `                       curl -H 'Authorization: Bearer ${adminToken}' ${base}/admin/v1/corps/${world.corp.corpId}/licence`,
    ...(logFile ? [`  logs                 ${logFile}   (tail -f it in another terminal; warnings also show here)`] : []),
    '',
  ].join('\n') + '\n');
  if (!logFile) return undefined;
  process.stdout.write(`${sb.CHAT_HELP}\n\n`);
  return sb.startTerminalChat(world);
}

main().catch((e: unknown) => {
  // Our own errors say what to do; a stack trace would only bury that.
  const message = e instanceof ConfigError ? `Configuration error: ${e.message}`
    : isChannelError(e) ? `Failed to start: ${e.message}`
    : `Failed to start: ${(e as Error).stack ?? String(e)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
