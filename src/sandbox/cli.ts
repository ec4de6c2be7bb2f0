#!/usr/bin/env node
/**
 * `wecom-kf-sandbox`: an emulated WeCom on loopback that calls a developer's own bot, and a
 * WeChat customer to chat as from the terminal. No WeCom account needed.
 *
 *   npx wecom-kf-sandbox --bot http://127.0.0.1:3978/api/wecom/callback
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../common';
import { LogSink } from './logSink';
import { SANDBOX_AGENT, SandboxWorld } from './sandboxWorld';
import { CHAT_HELP, startTerminalChat, type TerminalChat } from './terminalChat';

/** The emulator's port unless `--port` says otherwise: fixed, so the bot's settings stay the same between runs. */
const DEFAULT_SANDBOX_PORT = 3979;
const DEFAULT_BOT = 'http://127.0.0.1:3978/api/wecom/callback';

const usage = `Usage: wecom-kf-sandbox [--bot <url>] [--port <n>] [--customer <id>]

Runs an emulated WeCom (WeChat Customer Service API) on 127.0.0.1 and lets you chat with your bot
as a WeChat customer. Start your bot with the WECOM_* settings it prints.

  --bot <url>        your bot's WeCom callback URL (default ${DEFAULT_BOT})
  --port <n>         the emulated WeCom's port (default ${DEFAULT_SANDBOX_PORT}; 0: any free port)
  --customer <id>    the customer's external_userid (default wm_sandbox_customer)
  -h, --help         this text`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bot: { type: 'string', default: DEFAULT_BOT },
      port: { type: 'string', default: String(DEFAULT_SANDBOX_PORT) },
      customer: { type: 'string', default: 'wm_sandbox_customer' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not ${values.port}`);
  const bot = parseBotUrl(values.bot);

  // Warnings from the emulator are shown above the chat prompt, never in the middle of it.
  const ui: { chat?: TerminalChat } = {}; // the chat starts after the logger that notifies it
  const logger = createLogger({ level: 'warn', name: 'wecom-kf-sandbox', destination: new LogSink({ write: () => undefined }, (summary) => ui.chat?.notice(summary)) });
  const world = await SandboxWorld.start({ port, logger }).catch((e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    throw code === 'EADDRINUSE' ? new UsageError(`port ${port} is in use (another sandbox?); pick another with --port`) : e;
  });
  world.connect(bot);

  const settings = Object.entries(world.settings()).map(([k, v]) => `${k}=${v}`);
  process.stdout.write([
    `Emulated WeCom on ${world.emulator.baseUrl}, calling your bot at ${bot}.`,
    'Start your bot with these settings (the same at every run on this port), e.g. in its .env:',
    '',
    ...settings,
    '',
    `After a handoff, the human agent (${SANDBOX_AGENT}) is you: /agent <text>, then /end.`,
    CHAT_HELP,
    '',
  ].join('\n') + '\n');

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    ui.chat?.stop();
    await world.stop();
    process.exit(0);
  };
  ui.chat = startTerminalChat(world, { customerId: values.customer, onQuit: () => void stop() });
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** A mistake in how the command was called: printed with the usage, no stack. */
class UsageError extends Error {}

function parseBotUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--bot must be a URL such as ${DEFAULT_BOT}, not ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--bot must be an http(s) URL, not ${value}`);
  return url.toString();
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const usageError = e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(usageError ? `wecom-kf-sandbox: ${(e as Error).message}\n\n${usage}\n` : `wecom-kf-sandbox failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(usageError ? 2 : 1);
});
