/** The app as `npm start` runs it in the sandbox (emulator, sandbox routes, console), and a real headless Chromium. */
import type { Server as NodeHttpServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Server } from 'restify';
import { ManualClock, OffsetClock, silentLogger } from '../../src/common';
import { ReferenceBot } from '../../src/bot/referenceBot';
import { registerSandboxRoutes } from '../../src/bot/sandboxRoutes';
import { type Bot, createAppServer } from '../../src/bot/server';
import { SandboxWorld } from '../../src/sandbox';
import { openStore, type Store } from '../../src/store';
import { WeComAdapter } from '../../src/botbuilder';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildConsole } = require('../../scripts/buildConsole.js') as { buildConsole: (outDir?: string) => string };

export const CONSOLE_TOKEN = 'console-test-token-0123456789';
export const CHROMIUM = '/usr/bin/chromium';
export const RESULTS = join(__dirname, '..', '..', 'test-results');

export interface ConsoleRig {
  world: SandboxWorld;
  clock: OffsetClock;
  store: Store;
  adapter: WeComAdapter;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Builds the bundle the server serves (dist/console, as `npm run build` does), from the sources now. */
export function buildAssets(): string {
  return buildConsole();
}

/** `real: true` serves the console as a real deployment does: no customer view, and a sign-in. */
export async function consoleRig(options: { real?: boolean; bot?: Bot } = {}): Promise<ConsoleRig> {
  const logger = silentLogger;
  const clock = new OffsetClock(new ManualClock(Date.UTC(2026, 5, 1, 8)));
  const world = await SandboxWorld.start({ clock, logger });
  const dataDir = mkdtempSync(join(tmpdir(), 'wecom-console-'));
  const store = await openStore({ dataDir, clock, logger });
  const adapter = new WeComAdapter({ ...settingsOf(world), store, logger, sweepIntervalMs: 0, retryDelayMs: 5, licensing: { cron: '0 0 1 1 *' } });
  const bot = options.bot ?? new ReferenceBot();
  const server = createAppServer({
    adapter, bot, logger, mode: options.real ? 'self-built' : 'sandbox', sandbox: options.real ? undefined : world,
    admin: { adminToken: CONSOLE_TOKEN, testClock: clock, afterAdvance: async () => (await adapter.licensing()).runDueJobs() },
    extraRoutes: (s) => registerSandboxRoutes(s, world),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  world.connect(`${url}/api/wecom/callback`);
  await adapter.start((context) => bot.run(context));
  return {
    world, clock, store, adapter, server, url,
    async close() {
      await adapter.close();
      (server.server as NodeHttpServer).closeAllConnections(); // the page's event stream
      server.close();
      await world.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function settingsOf(world: SandboxWorld) {
  return { corpId: world.corp.corpId, secret: world.corp.secret, token: world.corp.token, encodingAesKey: world.corp.encodingAesKey, apiBaseUrl: world.emulator.baseUrl };
}

/** Debian's Chromium, headless, with nothing reaching beyond loopback. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it on a fresh machine)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Saves what the page shows under test-results/ (gitignored), for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
}
