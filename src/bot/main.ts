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
import { isFinalRefusal, WeComAdapter } from '../wecomAdapter';
import { ReferenceBot } from './referenceBot';
import { createAppServer } from './server';
import { ChannelDirectory } from '../channels';

/**
 * `npm start`: the reference bot on WeCom. With credentials it serves the real WeCom; without, the
 * sandbox: an emulated WeCom on loopback, the bot wired to it, and a customer to chat as.
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
  if (config.mode === 'provider') {
    throw new ConfigError('WECOM_SUITE_ID', 'is set, but provider (third-party) mode is not available in this version', 'unset the WECOM_SUITE_* variables and use self-built mode (WECOM_CORP_ID, WECOM_KF_SECRET, WECOM_TOKEN, WECOM_ENCODING_AES_KEY)');
  }
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
  const world = sb ? await sb.SandboxWorld.start({ clock, logger }) : undefined;
  const sandboxRoutes = world ? await import('./sandboxRoutes.js') : undefined;
  const credentials = world
    ? { corpId: world.corp.corpId, secret: world.corp.secret, token: world.corp.token, encodingAesKey: world.corp.encodingAesKey, apiBaseUrl: world.emulator.baseUrl }
    : { corpId: config.corp!.corpId, secret: config.corp!.secret, token: config.corp!.token, encodingAesKey: config.corp!.encodingAesKey, apiBaseUrl: config.apiBaseUrl };
  // The sandbox's WeCom is on loopback: a proxy for the real WeCom must not carry its calls ('' = none).
  const httpProxy = world ? '' : config.httpProxy;
  const adapter = new WeComAdapter({ ...credentials, httpProxy, store, logger, licensing: { cron: config.licensingCron }, channelOf: ChannelDirectory.for(store).channelOf });
  adapter.onTurnError = async (context, error) => {
    logger.error({ err: error, conversation: context.activity.conversation?.id }, 'the bot failed a turn');
    if (!isFinalRefusal(error)) throw error; // an outage or a bug: let the pipeline retry the turn
  };

  const bot = new ReferenceBot();
  let started = false;
  const server = createAppServer({
    isReady: () => started,
    adapter, bot, logger, mode: config.mode, metricsToken: config.metricsToken, http: config.http,
    admin: { adminToken, testClock, afterAdvance: async () => (await adapter.licensing()).runDueJobs() },
    extraRoutes: world && sandboxRoutes ? (s) => sandboxRoutes.registerSandboxRoutes(s, world) : undefined,
    sandbox: world,
  });
  await listen(server, config.port, config.host);
  const port = (server.address() as { port: number }).port;
  await adapter.start((context) => bot.run(context));
  logger.info({ ...describeConfig(config), port, ...(world ? { apiBaseUrl: world.emulator.baseUrl, adminApi: 'enabled', testClock: true } : {}) }, 'WeChat channel ready');

  ui.chat = world && sb ? announceSandbox(sb, world, port, adminToken!, logFile) : undefined;
  started = true;
  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down: draining turns in flight');
    ui.chat?.stop();
    server.close();
    await adapter.close();
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
  if (sandbox && !config.mongodbUri) return openStore({ dataDir: join(config.dataDir, 'sandbox'), clock, logger, fresh: true });
  return openStore({ mongodbUri: config.mongodbUri, mongodbDb: config.mongodbDb, dataDir: config.dataDir, clock, logger });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function announceSandbox(sb: typeof Sandbox, world: SandboxWorld, port: number, adminToken: string, logFile: string | undefined): TerminalChat | undefined {
  world.connect(`http://127.0.0.1:${port}/api/wecom/callback`);
  const base = `http://127.0.0.1:${port}`;
  process.stdout.write([
    '',
    'Sandbox: no WeCom credentials are set, so WeCom is emulated on loopback.',
    `  web console          ${base}/   (chat as a customer, take over as an agent, run licences)`,
    `  emulated WeCom API   ${world.emulator.baseUrl}`,
    `  bot callback         ${base}/api/wecom/callback`,
    `  chat over HTTP       curl -X POST ${base}/sandbox/customers/alice/messages -H 'content-type: application/json' -d '{"text":"hello"}'`,
    `                       curl ${base}/sandbox/customers/alice/messages`,
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
