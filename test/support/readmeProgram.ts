/**
 * Runs the README's example programs as a reader would: each ```js block, unchanged, as a node
 * child process with the WECOM_* variables of a corp on the emulator, then an emulated customer
 * writes and we wait for the bot's answer. Where `require('wecom-kf-botbuilder')` resolves to is the
 * caller's choice (the repo's build, or a package installed from the packed tarball).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type SentMessage, WeComEmulator } from '../../src/sandbox/emulator';

/** The README's ```js blocks: each is a complete program (fragments use other fence tags). */
export function readmePrograms(readme: string): string[] {
  return [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The README's ```ts blocks: complete TypeScript programs (compiled against the installed package, not run). */
export function readmeTypeScriptPrograms(readme: string): string[] {
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** A bot program (it makes a WeComAdapter and serves callbacks), as opposed to, say, a sandbox script. */
export const isBotProgram = (source: string): boolean => source.includes('new WeComAdapter(');

/** A bot on the Microsoft 365 Agents SDK: it takes the adapter from the `/agents` entry (no botbuilder needed). */
export const isAgentsProgram = (source: string): boolean => source.includes("require('wecom-kf-botbuilder/agents')");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

export interface ProgramRun {
  /** What the customer received, in order. */
  readonly received: SentMessage[];
  /** The program's stdout and stderr. */
  readonly output: string;
}

export interface RunOptions {
  /** Folder the program file is written to and run in (its `node_modules` resolve first). */
  readonly dir: string;
  /** Extra module folders (NODE_PATH), e.g. one holding a `wecom-kf-botbuilder` link to the repo. */
  readonly nodePath?: readonly string[];
  /** What the customer writes. */
  readonly text: string;
  /** What the customer writes next, each once the answer to the one before arrived. */
  readonly then?: readonly string[];
  /** How long to wait for the program to listen, and then for its answer. */
  readonly timeoutMs?: number;
}

/**
 * Starts the emulator with one corp whose callback URL is the program's server, runs the program,
 * waits for WeCom's URL check to pass, has a customer write `text` (then each of `then`, one answer
 * at a time), and returns once the last reply arrived (or throws with the program's output).
 */
export async function runProgram(source: string, name: string, options: RunOptions): Promise<ProgramRun> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const emu = new WeComEmulator();
  await emu.start();
  let child: ChildProcess | undefined;
  let output = '';
  try {
    const corp = emu.addCorp();
    const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    const port = await freePort();
    emu.setCallbackUrl(corp.corpId, `http://127.0.0.1:${port}/api/wecom/callback`);

    const file = join(options.dir, name);
    writeFileSync(file, source);
    const dataDir = join(options.dir, `${name}.data`);
    mkdirSync(dataDir, { recursive: true });
    child = spawn(process.execPath, [file], {
      cwd: options.dir,
      env: {
        PATH: process.env.PATH,
        ...(options.nodePath ? { NODE_PATH: options.nodePath.join(process.platform === 'win32' ? ';' : ':') } : {}),
        WECOM_CORP_ID: corp.corpId, WECOM_KF_SECRET: corp.secret, WECOM_TOKEN: corp.token, WECOM_ENCODING_AES_KEY: corp.encodingAesKey,
        WECOM_API_BASE_URL: emu.baseUrl, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
    const until = async (what: string, probe: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!(await probe().catch(() => false))) {
        if (exited) throw new Error(`${name} ${exited} while waiting for ${what}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${name}: timed out waiting for ${what}:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // As in WeCom's console: the URL is saved only once the running bot passes the GET check.
    await until('the callback URL check', async () => (await emu.verifyCallbackUrl(corp.corpId)).ok);
    const customer = emu.customer(corp.corpId, kf, 'readme-reader');
    await (await customer.sendText(options.text)).delivery;
    await until('the bot\'s answer', async () => customer.received().length > 0);
    for (const text of options.then ?? []) {
      const before = customer.received().length;
      await (await customer.sendText(text)).delivery;
      await until(`the bot's answer to "${text}"`, async () => customer.received().length > before);
    }
    return { received: customer.received(), output };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    await emu.stop();
  }
}
