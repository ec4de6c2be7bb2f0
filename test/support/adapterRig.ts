/**
 * A WeComAdapter wired to the emulator over loopback, as in production: the emulator POSTs
 * encrypted callbacks to a real node:http server that calls adapter.process, and the adapter
 * talks back through the real client. Nothing of ours is mocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TurnContext } from 'botbuilder';
import { ManualClock } from '../../src/common';
import { type BotLogic, WeComAdapterBase, type WeComAdapterOptions } from '../../src/adapter';
import { type CorpCredentials, type EmulatorSwitches, WeComEmulator } from '../../src/sandbox/emulator';
import { openStore, type Store } from '../../src/store';

export const T0 = Date.UTC(2026, 2, 1, 8);

export interface AdapterRig {
  clock: ManualClock;
  emu: WeComEmulator;
  corp: CorpCredentials;
  kf: string;
  store: Store;
  dataDir: string;
  adapter: WeComAdapterBase;
  server: Server;
  callbackUrl: string;
  /** Replaces the bot logic the server passes to process(). */
  setBot(logic: BotLogic): void;
  /** A new adapter instance on the same store and emulator (a restart, or a second instance). */
  newAdapter(options?: Partial<WeComAdapterOptions>): WeComAdapterBase;
  close(): Promise<void>;
}

export interface RigOptions {
  switches?: Partial<EmulatorSwitches>;
  adapter?: Partial<WeComAdapterOptions>;
  adapterClass?: new (options: WeComAdapterOptions) => WeComAdapterBase;
  bot?: BotLogic;
  store?: Store;
  dataDir?: string;
  /**
   * Presents the store as one several processes share (as MongoDB is), so the adapter takes its sync
   * and turns leases; the embedded store is one process's alone (its DATA_DIR lock), and needs none.
   */
  sharedStore?: boolean;
}

export const echoBot: BotLogic = async (context: TurnContext) => {
  if (context.activity.type === 'message') await context.sendActivity(`You said: ${context.activity.text}`);
};

export async function adapterRig(options: RigOptions = {}): Promise<AdapterRig> {
  const clock = new ManualClock(T0);
  const emu = new WeComEmulator({ clock, switches: { callbackTimeoutMs: 2000, callbackRetryDelayMs: 10, ...options.switches } });
  await emu.start();
  const corp = emu.addCorp();
  const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wecom-adapter-'));
  const opened = options.store ?? (await openStore({ dataDir, clock }));
  const store = options.sharedStore ? asShared(opened) : opened;
  const Adapter = options.adapterClass ?? WeComAdapterBase;
  const adapters: WeComAdapterBase[] = [];
  const newAdapter = (extra: Partial<WeComAdapterOptions> = {}): WeComAdapterBase => {
    const a = new Adapter({
      corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey,
      apiBaseUrl: emu.baseUrl, store, sweepIntervalMs: 0, retryDelayMs: 5, requestTimeoutMs: 3000,
      ...options.adapter, ...extra,
    });
    adapters.push(a);
    return a;
  };
  let bot: BotLogic = options.bot ?? echoBot;
  const rig: Partial<AdapterRig> = {};
  rig.adapter = newAdapter();
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/wecom/callback')) void rig.adapter!.process(req, res, (ctx) => bot(ctx));
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/wecom/callback`;
  emu.setCallbackUrl(corp.corpId, callbackUrl);
  return Object.assign(rig, {
    clock, emu, corp, kf, store, dataDir, server, callbackUrl, newAdapter,
    setBot: (logic: BotLogic) => void (bot = logic),
    close: async () => {
      for (const a of adapters) await a.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await emu.stop();
      if (!options.store) await store.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  }) as AdapterRig;
}

/** The same store, reporting itself as shared by processes (MongoDB's kind). */
function asShared(inner: Store): Store {
  return {
    kind: 'mongodb',
    get clock() {
      return inner.clock;
    },
    collection: (name) => inner.collection(name),
    check: () => inner.check(),
    close: () => inner.close(),
  };
}

/** Texts the emulator's customer received, in order. */
export function receivedTexts(rig: AdapterRig, externalUserId?: string): string[] {
  return rig.emu.received(rig.corp.corpId, externalUserId).map((m) => {
    const p = m.payload as { content?: string; head_content?: string };
    return p.content ?? p.head_content ?? `[${m.msgtype}]`;
  });
}
