/**
 * Store faults of the embedded store, with the product as a separate process: the data dir turns
 * read-only under a running process, and a data file is found corrupt at a restart. The store must
 * be loud about them (/healthz not 200 while it cannot write; an error that names the corrupt file,
 * its bad lines kept aside in a `.bad` file) and, once the fault is fixed, nothing is lost.
 *
 * The product runs as an unprivileged user (nobody) when the tests run as root (CI does): root
 * writes through any file mode, so a read-only data dir could not be played otherwise. Where nobody
 * cannot read the checkout, that one scenario is skipped.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CorpCredentials, type SimulatedCustomer, WeComEmulator } from '../../src/sandbox/emulator';
import { eventually } from '../support/e2e';
import { deliveredBy, Ledger, report } from './ledger';
import { ensureBuilt, freePort, healthStatus, healthy, ProductProcess } from './productProcess';

jest.setTimeout(180_000);

const CUSTOMERS = 6;
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const root = join(__dirname, '..', '..');

/** Whether the product can run as nobody here: it must read the checkout (not so under a private home). */
function nobodyCanRunTheProduct(): boolean {
  const probe = spawnSync(process.execPath, ['-e', 'const fs = require("fs"); fs.readFileSync(process.argv[1]); fs.readdirSync(process.argv[2])', join(root, 'package.json'), join(root, 'node_modules')], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' });
  return probe.status === 0;
}
const asNobody = asRoot && nobodyCanRunTheProduct();
/** Root writes through any file mode: without an unprivileged user, a read-only data dir cannot be played. */
const itWithFileModes = asRoot && !asNobody ? it.skip : it;

/** Sets the mode of the data dir and of every file in it (the lock file included). */
function chmodDataDir(dir: string, dirMode: number, fileMode: number): void {
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), fileMode);
  chmodSync(dir, dirMode);
}

