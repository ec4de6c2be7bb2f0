import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DAY_MS } from '../../src/licensing';
import { nextEventAt } from '../../src/licensing/advance';
import { newCorpLicence } from '../../src/licensing/corpLicence';
import { ledgerKeys } from '../../src/licensing/ledger';
import type { LedgerDoc } from '../../src/licensing/ledgerRepository';
import type { LicenceDoc } from '../../src/licensing/licenceRepository';
import { resolvePolicy } from '../../src/licensing/policy';
import { withPurchasedYear } from '../../src/licensing/purchase';
import { SQLITE_FILE, SqliteFile } from '../../src/store/sqliteFile';
import { serializeDocument } from '../../src/store/fastModel';
import type { StoreEngine } from '../../src/store';
import type { LicensingRunResult } from './licensingRun';

export interface LicensingBenchOptions {
  /** Default 100,000. */
  corps?: number;
  /** Where the temp data dirs go. Default the OS temp dir. */
  tmpDir?: string;
  /** The embedded engines to run, each in a process of its own. Default SQLite (the default engine), then nedb. */
  engines?: readonly StoreEngine[];
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/**
 * The licensing jobs over many corps in the embedded store: seeds `corps` corps whose trials started
 * on each of the last 90 days (half of them with a year bought), then, in a child process per
 * engine (so its RSS is the store's and the jobs', not the seed's), times the open, one day of jobs,
 * an idle run and a 3-day catch-up, against baselines in the same run: `insertOne` of the same
 * documents (on a 10,000 sample), and a full scan that filters due corps in JS (what the `nextDueAt`
 * index avoids). Returns a markdown section for docs/performance.md.
 *
 * @example
 * console.log(await licensingBench({ corps: 10_000, engines: ['sqlite'] }));
 */
export async function licensingBench(options: LicensingBenchOptions = {}): Promise<string> {
  const corps = options.corps ?? 100_000;
  const start = Date.UTC(2027, 0, 1);
  const sections: string[] = [
    '## Licensing jobs',
    '',
    `${corps.toLocaleString('en')} corps in the embedded store (one process per engine, seeded before it starts), trials started on each of the last 90 days, half with a licence year bought. ` +
      'The jobs read only corps whose `nextDueAt` has passed (an index range), so their cost follows the corps due, not the corps stored. ' +
      `Node ${process.version}, ${os.cpus().length} CPU(s). Goal: RSS ≤ 250 MB.`,
    '',
  ];
  for (const engine of options.engines ?? (['sqlite', 'nedb'] as const)) {
    const dir = await fs.promises.mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), `licensing-bench-${engine}-`));
    try {
      const seedStart = performance.now();
      const ledgerEntries = await seed(engine, dir, corps, start);
      const seedMs = performance.now() - seedStart;
      const result = await runChild(dir, corps, start);
      sections.push(
        `### ${engine === 'sqlite' ? 'SQLite engine (the default)' : 'nedb engine'}`,
        '',
        `RSS of the process once the jobs ran, after a full GC, **${result.rssMb.toFixed(0)} MB** (V8's heap in use ${result.heapUsedMb.toFixed(0)} MB); at most ${result.peakRssMb.toFixed(0)} MB, in the full-scan baseline run last, which holds every licence at once. Seed (written straight to the engine's files, before the process starts): ${fmt(seedMs)}, ${corps.toLocaleString('en')} licences, ${ledgerEntries.toLocaleString('en')} ledger entries.`,
        '',
        '| run | time | work | heap after |',
        '| --- | --- | --- | --- |',
        ...result.rows.map((r) => `| ${r.what} | ${fmt(r.ms)} | ${r.work} | ${r.heapMb.toFixed(0)} MB |`),
        '',
      );
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }
  return sections.join('\n');
}

/**
 * Writes the corps as the engine's own files: seeding 100k corps through insertOne would take
 * minutes (nedb: ~0.3 ms per append), so the insert path is timed on a sample instead. Returns how
 * many ledger entries it wrote.
 */
async function seed(engine: StoreEngine, dir: string, corps: number, start: number): Promise<number> {
  const policy = resolvePolicy();
  const now = start + 90 * DAY_MS - 1;
  const licences: string[] = [];
  const ledger: string[] = [];
  for (let i = 0; i < corps; i++) {
    const corpId = `ww${i.toString().padStart(8, '0')}`;
    let licence = newCorpLicence(corpId, start + (i % 90) * DAY_MS, policy);
    if (Math.floor(i / 90) % 2 === 0) {
      const key = ledgerKeys.purchase(corpId, 'seed');
      const purchase: LedgerDoc = { _id: key, corpId, kind: 'purchase', credits: 4, at: licence.firstAuthorisedAt };
      ledger.push(serializeDocument(purchase as unknown as Record<string, unknown>));
      licence = withPurchasedYear(licence, key, licence.firstAuthorisedAt).licence;
    }
    // The warnings a running job would already have handled for trials older than their thresholds.
    licence.warningsHandled = policy.warningDays.filter((d) => licence.trialEndsAt - d * DAY_MS <= now).map((d) => `${licence.trialEndsAt}:${d}`);
    licence.nextDueAt = nextEventAt(licence, policy);
    const doc: LicenceDoc = { _id: corpId, ...licence, rev: 1 };
    licences.push(serializeDocument(doc as unknown as Record<string, unknown>));
  }
  if (engine === 'nedb') {
    await fs.promises.writeFile(path.join(dir, 'licences.db'), licences.join('\n') + '\n');
    await fs.promises.writeFile(path.join(dir, 'licenceLedger.db'), ledger.join('\n') + '\n');
    return ledger.length;
  }
  const file = SqliteFile.open(path.join(dir, SQLITE_FILE));
  try {
    for (const [table, rows] of [['licences', licences], ['licenceLedger', ledger]] as const) {
      file.ensureTable(table);
      rows.forEach((doc, i) => file.write(table, i + 1, doc));
      file.flush();
    }
  } finally {
    file.close();
  }
  return ledger.length;
}

async function runChild(dataDir: string, corps: number, start: number): Promise<LicensingRunResult> {
  const child = fork(path.join(__dirname, 'licensingRun.js'), [dataDir, String(corps), String(start)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: LicensingRunResult | undefined;
    child.once('message', (m) => void (result = m as LicensingRunResult));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the licensing bench's child exited with ${code} before it answered`))));
  });
}
