/**
 * The product as a newcomer meets it: `npm start` (scripts/start.js) with no credentials runs the
 * sandbox, answers /healthz, chats over /sandbox, and stops cleanly on SIGTERM. And the package
 * exports WeComAdapter to CommonJS `require`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { WeComEmulator } from '../../src/sandbox/emulator';

const root = join(__dirname, '..', '..');
jest.setTimeout(180_000);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm start (sandbox)', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'ensureBuilt.js')], { cwd: root, stdio: 'ignore' });
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /healthz, answers a simulated customer, and exits 0 on SIGTERM', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-start-'));
    const port = await freePort();
    let output = '';
    child = spawn(process.execPath, [join(root, 'scripts', 'start.js')], {
      cwd: root, env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const base = `http://127.0.0.1:${port}`;

    const health = await waitFor(async () => {
      const res = await request(`${base}/healthz`);
      const body = (await res.body.json()) as { status: string; mode: string };
      return res.statusCode === 200 ? body : undefined;
    }, 90_000);
    expect(health).toMatchObject({ status: 'ok', mode: 'sandbox' });
    expect(output).toContain('/sandbox/customers/');

    const sent = await request(`${base}/sandbox/customers/newcomer/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hello there' }) });
    expect(sent.statusCode).toBe(202);
    const replies = await waitFor(async () => {
      const res = await request(`${base}/sandbox/customers/newcomer/messages`);
      const list = (await res.body.json()) as { text: string }[];
      return list.length > 0 ? list : undefined;
    }, 15_000);
    expect(replies.map((r) => r.text)).toEqual(['You said: hello there']);

    // A handoff to the sandbox's human agent, and back.
    const post = (path: string, body: unknown) => request(`${base}/sandbox/customers/newcomer${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const texts = async (): Promise<string[]> => ((await (await request(`${base}/sandbox/customers/newcomer/messages`)).body.json()) as { text: string }[]).map((r) => r.text);
    await post('/messages', { text: 'human' });
    await waitFor(async () => ((await texts()).length === 2 ? true : undefined), 15_000);
    expect((await post('/agent', { text: 'Hi, a human here' })).statusCode).toBe(202);
    expect((await post('/agent/end', {})).statusCode).toBe(202);
    await post('/messages', { text: 'bot again?' });
    const after = await waitFor(async () => {
      const list = await texts();
      return list.length >= 4 ? list : undefined;
    }, 15_000);
    // The agent's message is in the customer's chat too, where the customer saw it.
    expect(after).toEqual(['You said: hello there', 'Connecting you to a human agent…', 'Hi, a human here', 'You said: bot again?']);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a second start on the same DATA_DIR fails with a clear message and leaves the running sandbox\'s store alone', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-start-'));
    const env = (port: number) => ({ PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const port = await freePort();
    child = spawn(process.execPath, [join(root, 'scripts', 'start.js')], { cwd: root, env: env(port), stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await request(`${base}/healthz`)).statusCode === 200 ? true : undefined), 90_000);
    const say = (text: string) => request(`${base}/sandbox/customers/first/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    const answered = (n: number) => waitFor(async () => {
      const list = (await (await request(`${base}/sandbox/customers/first/messages`)).body.json()) as { text: string }[];
      return list.length >= n ? list.map((m) => m.text) : undefined;
    }, 15_000);
    await say('before the second start');
    await answered(1);
    const storeDir = join(dataDir, 'sandbox');
    const before = new Map(readdirSync(storeDir).map((f) => [f, statSync(join(storeDir, f)).size]));
    expect(before.size).toBeGreaterThan(1);

    let second: { status?: number; stderr?: Buffer } = {};
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'start.js')], { cwd: root, env: env(await freePort()), stdio: 'pipe', timeout: 60_000 });
    } catch (e) {
      second = e as { status?: number; stderr?: Buffer };
    }
    expect(second.status).toBe(1);
    expect(String(second.stderr)).toMatch(/Failed to start: The embedded store in .* is already in use by process \d+/);
    expect(String(second.stderr)).not.toMatch(/\n\s+at /); // a message, not a stack trace

    // Every datafile is still there, whole, and the lock is still the first process's (its owner note says so).
    for (const [file, size] of before) expect({ file, size: statSync(join(storeDir, file)).size >= size }).toEqual({ file, size: true });
    expect((JSON.parse(readFileSync(join(storeDir, 'store.owner'), 'utf8')) as { pid: number }).pid).toBe(child.pid);
    await say('after the second start');
    expect(await answered(2)).toEqual(['You said: before the second start', 'You said: after the second start']);
  });

  it('runs provider mode for real with WECOM_SUITE_*: stores the pushed ticket, serves an installed corp\'s customer, answers /healthz', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-start-'));
    const emu = new WeComEmulator({ switches: { instructionTimeoutMs: 5000, callbackTimeoutMs: 5000 } });
    await emu.start();
    try {
      const suite = emu.provider.addSuite();
      const corp = emu.addCorp();
      const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      let output = '';
      child = spawn(process.execPath, [join(root, 'scripts', 'start.js')], {
        cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', WECOM_API_BASE_URL: emu.baseUrl,
          WECOM_SUITE_ID: suite.suiteId, WECOM_SUITE_SECRET: suite.suiteSecret, WECOM_SUITE_TOKEN: suite.token,
          WECOM_SUITE_ENCODING_AES_KEY: suite.encodingAesKey, WECOM_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
        },
      });
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      const health = await waitFor(async () => {
        const res = await request(`${base}/healthz`);
        const body = (await res.body.json()) as { status: string; mode: string };
        return res.statusCode === 200 ? body : undefined;
      }, 90_000).catch((e: unknown) => {
        throw new Error(`${String(e)}; output: ${output}`);
      });
      expect(health).toMatchObject({ status: 'ok', mode: 'provider' });

      emu.provider.setUrls(suite.suiteId, { instructionUrl: `${base}/api/wecom/suite`, dataUrl: `${base}/api/wecom/callback` });
      expect((await emu.provider.pushSuiteTicket(suite.suiteId).delivery).delivered).toBe(true);
      // The app holds the ticket once it can get a suite token with it: a pre-auth code for the install.
      const preAuthCode = await waitFor(async () => {
        const res = await request(`${emu.baseUrl}service/get_suite_token`, {
          method: 'POST', body: JSON.stringify({ suite_id: suite.suiteId, suite_secret: suite.suiteSecret, suite_ticket: emu.provider.latestTicket(suite.suiteId) }),
        });
        const token = ((await res.body.json()) as { suite_access_token?: string }).suite_access_token;
        const pre = await request(`${emu.baseUrl}service/get_pre_auth_code?suite_access_token=${token}`);
        return ((await pre.body.json()) as { pre_auth_code?: string }).pre_auth_code;
      }, 10_000);
      expect((await emu.provider.authorise(corp.corpId, preAuthCode).delivery).delivered).toBe(true);
      // The app exchanges the auth code (after answering `success`): then the corp's data callbacks are served.
      await waitFor(async () => (emu.provider.authorisation(corp.corpId, suite.suiteId)?.permanentCode && emu.calls.some((c) => c.path === 'service/get_auth_info') ? true : undefined), 15_000);
      expect((await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] }, suite.suiteId)).delivered).toBe(true);
      expect((await (await emu.customer(corp.corpId, kf, 'carol').sendText('hello provider')).delivery).delivered).toBe(true);
      const replies = await waitFor(async () => {
        const got = emu.received(corp.corpId, 'carol');
        return got.length > 0 ? got : undefined;
      }, 15_000);
      expect(replies.map((m) => (m.payload as { content: string }).content)).toEqual(['You said: hello provider']);

      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await emu.stop();
    }
  });

  it('refuses provider mode without WECOM_SECRET_KEY, naming the variable', () => {
    let stderr = '';
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'start.js')], {
        cwd: root, env: { PATH: process.env.PATH, WECOM_SUITE_ID: 'wwsuite', WECOM_SUITE_SECRET: 's', WECOM_SUITE_TOKEN: 't', WECOM_SUITE_ENCODING_AES_KEY: 'a'.repeat(43) }, stdio: 'pipe',
      });
    } catch (e) {
      stderr = String((e as { stderr?: Buffer }).stderr);
    }
    expect(stderr).toContain('Configuration error: WECOM_SECRET_KEY');
  });

  it('exports WeComAdapter to CommonJS require, and it names the missing variable without credentials', () => {
    const script = `
      const m = require(${JSON.stringify(root)});
      if (typeof m.WeComAdapter !== 'function') throw new Error('no WeComAdapter export');
      try { new m.WeComAdapter(); console.log('constructed'); } catch (e) { console.log(e.name + ':' + e.variable); }`;
    const out = execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(out.trim()).toBe('ConfigError:WECOM_CORP_ID');
  });
});
