/**
 * A WeComAdapter wired to the emulator over loopback, as in production: the emulator POSTs
 * encrypted callbacks to a real node:http server that calls adapter.process, and the adapter
 * talks back through the real client. Nothing of ours is mocked.
 *
 * `shell: 'agents'` runs the same channel through the Microsoft 365 Agents SDK shell instead
 * (`wecom-kf-botbuilder/agents`): then the rig's adapter is that shell and the bot takes its
 * TurnContext.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TurnContext } from 'botbuilder';
import { ManualClock } from '../../src/common';
import type { WeComAdapterOptions } from '../../src/adapter';
import { type BotLogic, WeComAdapterBase } from '../../src/botbuilder';
import { type CorpCredentials, type EmulatorSwitches, WeComEmulator } from '../../src/sandbox/emulator';
import { openStore, type Store } from '../../src/store';
import { type AgentsLogic, WeComAgentsAdapter, type WeComAgentsAdapterOptions } from '../../src/agents';

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
  /** Which framework's shell serves the bot. Default `botbuilder`. */
  shell?: 'botbuilder';
}

/** The rig around the Agents SDK shell: same emulator, store and server; the adapter and bot are the Agents SDK's. */
export interface AgentsAdapterRig extends Omit<AdapterRig, 'adapter' | 'setBot' | 'newAdapter'> {
  adapter: WeComAgentsAdapter;
  /** Replaces the bot logic the server passes to process(). */
  setBot(logic: AgentsLogic): void;
  /** A new adapter instance on the same store and emulator (a restart, or a second instance). */
  newAdapter(options?: Partial<WeComAgentsAdapterOptions>): WeComAgentsAdapter;
}

export interface AgentsRigOptions extends Omit<RigOptions, 'adapter' | 'adapterClass' | 'bot' | 'shell'> {
  shell: 'agents';
  adapter?: Partial<WeComAgentsAdapterOptions>;
  bot?: AgentsLogic;
}

/** What the rig needs of either shell. */
interface RigShell<L> {
  process(req: IncomingMessage, res: ServerResponse, logic: L): Promise<void>;
  close(): Promise<void>;
}

export const echoBot: BotLogic = async (context: TurnContext) => {
  if (context.activity.type === 'message') await context.sendActivity(`You said: ${context.activity.text}`);
};

export async function adapterRig(options?: RigOptions): Promise<AdapterRig>;
export async function adapterRig(options: AgentsRigOptions): Promise<AgentsAdapterRig>;
export async function adapterRig(options: RigOptions | AgentsRigOptions = {}): Promise<AdapterRig | AgentsAdapterRig> {
  if (options.shell === 'agents') {
    const { adapter, bot, ...common } = options;
    return buildRig<WeComAgentsAdapter, AgentsLogic, Partial<WeComAgentsAdapterOptions>>(common, bot ?? agentsEchoBot, adapter ?? {}, (o) => new WeComAgentsAdapter(o as WeComAgentsAdapterOptions));
  }
  const Adapter = options.adapterClass ?? WeComAdapterBase;
  return buildRig<WeComAdapterBase, BotLogic, Partial<WeComAdapterOptions>>(options, options.bot ?? echoBot, options.adapter ?? {}, (o) => new Adapter(o as WeComAdapterOptions));
}

/** The Agents SDK twin of {@link echoBot}. */
export const agentsEchoBot: AgentsLogic = async (context) => {
  if (context.activity.type === 'message') await context.sendActivity(`You said: ${context.activity.text}`);
};

/** Settings every rig adapter gets: the emulator's corp, the rig's store, no sweep, quick retries. */
interface RigBase {
  corpId: string; secret: string; token: string; encodingAesKey: string; apiBaseUrl: string; store: Store;
  sweepIntervalMs: number; retryDelayMs: number; requestTimeoutMs: number;
}

async function buildRig<A extends RigShell<L>, L extends (context: never) => Promise<void>, O extends object>(
  options: Omit<RigOptions, 'adapter' | 'adapterClass' | 'bot' | 'shell'>, firstBot: L, defaults: O, make: (options: RigBase & O) => A,
): Promise<{ adapter: A; setBot(logic: L): void; newAdapter(options?: O): A } & Omit<AdapterRig, 'adapter' | 'setBot' | 'newAdapter'>> {
  const clock = new ManualClock(T0);
  const emu = new WeComEmulator({ clock, switches: { callbackTimeoutMs: 2000, callbackRetryDelayMs: 10, ...options.switches } });
  await emu.start();
  const corp = emu.addCorp();
  const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wecom-adapter-'));
  const opened = options.store ?? (await openStore({ dataDir, clock }));
  const store = options.sharedStore ? asShared(opened) : opened;
  const adapters: A[] = [];
  const newAdapter = (extra: O = {} as O): A => {
    const base: RigBase = {
      corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey,
      apiBaseUrl: emu.baseUrl, store, sweepIntervalMs: 0, retryDelayMs: 5, requestTimeoutMs: 3000,
    };
    const a = make({ ...base, ...defaults, ...extra });
    adapters.push(a);
    return a;
  };
  let bot: L = firstBot;
  const rig: { adapter?: A } = {};
  rig.adapter = newAdapter();
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/wecom/callback')) void rig.adapter!.process(req, res, ((ctx: never) => bot(ctx)) as L);
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
    setBot: (logic: L) => void (bot = logic),
    close: async () => {
      for (const a of adapters) await a.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await emu.stop();
      if (!options.store) await store.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  }) as { adapter: A; setBot(logic: L): void; newAdapter(options?: O): A } & Omit<AdapterRig, 'adapter' | 'setBot' | 'newAdapter'>;
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
export function receivedTexts(rig: Pick<AdapterRig, 'emu' | 'corp'>, externalUserId?: string): string[] {
  return rig.emu.received(rig.corp.corpId, externalUserId).map((m) => {
    const p = m.payload as { content?: string; head_content?: string };
    return p.content ?? p.head_content ?? `[${m.msgtype}]`;
  });
}