// On main before branch lock: /healthz stays 200 with a read-only data dir (the recovery half passes),
// and nedb's corruption error does not name the file.
describe('store faults are loud, and nothing is lost once they are fixed', () => {
  let emu: WeComEmulator;
  let corp: CorpCredentials;
  let kf: string;
  let product: ProductProcess | undefined;
  let dataDir: string;

  beforeAll(() => ensureBuilt());
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-storefault-'));
    if (asNobody) chownSync(dataDir, NOBODY, NOBODY);
    emu = new WeComEmulator();
    await emu.start();
    corp = emu.addCorp();
    kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    const port = await freePort();
    emu.setCallbackUrl(corp.corpId, `http://127.0.0.1:${port}/api/wecom/callback`);
    // The faults below are an nedb datafile's (bad lines, a mostly corrupt file), so this DATA_DIR is
    // the nedb engine's; the SQLite engine's are tested in test/store/sqliteFiles.test.ts.
    product = new ProductProcess(emu, corp, port, dataDir, { STORE_ENGINE: 'nedb' }, asNobody ? { uid: NOBODY, gid: NOBODY } : undefined);
  });
  afterEach(async () => {
    await product?.kill();
    await emu?.stop();
    chmodDataDir(dataDir, 0o755, 0o644);
    rmSync(dataDir, { recursive: true, force: true });
  });

  function customersWithLedger(name: string): { ledger: Ledger; customers: SimulatedCustomer[]; write: (i: number, text: string) => Promise<void> } {
    const ledger = new Ledger(name);
    const customers = Array.from({ length: CUSTOMERS }, () => emu.customer(corp.corpId, kf));
    const write = async (i: number, text: string): Promise<void> => {
      ledger.wrote(customers[i]!.externalUserId, text);
      await customers[i]!.sendText(text);
    };
    return { ledger, customers, write };
  }

  itWithFileModes('a data dir that turns read-only: /healthz is not 200 while the store cannot write; made writable again, every message is answered', async () => {
    const p = product!;
    p.start();
    await healthy(p.port, 90_000);
    const { ledger, write } = customersWithLedger('store fault, read-only data dir');
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} before`);
    await eventually(() => void ledger.settle(deliveredBy(emu, corp.corpId)), 30_000);

    chmodDataDir(dataDir, 0o555, 0o444);
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} while read-only`);
    // Loud: a load balancer or orchestrator sees the instance cannot do its job.
    await eventually(async () => expect(await healthStatus(p.port)).not.toBe(200), 30_000);

    chmodDataDir(dataDir, 0o755, 0o644);
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} after`);
    await eventually(async () => expect(await healthStatus(p.port)).toBe(200), 60_000);
    await eventually(() => void ledger.settle(deliveredBy(emu, corp.corpId)), 60_000);
    report(ledger.settle(deliveredBy(emu, corp.corpId)));
  });

  /**
   * Kills the product with every customer's message stored and unanswered (sends hang), lets
   * `corrupt` damage the inbox file, restarts, and returns how the restart went.
   */
  async function restartWithCorruptInbox(
    name: string, readyWithinMs: number, corrupt: (file: string, lines: number) => void,
  ): Promise<{ ledger: Ledger; outcome: 'running' | 'exited' | 'unready'; inboxFile: string; intact: string }> {
    const p = product!;
    p.start();
    await healthy(p.port, 90_000);
    const { ledger, write } = customersWithLedger(name);
    emu.faults.inject({ path: 'kf/send_msg', times: Infinity, fault: { kind: 'timeout' } });
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} before the kill`);
    await eventually(() => expect(emu.calls.filter((c) => c.path === 'kf/send_msg').length).toBeGreaterThanOrEqual(3), 30_000);
    await p.kill();
    emu.faults.clear();

    const inboxFile = join(dataDir, 'kf_inbox.db');
    const intact = join(dataDir, '..', `${dataDir.split('/').pop()!}.kf_inbox.intact`);
    copyFileSync(inboxFile, intact);
    corrupt(inboxFile, readFileSync(inboxFile, 'utf8').split('\n').filter(Boolean).length);
    p.start();
    return { ledger, outcome: await p.ready(readyWithinMs), inboxFile, intact };
  }

  /** What a crash mid-append, or a bad disk block, leaves in a file: a cut line, and bytes that are no JSON. */
  const badLine = (i: number): string => (i % 2 === 0 ? `{"_id":"half-written-${i}","status":"pend` : `\u0000\u0000 not json at all ${i}`);

  it('a few bad lines in the inbox file at a restart: logged naming the file, kept aside, and nothing is lost', async () => {
    const { ledger, outcome, intact } = await restartWithCorruptInbox('store fault, a few bad lines in the inbox file', 90_000, (file, lines) => {
      // Under one line in twenty: a damaged tail, not a damaged file.
      appendFileSync(file, `${Array.from({ length: Math.max(1, Math.floor(lines / 20)) }, (_, i) => badLine(i)).join('\n')}\n`);
    });
    rmSync(intact, { force: true });
    expect(outcome).toBe('running');
    expect(product!.output).toMatch(/kf_inbox\.db/); // the error names the file
    // The bad lines are kept aside, not silently dropped.
    const bad = readdirSync(dataDir).filter((n) => n.startsWith('kf_inbox.db') && n.includes('.bad'));
    expect(bad).not.toEqual([]);
    expect(bad.map((n) => readFileSync(join(dataDir, n), 'utf8')).join('')).toContain('half-written-0');
    await eventually(() => void ledger.settle(deliveredBy(emu, corp.corpId)), 60_000);
    report(ledger.settle(deliveredBy(emu, corp.corpId)));
  });

  it('a mostly corrupt inbox file at a restart: refused with an error naming the file; restored, nothing is lost', async () => {
    const { ledger, outcome, inboxFile, intact } = await restartWithCorruptInbox('store fault, a mostly corrupt inbox file', 20_000, (file, lines) => {
      appendFileSync(file, `${Array.from({ length: lines }, (_, i) => badLine(i)).join('\n')}\n`);
    });
    const p = product!;
    // Not served as if the file were fine: the process stops, or stays unready.
    if (outcome === 'running') throw new Error('a half-corrupt inbox file was opened as if it were fine');
    expect(p.output).toMatch(/kf_inbox\.db/);
    // Fixed: stopped, the file restored from a backup (the intact copy), started: everything is answered.
    await p.kill();
    copyFileSync(intact, inboxFile);
    rmSync(intact, { force: true });
    p.start();
    await healthy(p.port, 90_000);
    await eventually(() => void ledger.settle(deliveredBy(emu, corp.corpId)), 60_000);
    report(ledger.settle(deliveredBy(emu, corp.corpId)));
  });
});
