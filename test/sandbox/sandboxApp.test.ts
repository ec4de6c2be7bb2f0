/**
 * The sandbox as `npm start` wires it (SandboxWorld + WeComAdapter + the reference bot + the
 * /sandbox routes), in-process over loopback: the HTTP chat and the terminal chat, driven through
 * its input and output streams.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Server } from 'restify';
import { FormData, request } from 'undici';
import { silentLogger } from '../../src/common';
import { ReferenceBot } from '../../src/bot/referenceBot';
import { registerSandboxRoutes } from '../../src/bot/sandboxRoutes';
import { createAppServer } from '../../src/bot/server';
import { parseChatLine, SandboxWorld, startTerminalChat, type TerminalChat } from '../../src/sandbox';
import { openStore, type Store } from '../../src/store';
import { WeComAdapter } from '../../src/botbuilder';

jest.setTimeout(30_000);

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Entry { from: string; text: string; msgtype: string; via: string }

describe('the sandbox app', () => {
  let world: SandboxWorld;
  let store: Store;
  let adapter: WeComAdapter;
  let server: Server;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wecom-sandbox-app-'));
    world = await SandboxWorld.start();
    store = await openStore({ dataDir: join(dir, 'store') });
    const s = world.settings();
    adapter = new WeComAdapter({
      corpId: s.WECOM_CORP_ID!, secret: s.WECOM_KF_SECRET!, token: s.WECOM_TOKEN!, encodingAesKey: s.WECOM_ENCODING_AES_KEY!, apiBaseUrl: s.WECOM_API_BASE_URL!,
      store, logger: silentLogger, sweepIntervalMs: 0, retryDelayMs: 5, licensing: { cron: '0 0 1 1 *' },
    });
    const bot = new ReferenceBot();
    server = createAppServer({ adapter, bot, logger: silentLogger, mode: 'sandbox', admin: { adminToken: undefined }, extraRoutes: (srv) => registerSandboxRoutes(srv, world) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    world.connect(`${base}/api/wecom/callback`);
    await adapter.start((context) => bot.run(context));
  });
  afterAll(async () => {
    await adapter.close();
    server.close();
    await world.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  };
  const transcript = async (id: string): Promise<Entry[]> => (await (await request(`${base}/sandbox/customers/${id}/messages`)).body.json()) as Entry[];
  const untilCount = (id: string, n: number): Promise<Entry[]> => waitFor(async () => {
    const list = await transcript(id);
    return list.length >= n ? list : undefined;
  }, `${n} messages for ${id}`);

  describe('over HTTP', () => {
    it('lists the human agent\'s messages with the bot\'s, in order, marked as from the agent', async () => {
      await post('/sandbox/customers/hana/messages', { text: 'human' });
      await untilCount('hana', 1);
      // "Connecting you…" goes out before the session is moved to the agent: wait for that move, as a
      // person would wait for the agent to appear, or the agent ends a session the bot still holds.
      await waitFor(async () => (world.emulator.calls.some((c) => c.path === 'kf/service_state/trans' && c.errcode === 0) ? true : undefined), 'the handoff');
      expect((await post('/sandbox/customers/hana/agent', { text: 'Hi, Mei from support here' })).status).toBe(202);
      await post('/sandbox/customers/hana/agent/end', {});
      await post('/sandbox/customers/hana/messages', { text: 'and the bot?' });
      const list = await untilCount('hana', 3);
      expect(list.map(({ from, text }) => ({ from, text }))).toEqual([
        { from: 'bot', text: 'Connecting you to a human agent…' },
        { from: 'agent', text: 'Hi, Mei from support here' },
        { from: 'bot', text: 'You said: and the bot?' },
      ]);
      expect(list[1]).toMatchObject({ msgtype: 'text', via: 'wecom_client' });
    });

    it('sends a customer attachment through WeCom media, and the bot receives the file', async () => {
      const sent = await post('/sandbox/customers/ivan/messages', { attachment: { type: 'image', filename: 'dot.png', base64: png.toString('base64') } });
      expect(sent.status).toBe(202);
      const [reply] = await untilCount('ivan', 1);
      expect(reply!.text).toBe('Thanks, I received dot.png (image/png).');
      // The bot fetched it with media/get, as on WeCom.
      expect(world.emulator.calls.some((c) => c.path === 'media/get')).toBe(true);
    });

    it('takes a file as WeCom\'s media/upload does (multipart, ?type=), e.g. curl -F media=@dot.png', async () => {
      const form = new FormData();
      form.append('media', new Blob([png]), 'upload.png');
      const res = await request(`${base}/sandbox/customers/jay/messages?type=image`, { method: 'POST', body: form });
      expect(res.statusCode).toBe(202);
      await res.body.dump();
      const [reply] = await untilCount('jay', 1);
      expect(reply!.text).toBe('Thanks, I received upload.png (image/png).');
      const noType = await request(`${base}/sandbox/customers/jay/messages`, { method: 'POST', body: form });
      expect(noType.statusCode).toBe(400);
      await noType.body.dump();
    });

    it('refuses an empty attachment and a body that is not base64, saying why', async () => {
      const empty = await post('/sandbox/customers/ivan/messages', { attachment: { type: 'file', filename: 'empty.txt', base64: '' } });
      expect(empty.status).toBe(400);
      expect(JSON.stringify(empty.json)).toContain('empty.txt is empty');
      const bad = await post('/sandbox/customers/ivan/messages', { attachment: { type: 'file', filename: 'x.txt', base64: 'not base64!' } });
      expect(bad.status).toBe(400);
    });
  });

  describe('in the terminal', () => {
    let chat: TerminalChat | undefined;
    afterEach(() => chat?.stop());

    function terminal(customerId: string, onQuit: () => void = () => undefined) {
      const input = new PassThrough();
      const output = new PassThrough();
      let text = '';
      output.on('data', (d: Buffer) => (text += d.toString()));
      chat = startTerminalChat(world, { input, output, customerId, onQuit, pollMs: 20 });
      return {
        type: (line: string) => input.write(`${line}\n`),
        end: () => input.end(),
        output: () => text,
        until: (needle: string) => waitFor(() => (text.includes(needle) ? true : undefined), `"${needle}" in the chat`),
      };
    }

    it('prints the commands for /help and for an unknown /command, and sends neither to the bot', async () => {
      const t = terminal('tess');
      t.type('/help');
      await t.until('/image <path>');
      t.type('/hepl');
      await t.until('unknown command /hepl');
      t.type('//slash is text');
      await t.until('bot › You said: /slash is text');
      expect(world.transcript('tess').map((m) => (m.payload as { content: string }).content)).toEqual(['You said: /slash is text']);
    });

    it('shows the agent\'s messages and says when the bot is back after /end', async () => {
      const t = terminal('uma');
      t.type('human');
      await t.until('bot › Connecting you to a human agent…');
      t.type('/agent Hello, a person here');
      await t.until('agent › Hello, a person here');
      t.type('/end');
      await t.until('the bot answers again');
      t.type('still there?');
      await t.until('bot › You said: still there?');
    });

    it('sends a picture with /image <path> through WeCom media', async () => {
      const file = join(dir, 'dot.png');
      writeFileSync(file, png);
      const t = terminal('vera');
      t.type(`/image ${file}`);
      await t.until('bot › Thanks, I received dot.png (image/png).');
      t.type(`/file ${join(dir, 'missing.txt')}`);
      await t.until('(could not send: ENOENT');
    });

    it('quits on /quit and when the input ends', async () => {
      let quits = 0;
      const a = terminal('walt', () => quits++);
      a.type('/quit');
      await waitFor(() => (quits === 1 ? true : undefined), '/quit');
      const b = terminal('walt', () => quits++);
      b.end();
      await waitFor(() => (quits === 2 ? true : undefined), 'the end of the input');
    });

    it('keeps what is being typed when a reply arrives (a TTY: written above the prompt)', async () => {
      const input = new PassThrough();
      const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
      let text = '';
      output.on('data', (d: Buffer) => (text += d.toString()));
      chat = startTerminalChat(world, { input, output, customerId: 'xena', onQuit: () => undefined, pollMs: 20 });
      input.write('first\r');
      input.write('half-typ');
      await waitFor(() => (text.includes('bot › You said: first') ? true : undefined), 'the reply');
      const after = text.slice(text.indexOf('bot › You said: first'));
      // The reply, then the prompt redrawn with the half-typed text.
      expect(after).toMatch(/bot › You said: first\n[^]*you › half-typ/);
    });
  });

  it('tells the person at the terminal when WeCom cannot reach the bot', async () => {
    const lonely = await SandboxWorld.start();
    lonely.emulator.setSwitches({ callbackRetryDelayMs: 1 });
    lonely.connect('http://127.0.0.1:9/api/wecom/callback'); // the discard port: nothing answers
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (d: Buffer) => (text += d.toString()));
    const chat = startTerminalChat(lonely, { input, output, onQuit: () => undefined, pollMs: 20 });
    try {
      input.write('anyone?\n');
      await waitFor(() => (text.includes('WeCom could not reach the bot at http://127.0.0.1:9/api/wecom/callback') ? true : undefined), 'the notice');
    } finally {
      chat.stop();
      await lonely.stop();
    }
  });

  it('parses commands; only plain text (or //) is a customer message', () => {
    expect(parseChatLine('hello')).toEqual({ kind: 'say', text: 'hello' });
    expect(parseChatLine('/help')).toEqual({ kind: 'help' });
    expect(parseChatLine('/image  a b.png')).toEqual({ kind: 'attach', type: 'image', path: 'a b.png' });
    expect(parseChatLine('/image')).toMatchObject({ kind: 'help' });
    expect(parseChatLine('/nope x')).toEqual({ kind: 'help', unknown: 'unknown command /nope' });
    expect(parseChatLine('//x')).toEqual({ kind: 'say', text: '/x' });
  });
});
