/**
 * The sandbox as `npm start` shows provider mode, in-process: the emulated WeCom pushes a ticket,
 * the app makes an install link per demo corp, both corps install the suite and grant a kf account,
 * and a customer of either corp chats with the bot through the /sandbox routes (`?corp=b`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'restify';
import { request } from 'undici';
import { silentLogger } from '../../src/common';
import { ReferenceBot } from '../../src/bot/referenceBot';
import { installDemoCorps, type InstalledDemoCorp } from '../../src/bot/sandboxProvider';
import { registerSandboxRoutes } from '../../src/bot/sandboxRoutes';
import { createAppServer } from '../../src/bot/server';
import { ProviderMode } from '../../src/provider';
import { PassThrough } from 'node:stream';
import { parseChatLine, SANDBOX_DEMO_CORPS, SandboxWorld, startTerminalChat } from '../../src/sandbox';
import { openStore, type Store } from '../../src/store';
import { WeComAdapter } from '../../src/botbuilder';

jest.setTimeout(30_000);

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the sandbox in provider mode', () => {
  let world: SandboxWorld;
  let store: Store;
  let provider: ProviderMode;
  let adapter: WeComAdapter;
  let server: Server;
  let base: string;
  let dataDir: string;
  let installed: InstalledDemoCorp[];

  beforeAll(async () => {
    const logger = silentLogger;
    world = await SandboxWorld.start({ logger, provider: true });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sandbox-provider-'));
    store = await openStore({ dataDir, logger });
    const s = world.suite!;
    provider = ProviderMode.create({
      store, logger, suiteId: s.suiteId, suiteSecret: s.suiteSecret, token: s.token, encodingAesKey: s.encodingAesKey, providerCorpId: s.providerCorpId,
      secretKey: randomBytes(32), transport: { baseUrl: world.emulator.baseUrl },
    });
    adapter = new WeComAdapter({ provider, store, logger, apiBaseUrl: world.emulator.baseUrl, sweepIntervalMs: 0, licensing: { cron: '0 0 1 1 *' } });
    const bot = new ReferenceBot();
    server = createAppServer({
      adapter, bot, logger, mode: 'sandbox', admin: { adminToken: undefined },
      provider: { callbacks: provider.callbacks, instructions: provider.instructions },
      extraRoutes: (srv) => registerSandboxRoutes(srv, world),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await adapter.start((context) => bot.run(context));
    world.connectProvider(base);
    installed = await installDemoCorps({ world, provider, adapter, base, logger });
  });

  afterAll(async () => {
    server.close();
    await adapter.close();
    await provider.close();
    await store.close();
    await world.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('installs both demo corps from install links, then answers a customer of each, each with its own corp\'s token', async () => {
    expect(installed.map((c) => c.corpId)).toEqual(SANDBOX_DEMO_CORPS.map((d) => d.corpId));
    for (const c of installed) expect(c.installLink).toMatch(/^https:\/\/open\.work\.weixin\.qq\.com\/3rdapp\/install\?suite_id=wwsandboxsuite000001&pre_auth_code=/);
    expect((await adapter.corps()).map((c) => ({ corpId: c.corpId, openKfIds: c.openKfIds })).sort((x, y) => x.corpId.localeCompare(y.corpId)))
      .toEqual(installed.map((c) => ({ corpId: c.corpId, openKfIds: [c.openKfId] })));

    const say = (corp: string, text: string) => request(`${base}/sandbox/customers/sam/messages${corp ? `?corp=${corp}` : ''}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }),
    });
    const texts = async (corp: string): Promise<string[]> =>
      ((await (await request(`${base}/sandbox/customers/sam/messages${corp ? `?corp=${corp}` : ''}`)).body.json()) as { text: string }[]).map((m) => m.text);
    expect((await say('', 'hello A')).statusCode).toBe(202);
    expect((await say('b', 'hello B')).statusCode).toBe(202);
    await waitFor(async () => ((await texts('')).length === 1 && (await texts('b')).length === 1 ? true : undefined), 'both replies');
    expect(await texts('')).toEqual(['You said: hello A']);
    expect(await texts('b')).toEqual(['You said: hello B']);
    const sends = world.emulator.calls.filter((c) => c.path === 'kf/send_msg');
    expect(sends.map((c) => [c.corpId, (c.body as { open_kfid: string }).open_kfid]).sort()).toEqual(installed.map((c) => [c.corpId, c.openKfId]).sort());

    const unknown = await request(`${base}/sandbox/customers/sam/messages?corp=z`);
    expect(unknown.statusCode).toBe(404);
    expect(((await unknown.body.json()) as { error: { message: string } }).error.message).toMatch(/no demo corp "z"/);
  });

  it('lets the terminal chat switch to a customer of corp B with /corp b', async () => {
    expect(parseChatLine('/corp b')).toEqual({ kind: 'corp', key: 'b' });
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (d: Buffer) => (text += d.toString()));
    const chat = startTerminalChat(world, { input, output, customerId: 'terry', onQuit: () => undefined, pollMs: 20 });
    try {
      input.write('/corp b\n');
      input.write('hi from the terminal\n');
      await waitFor(async () => (text.includes('bot › You said: hi from the terminal') ? true : undefined), 'the reply in the terminal');
      expect(text).toContain(`customer of corp ${SANDBOX_DEMO_CORPS[1]!.corpId}`);
      expect(world.demoCorp('b')!.replies('terry')).toHaveLength(1);
      expect(world.replies('terry')).toEqual([]);
      input.write('/corp z\n');
      await waitFor(async () => (text.includes('(no demo corp z: use a or b)') ? true : undefined), 'the refusal');
    } finally {
      chat.stop();
    }
  });
});
