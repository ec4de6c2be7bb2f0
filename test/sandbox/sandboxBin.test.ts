/**
 * `npx wecom-kf-sandbox`: the package's bin, run as a child process, is the WeCom of a developer's
 * own bot (a WeComAdapter bot started here with the settings the bin prints), and its terminal
 * chat is the customer.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TurnContext } from 'botbuilder';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox';
import { openStore, type Store } from '../../src/store';
import { WeComAdapter } from '../../src/botbuilder';

const root = join(__dirname, '..', '..');
jest.setTimeout(120_000);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The developer's bot: echoes text, describes attachments. */
async function botLogic(context: TurnContext): Promise<void> {
  if (context.activity.type !== 'message') return;
  const file = context.activity.attachments?.[0];
  if (file) {
    const bytes = Buffer.from(String(file.contentUrl).split(',')[1] ?? '', 'base64');
    await context.sendActivity(`Got ${file.contentType} of ${bytes.length} bytes`);
  } else {
    await context.sendActivity(`You said: ${context.activity.text}`);
  }
}

describe('wecom-kf-sandbox (the package bin)', () => {
  const bin = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['wecom-kf-sandbox']!;
  let child: ChildProcess | undefined;
  let server: Server | undefined;
  let adapter: WeComAdapter | undefined;
  let store: Store | undefined;
  let dir: string;

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'ensureBuilt.js')], { cwd: root, stdio: 'ignore' });
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await adapter?.close();
    server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints fixed WECOM_* settings, delivers the customer\'s text and picture to the bot, and shows its answers', async () => {
    dir = mkdtempSync(join(tmpdir(), 'wecom-bin-'));
    const [botPort, emulatorPort] = [await freePort(), await freePort()];
    const holder: { adapter?: WeComAdapter } = {};
    server = createServer((req, res) => {
      if (holder.adapter && req.url?.startsWith('/api/wecom/callback')) void holder.adapter.process(req, res, botLogic);
      else {
        res.writeHead(503);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server!.listen(botPort, '127.0.0.1', resolve));

    let out = '';
    child = spawn(process.execPath, [join(root, bin), '--bot', `http://127.0.0.1:${botPort}/api/wecom/callback`, '--port', String(emulatorPort)], {
      cwd: dir, env: { PATH: process.env.PATH }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));

    // The settings, read from the bin's output as a developer would copy them into .env.
    await waitFor(() => (out.includes('WECOM_API_BASE_URL=') ? true : undefined), 'the settings');
    const settings = Object.fromEntries([...out.matchAll(/^(WECOM_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(settings).toEqual({
      WECOM_CORP_ID: SANDBOX_CREDENTIALS.corpId,
      WECOM_KF_SECRET: SANDBOX_CREDENTIALS.secret,
      WECOM_TOKEN: SANDBOX_CREDENTIALS.token,
      WECOM_ENCODING_AES_KEY: SANDBOX_CREDENTIALS.encodingAesKey,
      WECOM_API_BASE_URL: `http://127.0.0.1:${emulatorPort}/cgi-bin/`,
    });
    store = await openStore({ dataDir: dir });
    adapter = new WeComAdapter({
      corpId: settings.WECOM_CORP_ID, secret: settings.WECOM_KF_SECRET, token: settings.WECOM_TOKEN,
      encodingAesKey: settings.WECOM_ENCODING_AES_KEY, apiBaseUrl: settings.WECOM_API_BASE_URL, store,
    });
    holder.adapter = adapter;

    child.stdin!.write('hello from the sandbox\n');
    await waitFor(() => (out.includes('bot › You said: hello from the sandbox') ? true : undefined), 'the echo');

    // `/help` is the chat's, never the bot's.
    child.stdin!.write('/help\n');
    await waitFor(() => (out.includes('/image <path>') ? true : undefined), 'the help');

    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    writeFileSync(join(dir, 'dot.png'), png);
    child.stdin!.write(`/image ${join(dir, 'dot.png')}\n`);
    await waitFor(() => (out.includes(`bot › Got image/png of ${png.length} bytes`) ? true : undefined), 'the picture\'s answer');
    expect(out).not.toContain('You said: /help');

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.stdin!.write('/quit\n');
    expect(await exited).toBe(0);
  });

  it('refuses a --bot that is not a URL, with the usage', () => {
    let result: { status?: number; stderr?: Buffer } = {};
    try {
      execFileSync(process.execPath, [join(root, bin), '--bot', 'not a url', '--port', '0'], { env: { PATH: process.env.PATH }, stdio: 'pipe' });
    } catch (e) {
      result = e as { status?: number; stderr?: Buffer };
    }
    expect(result.status).toBe(2);
    expect(String(result.stderr)).toContain('--bot must be a URL');
    expect(String(result.stderr)).toContain('Usage: wecom-kf-sandbox');
  });
});
