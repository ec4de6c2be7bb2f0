/**
 * Provider mode in-process: the emulator with one suite and two corps, the app (restify server,
 * suite route, multi-corp WeComAdapter, ProviderMode on the embedded store) on loopback, and an
 * echo bot that names the corp it answers for.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TurnContext } from 'botbuilder';
import type { Server } from 'restify';
import { createLogger, ManualClock, silentLogger, type Logger } from '../../src/common';
import { createAppServer } from '../../src/bot/server';
import { ProviderMode } from '../../src/provider';
import { type CorpCredentials, type SuiteCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { openStore, type Store } from '../../src/store';
import { WeComAdapter } from '../../src/botbuilder';
import { isFinalRefusal } from '../../src/channel';

export const PROVIDER_ADMIN_TOKEN = 'provider-admin-token-0123456789';

/** Replies `<corp>: <text>`; a message `wait` blocks its turn until {@link EchoBot.release}. */
export class EchoBot {
  private gate?: Promise<void>;
  private open?: () => void;
  /** Resolves when a turn started waiting. */
  waiting?: Promise<void>;
  private started?: () => void;

  holdNextWait(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
    this.waiting = new Promise((resolve) => (this.started = resolve));
  }

  release(): void {
    this.open?.();
  }

  async run(context: TurnContext): Promise<void> {
    if (context.activity.type !== 'message') return;
    const text = context.activity.text ?? '';
    if (text === 'wait' && this.gate) {
      this.started?.();
      await this.gate;
    }
    await context.sendActivity(`${context.activity.conversation.tenantId}: ${text}`);
  }
}

export interface DemoCorp {
  corp: CorpCredentials;
  kf: string;
}

export interface ProviderRig {
  clock: ManualClock;
  emu: WeComEmulator;
  suite: SuiteCredentials;
  a: DemoCorp;
  b: DemoCorp;
  store: Store;
  provider: ProviderMode;
  adapter: WeComAdapter;
  bot: EchoBot;
  url: string;
  /** Pushes a ticket and waits until the app stored it. */
  ticket(): Promise<void>;
  /** Install link → the corp's admin agrees → create_auth → exchange, until the adapter applied it. */
  install(corp: DemoCorp): Promise<{ link: string }>;
  /** The admin grants the corp's kf account to the app (kf_account_auth_change). */
  grant(corp: DemoCorp): Promise<void>;
  /** Waits for instructions, pulls and turns. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function providerRig(options: { logger?: Logger } = {}): Promise<ProviderRig> {
  const logger = options.logger ?? (process.env.RIG_LOG ? createLogger({ level: process.env.RIG_LOG }) : silentLogger);
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8));
  const emu = new WeComEmulator({ clock, switches: { callbackTimeoutMs: 5000, instructionTimeoutMs: 5000, callbackRetryDelayMs: 10 } });
  await emu.start();
  const suite = emu.provider.addSuite();
  const demo = (name: string): DemoCorp => {
    const corp = emu.addCorp();
    return { corp, kf: emu.addKfAccount(corp.corpId, { name }) };
  };
  const a = demo('Support A');
  const b = demo('Support B');
  const dataDir = mkdtempSync(join(tmpdir(), 'wecom-provider-'));
  const store = await openStore({ dataDir, clock, logger });
  const provider = ProviderMode.create({
    store, logger, suiteId: suite.suiteId, suiteSecret: suite.suiteSecret, token: suite.token, encodingAesKey: suite.encodingAesKey,
    providerCorpId: suite.providerCorpId, secretKey: randomBytes(32),
    transport: { baseUrl: emu.baseUrl, timeoutMs: 3000, backoffBaseMs: 1, backoffMaxMs: 5 },
    retry: { baseMs: 5, maxMs: 50, attempts: 3 },
  });
  const adapter = new WeComAdapter({
    provider, store, logger, apiBaseUrl: emu.baseUrl, sweepIntervalMs: 0, retryDelayMs: 5, pullRetryBaseMs: 20, licensing: { cron: '0 0 1 1 *' },
  });
  adapter.onTurnError = async (_context, error) => {
    if (!isFinalRefusal(error)) throw error;
  };
  const bot = new EchoBot();
  const server: Server = createAppServer({ adapter, bot, logger, mode: 'provider', admin: { adminToken: PROVIDER_ADMIN_TOKEN, installLink: (o) => provider.installLink(o) }, provider: { callbacks: provider.callbacks, instructions: provider.instructions } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  emu.provider.setUrls(suite.suiteId, { instructionUrl: `${url}/api/wecom/suite`, dataUrl: `${url}/api/wecom/callback` });
  await adapter.start((context) => bot.run(context));

  const settle = async (): Promise<void> => {
    await provider.instructions.idle();
    await adapter.idle();
  };
  return {
    clock, emu, suite, a, b, store, provider, adapter, bot, url, settle,
    async ticket() {
      const { delivery } = emu.provider.pushSuiteTicket(suite.suiteId);
      expect((await delivery).delivered).toBe(true);
      await provider.instructions.idle();
    },
    async install(corp) {
      const { url: link, preAuthCode } = await provider.installLink({ redirectUri: 'https://bot.example.com/installed', state: 'demo' });
      const installed = emu.provider.authorise(corp.corp.corpId, preAuthCode, { corpName: corp.corp.corpId });
      expect((await installed.delivery).delivered).toBe(true);
      await settle();
      return { link };
    },
    async grant(corp) {
      expect((await emu.provider.grantKfAccounts(corp.corp.corpId, { add: [corp.kf] }, suite.suiteId)).delivered).toBe(true);
      await settle();
    },
    async close() {
      server.close();
      await adapter.close();
      await provider.close();
      await store.close();
      await emu.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
