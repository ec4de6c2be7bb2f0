/**
 * The product as a separate process, killed mid-burst (SIGKILL: no drain, no lease release, the
 * store's lock left behind) and started again on the same DATA_DIR: every message WeCom holds for the
 * app is answered within 30 s of the new process being ready, exactly once, in order per customer.
 * WeCom is the emulator in this test process; the product runs `node scripts/start.js` in self-built
 * mode against it, over loopback.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { type CorpCredentials, type SimulatedCustomer, WeComEmulator } from '../../src/sandbox/emulator';
import { eventually } from '../support/e2e';

const root = join(__dirname, '..', '..');
jest.setTimeout(120_000);

const CUSTOMERS = 50;
const BURST = 3; // messages per customer before the kill
const LATE = 10; // customers who write once more while the process is down

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function healthy(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await request(`http://127.0.0.1:${port}/healthz`).then(async (res) => {
      await res.body.dump();
      return res.statusCode;
    }, () => 0);
    if (status === 200) return;
    if (Date.now() > until) throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SIGKILL mid-burst, then a restart on the same DATA_DIR', () => {
  let emu: WeComEmulator;
  let corp: CorpCredentials;
  let child: ChildProcess | undefined;
  let dataDir: string;
  let output = '';

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'ensureBuilt.js')], { cwd: root, stdio: 'ignore' });
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await emu?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function startProduct(port: number): ChildProcess {
    const proc = spawn(process.execPath, [join(root, 'scripts', 'start.js')], {
      cwd: dataDir, // no stray .env of the developer's is loaded
      env: {
        PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn',
        WECOM_CORP_ID: corp.corpId, WECOM_KF_SECRET: corp.secret, WECOM_TOKEN: corp.token, WECOM_ENCODING_AES_KEY: corp.encodingAesKey,
        WECOM_API_BASE_URL: emu.baseUrl, ADMIN_TOKEN: 'crash-restart-admin-token',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    return proc;
  }

  const texts = (c: SimulatedCustomer): string[] => c.received().map((m) => (m.payload as { content?: string }).content ?? `[${m.msgtype}]`);

  it('every message answered within 30 s of readiness, once each, in order per customer', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-crash-'));
    emu = new WeComEmulator();
    await emu.start();
    corp = emu.addCorp();
    const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    const port = await freePort();
    emu.setCallbackUrl(corp.corpId, `http://127.0.0.1:${port}/api/wecom/callback`);

    child = startProduct(port);
    await healthy(port, 90_000);

    const customers = Array.from({ length: CUSTOMERS }, () => emu.customer(corp.corpId, kf));
    const expected = new Map<SimulatedCustomer, string[]>(customers.map((c) => [c, []]));
    const write = async (c: SimulatedCustomer, text: string): Promise<void> => {
      expected.get(c)!.push(`You said: ${text}`);
      await c.sendText(text); // its callback is delivered in the background
    };
    for (let m = 1; m <= BURST; m++) for (const [i, c] of customers.entries()) await write(c, `c${i} m${m}`);

    // Mid-burst: some answered, most not.
    await eventually(() => expect(emu.received(corp.corpId).length).toBeGreaterThanOrEqual(20), 30_000);
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const answeredBeforeKill = emu.received(corp.corpId).length;
    expect(answeredBeforeKill).toBeLessThan(CUSTOMERS * BURST); // really mid-burst

    // Written while the process is down: every delivery of their callbacks fails, and WeCom does
    // not deliver them again, so no wake-up of theirs is stored. They are still in sync_msg behind
    // the cursor, and a restarted process pulls every account it knows at start-up: a customer who
    // wrote during a restart must not wait for their next message or the sweep (minutes).
    const late = await Promise.all(customers.slice(0, LATE).map(async (c, i) => {
      expected.get(c)!.push(`You said: c${i} late`);
      return (await c.sendText(`c${i} late`)).delivery;
    }));
    for (const report of late) expect(report.delivered).toBe(false);

    child = startProduct(port);
    await healthy(port, 90_000);
    // From readiness on: everything WeCom holds for the app, answered within 30 s.
    await eventually(() => {
      for (const c of customers) expect({ customer: c.externalUserId, texts: texts(c) }).toEqual({ customer: c.externalUserId, texts: expected.get(c) });
    }, 30_000);
    expect(output).not.toMatch(/StoreLockedError|already in use by process/);

    // Nothing more trickles in (a duplicate answer would come from a turn replayed after the crash).
    await new Promise((r) => setTimeout(r, 2000));
    for (const c of customers) expect(texts(c)).toEqual(expected.get(c));
    expect(emu.received(corp.corpId)).toHaveLength(CUSTOMERS * BURST + LATE);
    expect(emu.calls.filter((c) => c.errcode === 95001 || c.errcode === 95002)).toEqual([]);
  });
});
