import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/common';
import { DAY_MS, LicensingService } from '../../src/licensing';
import { nextEventAt } from '../../src/licensing/advance';
import { newCorpLicence } from '../../src/licensing/corpLicence';
import { ledgerKeys } from '../../src/licensing/ledger';
import type { LedgerDoc } from '../../src/licensing/ledgerRepository';
import type { LicenceDoc } from '../../src/licensing/licenceRepository';
import { resolvePolicy } from '../../src/licensing/policy';
import { withPurchasedYear } from '../../src/licensing/purchase';
import { EmbeddedStore } from '../../src/store';

export interface LicensingBenchOptions {
  /** Default 100,000. */
  corps?: number;
  /** Where the temp data dir goes. Default the OS temp dir. */
  tmpDir?: string;
}

interface Timed<T> {
  ms: number;
  value: T;
  heapMb: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const start = process.hrtime.bigint();
  const value = await fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, value, heapMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/**
 * The licensing jobs over many corps in the embedded store: seeds `corps` corps whose trials started
 * on each of the last 90 days (half of them with a year bought), then times one day of jobs, an idle
 * run, and a 3-day catch-up, against baselines in the same run: `insertOne` of the same documents
 * (on a 10,000 sample), and a full scan that filters due corps in JS (what the `nextDueAt` index avoids).
 * Returns a markdown section for docs/performance.md.
 *
 * @example
 * console.log(await licensingBench({ corps: 10_000 }));
 */
export async function licensingBench(options: LicensingBenchOptions = {}): Promise<string> {
  const corps = options.corps ?? 100_000;
  const dir = await fs.promises.mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), 'licensing-bench-'));
  const start = Date.UTC(2027, 0, 1);
  const clock = new ManualClock(start + 90 * DAY_MS - 1); // every trial is running; one ends on each of the next 90 days
  const stores: EmbeddedStore[] = [];
  try {
    const policy = resolvePolicy();
    // Seeding 100k corps through insertOne costs ~0.3 ms per write (one datafile append each: 49 s for
    // 150k writes on 2 cores), so the seed is written as the embedded store's datafiles (one JSON line
    // per document, `<collection>.db`) and the insert path is timed on a sample instead.
    const seed = await timed(async () => {
      const licenceLines: string[] = [];
      const ledgerLines: string[] = [];
      for (let i = 0; i < corps; i++) {
        const corpId = `ww${i.toString().padStart(8, '0')}`;
        let licence = newCorpLicence(corpId, start + (i % 90) * DAY_MS, policy);
        if (Math.floor(i / 90) % 2 === 0) {
          const key = ledgerKeys.purchase(corpId, 'seed');
          const purchase: LedgerDoc = { _id: key, corpId, kind: 'purchase', credits: 4, at: licence.firstAuthorisedAt };
          ledgerLines.push(JSON.stringify(purchase));
          licence = withPurchasedYear(licence, key, licence.firstAuthorisedAt).licence;
        }
        // The warnings a running job would already have handled for trials older than their thresholds.
        licence.warningsHandled = policy.warningDays.filter((d) => licence.trialEndsAt - d * DAY_MS <= clock.now()).map((d) => `${licence.trialEndsAt}:${d}`);
        licence.nextDueAt = nextEventAt(licence, policy);
        const doc: LicenceDoc = { _id: corpId, ...licence, rev: 1 };
        licenceLines.push(JSON.stringify(doc));
      }
      await fs.promises.writeFile(path.join(dir, 'licences.db'), licenceLines.join('\n') + '\n');
      await fs.promises.writeFile(path.join(dir, 'licenceLedger.db'), ledgerLines.join('\n') + '\n');
      return ledgerLines.length;
    });
    const store = await EmbeddedStore.open({ dataDir: dir, clock, compactionIntervalMs: 0 });
    stores.push(store);
    const opened = await timed(() => LicensingService.create({ store, batchSize: 1000 })); // loads both collections, builds the indexes
    const licensing = opened.value;
    const licences = store.collection<LicenceDoc>('licences');

    const sample = Math.min(corps, 10_000);
    const insert = await timed(async () => {
      const docs = await licences.find({}, { limit: sample });
      const copy = store.collection<LicenceDoc>('insertBaseline');
      for (const d of docs) await copy.insertOne(d);
      return docs.length;
    });

    const scan = await timed(async () => {
      const all = await licences.find({});
      return all.filter((d) => d.nextDueAt !== null && d.nextDueAt <= clock.now() + DAY_MS).length;
    });
    const idle = await timed(() => licensing.runDueJobs());
    clock.advance(DAY_MS);
    const day = await timed(() => licensing.runDueJobs());
    clock.advance(3 * DAY_MS);
    const catchUp = await timed(() => licensing.runDueJobs());
    const rssMb = process.memoryUsage().rss / 2 ** 20;

    const rows = [
      ['seed: build the documents, write the datafiles', fmt(seed.ms), `${corps.toLocaleString('en')} licences, ${seed.value.toLocaleString('en')} ledger entries`, seed.heapMb],
      ['open: load both collections, build the indexes', fmt(opened.ms), `${corps.toLocaleString('en')} licences`, opened.heapMb],
      ['baseline: insertOne of licence documents through the store', fmt(insert.ms), `${insert.value.toLocaleString('en')} documents (${(insert.ms / insert.value).toFixed(2)} ms each)`, insert.heapMb],
      ['baseline: full scan of all licences, filter due in JS', fmt(scan.ms), `${scan.value.toLocaleString('en')} due of ${corps.toLocaleString('en')}`, scan.heapMb],
      ['jobs, nothing due (index range read)', fmt(idle.ms), `${idle.value.corps} corps`, idle.heapMb],
      ['jobs, one day (trial ends, activations, warnings)', fmt(day.ms), `${day.value.corps.toLocaleString('en')} corps, ${day.value.entries.toLocaleString('en')} ledger entries, ${day.value.transitions.length.toLocaleString('en')} status changes`, day.heapMb],
      ['jobs, catch-up after 3 days of downtime', fmt(catchUp.ms), `${catchUp.value.corps.toLocaleString('en')} corps, ${catchUp.value.entries.toLocaleString('en')} ledger entries, ${catchUp.value.transitions.length.toLocaleString('en')} status changes`, catchUp.heapMb],
    ];
    return [
      '## Licensing jobs',
      '',
      `${corps.toLocaleString('en')} corps in the embedded store (nedb, one process), trials started on each of the last 90 days, half with a licence year bought. ` +
        'The jobs read only corps whose `nextDueAt` has passed (an index range), so their cost follows the corps due, not the corps stored. ' +
        `Node ${process.version}, ${os.cpus().length} CPU(s); RSS at the end ${rssMb.toFixed(0)} MB.`,
      '',
      '| run | time | work | heap after |',
      '| --- | --- | --- | --- |',
      ...rows.map(([what, time, work, heap]) => `| ${what} | ${time} | ${work} | ${(heap as number).toFixed(0)} MB |`),
      '',
    ].join('\n');
  } finally {
    for (const store of stores) await store.close();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
