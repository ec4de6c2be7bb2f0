/**
 * The product as a separate process (`node scripts/start.js`, self-built mode) against an emulator
 * in the test process, over loopback: started, waited for (/healthz 200), SIGKILLed, started again
 * on the same DATA_DIR.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import type { CorpCredentials, WeComEmulator } from '../../src/sandbox/emulator';

const root = join(__dirname, '..', '..');

/** Builds dist/ if it is stale (call once, in beforeAll). */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'ensureBuilt.js')], { cwd: root, stdio: 'ignore' });
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The status /healthz answers, 0 when nothing answers. */
export async function healthStatus(port: number): Promise<number> {
  return request(`http://127.0.0.1:${port}/healthz`).then(async (res) => {
    await res.body.dump();
    return res.statusCode;
  }, () => 0);
}

export async function healthy(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if ((await healthStatus(port)) === 200) return;
    if (Date.now() > until) throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class ProductProcess {
  /** Everything the processes printed, in order. */
  output = '';
  private child?: ChildProcess;

  constructor(
    private readonly emu: WeComEmulator,
    private readonly corp: CorpCredentials,
    readonly port: number,
    readonly dataDir: string,
    private readonly env: Record<string, string> = {},
    /** Run as this user (a test run by root plays an unprivileged one). */
    private readonly identity?: { uid: number; gid: number },
  ) {}

  start(): ChildProcess {
    const proc = spawn(process.execPath, [join(root, 'scripts', 'start.js')], {
      cwd: this.dataDir, // no stray .env of the developer's is loaded
      env: {
        PATH: process.env.PATH, PORT: String(this.port), HOST: '127.0.0.1', DATA_DIR: this.dataDir, LOG_LEVEL: 'warn',
        WECOM_CORP_ID: this.corp.corpId, WECOM_KF_SECRET: this.corp.secret, WECOM_TOKEN: this.corp.token,
        WECOM_ENCODING_AES_KEY: this.corp.encodingAesKey, WECOM_API_BASE_URL: this.emu.baseUrl, ADMIN_TOKEN: 'reliability-admin-token',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...this.identity,
    });
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child = proc;
    return proc;
  }

  /** True while the last process started has not exited. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** `running` once /healthz answers 200, `exited` if the process ends first, `unready` if neither within `timeoutMs`. */
  async ready(timeoutMs: number): Promise<'running' | 'exited' | 'unready'> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) return 'exited';
      if ((await healthStatus(this.port)) === 200) return 'running';
      if (Date.now() > until) return 'unready';
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves with the exit code (null when killed by a signal). */
  exited(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** SIGKILL: no drain, no lease release, the store's lock left behind. */
  async kill(): Promise<void> {
    const exited = this.exited();
    this.child?.kill('SIGKILL');
    await exited;
  }
}
