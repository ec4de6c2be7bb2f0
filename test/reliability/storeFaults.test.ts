/**
 * Store faults of the embedded store, with the product as a separate process: the data dir turns
 * read-only under a running process, and a data file is found corrupt at a restart. The store must
 * be loud about them (/healthz not 200 while it cannot write; an error that names the corrupt file,
 * its bad lines kept aside in a `.bad` file) and, once the fault is fixed, nothing is lost.
 *
 * The product runs as an unprivileged user when the tests run as root (CI does): root writes
 * through any file mode, so a read-only data dir could not be played otherwise.
 */
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

/** Sets the mode of the data dir and of every file in it (the lock file included). */
function chmodDataDir(dir: string, dirMode: number, fileMode: number): void {
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), fileMode);
  chmodSync(dir, dirMode);
}

// On main before branch lock: /healthz stays 200 with a read-only data dir (the recovery half passes),
// and nedb's corruption error does not name the file.
// enable after merging branch lock
describe.skip('store faults are loud, and nothing is lost once they are fixed', () => {
  let emu: WeComEmulator;
  let corp: CorpCredentials;
  let kf: string;
  let product: ProductProcess | undefined;
  let dataDir: string;

  beforeAll(() => ensureBuilt());
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-storefault-'));
    if (asRoot) chownSync(dataDir, NOBODY, NOBODY);
    emu = new WeComEmulator();
    await emu.start();
    corp = emu.addCorp();
    kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    const port = await freePort();
    emu.setCallbackUrl(corp.corpId, `http://127.0.0.1:${port}/api/wecom/callback`);
    product = new ProductProcess(emu, corp, port, dataDir, {}, asRoot ? { uid: NOBODY, gid: NOBODY } : undefined);
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

  it('a data dir that turns read-only: /healthz is not 200 while the store cannot write; made writable again, every message is answered', async () => {
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

  it('a corrupt inbox file at a restart: an error names the file, its bad lines are kept aside, and nothing is lost', async () => {
    const p = product!;
    p.start();
    await healthy(p.port, 90_000);
    const { ledger, write } = customersWithLedger('store fault, corrupt inbox file');
    // Pulled and stored, not answered: every send hangs until the kill.
    emu.faults.inject({ path: 'kf/send_msg', times: Infinity, fault: { kind: 'timeout' } });
    for (let i = 0; i < CUSTOMERS; i++) await write(i, `c${i} before the kill`);
    await eventually(() => expect(emu.calls.filter((c) => c.path === 'kf/send_msg').length).toBeGreaterThanOrEqual(3), 30_000);
    await p.kill();
    emu.faults.clear();

    // What a crash mid-append, or a bad disk block, leaves in the file.
    const inboxFile = join(dataDir, 'kf_inbox.db');
    const intact = join(tmpdir(), `kf_inbox.${process.pid}.intact`);
    copyFileSync(inboxFile, intact);
    const garbage = ['{"_id":"half-written","status":"pend', '\u0000\u0000\u0000 not json at all'];
    appendFileSync(inboxFile, `${garbage.join('\n')}\n`);

    p.start();
    const outcome = await p.ready(90_000);
    expect(p.output).toMatch(/kf_inbox\.db/); // the error names the file
    if (outcome === 'running') {
      // Kept running on the good lines: the bad ones are kept aside, not silently dropped.
      const bad = readdirSync(dataDir).filter((n) => n.startsWith('kf_inbox.db') && n.endsWith('.bad'));
      expect(bad).not.toEqual([]);
      expect(bad.map((n) => readFileSync(join(dataDir, n), 'utf8')).join('')).toContain('half-written');
    } else {
      // Refused to start on a corrupt file: fixed (the intact copy back), it starts and answers.
      copyFileSync(intact, inboxFile);
      p.start();
      await healthy(p.port, 90_000);
    }
    rmSync(intact, { force: true });
    await eventually(() => void ledger.settle(deliveredBy(emu, corp.corpId)), 60_000);
    report(ledger.settle(deliveredBy(emu, corp.corpId)));
  });
});
