/** The runnable app in-process: WeComAdapter + restify server + emulator, on a test clock. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'restify';
import { request } from 'undici';
import { ManualClock, OffsetClock, silentLogger, type Logger } from '../../src/common';
import { ReferenceBot } from '../../src/bot/referenceBot';
import { createAppServer } from '../../src/bot/server';
import { selfBuiltChannels } from '../../src/bot/channelsWiring';
import { ChannelDirectory } from '../../src/channels';
import type { HttpServerLimits } from '../../src/config';
import { type CorpCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { openStore, type Store } from '../../src/store';
import { WeComAdapter } from '../../src/botbuilder';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface AppRig {
  base: ManualClock;
  clock: OffsetClock;
  emu: WeComEmulator;
  corp: CorpCredentials;
  kf: string;
  dataDir: string;
  store: Store;
  adapter: WeComAdapter;
  server: Server;
  url: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * `emulatorClock: 'own'` plays an independent WeCom: it keeps real time (the base clock) while the
 * app's test clock moves ahead, as a staging WeCom would while an admin rehearses an expiry.
 */
export async function appRig(options: {
  testClock?: boolean;
  adminToken?: string;
  emulatorClock?: 'shared' | 'own';
  logger?: Logger;
  /** Runs on the empty DATA_DIR before the store opens (to leave files an earlier run would have). */
  seedDataDir?: (dataDir: string) => void;
  http?: HttpServerLimits;
} = {}): Promise<AppRig> {
  const logger = options.logger ?? silentLogger;
  const base = new ManualClock(Date.UTC(2026, 5, 1, 8));
  const clock = new OffsetClock(base);
  const emu = new WeComEmulator({ clock: options.emulatorClock === 'own' ? base : clock, switches: { callbackTimeoutMs: 2000, callbackRetryDelayMs: 10 } });
  await emu.start();
  const corp = emu.addCorp();
  const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
  const dataDir = mkdtempSync(join(tmpdir(), 'wecom-app-'));
  options.seedDataDir?.(dataDir);
  const store = await openStore({ dataDir, clock, logger });
  const directory = new ChannelDirectory(async () => store);
  const adapter = new WeComAdapter({
    corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey, apiBaseUrl: emu.baseUrl,
    store, logger, sweepIntervalMs: 0, retryDelayMs: 5, licensing: { cron: '0 0 1 1 *' }, channelOf: directory.channelOf,
  });
  const bot = new ReferenceBot();
  const server = createAppServer({
    adapter, bot, logger, mode: 'self-built', http: options.http,
    admin: {
      adminToken: 'adminToken' in options ? options.adminToken : ADMIN_TOKEN,
      testClock: options.testClock === false ? undefined : clock,
      afterAdvance: async () => (await adapter.licensing()).runDueJobs(),
      channels: selfBuiltChannels(adapter, directory),
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  emu.setCallbackUrl(corp.corpId, `${url}/api/wecom/callback`);
  await adapter.start((context) => bot.run(context));
  return {
    base, clock, emu, corp, kf, dataDir, store, adapter, server, url,
    async call(method, path, body, headers = {}) {
      const res = await request(`${url}${path}`, {
        method: method as 'GET',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.body.text();
      return { status: res.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async close() {
      await adapter.close();
      server.close();
      await emu.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
