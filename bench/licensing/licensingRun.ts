/**
 * The child process of the licensing bench (bench/licensing/licensingBench.ts): opens the seeded
 * `DATA_DIR` (argv: dataDir, corps, start time), times the runs and sends them to the parent, so
 * the RSS it reports is the store's and the jobs', not the seed's.
 */
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../src/common';
import { DAY_MS, LicensingService } from '../../src/licensing';
import type { LicenceDoc } from '../../src/licensing/licenceRepository';
import { openStore } from '../../src/store';

export interface LicensingRunRow {
  what: string;
  ms: number;
  work: string;
  heapMb: number;
}

export interface LicensingRunResult {
  rows: LicensingRunRow[];
  /** After a full GC, once the jobs ran (before the full-scan baseline). */
  rssMb: number;
  peakRssMb: number;
  heapUsedMb: number;
}

/** RSS after a full GC (the child runs with --expose-gc): what the store and the service keep, not the garbage of the last run. */
function rss(): { rssMb: number; peakRssMb: number; heapUsedMb: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024, heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20 };
}

async function main(): Promise<void> {
  const [dataDir, corpsText, startText] = process.argv.slice(2);
  const corps = Number(corpsText);
  const clock = new ManualClock(Number(startText) + 90 * DAY_MS - 1); // every trial is running; one ends on each of the next 90 days
  const store = await openStore({ dataDir: dataDir!, clock, compactionIntervalMs: 0 });
  const rows: LicensingRunRow[] = [];
  let afterJobs: ReturnType<typeof rss> | undefined;
  const timed = async <T>(what: string, fn: () => Promise<T>, work: (value: T) => string): Promise<T> => {
    const start = process.hrtime.bigint();
    const value = await fn();
    rows.push({ what, ms: Number(process.hrtime.bigint() - start) / 1e6, work: work(value), heapMb: process.memoryUsage().heapUsed / 2 ** 20 });
    return value;
  };
  try {
    const licensing = await timed('open: LicensingService.create (loads both collections, builds the indexes)', () => LicensingService.create({ store, batchSize: 1000 }), () => `${corps.toLocaleString('en')} licences`);
    const licences = store.collection<LicenceDoc>('licences');
    const sample = Math.min(corps, 10_000);
    await timed('baseline: insertOne of licence documents through the store', async () => {
      const docs = await licences.find({}, { limit: sample });
      const copy = store.collection<LicenceDoc>('insertBaseline');
      for (const d of docs) await copy.insertOne(d);
      return docs.length;
    }, (n) => `${n.toLocaleString('en')} documents`);
    const jobs = (r: Awaited<ReturnType<LicensingService['runDueJobs']>>): string => `${r.corps.toLocaleString('en')} corps, ${r.entries.toLocaleString('en')} ledger entries, ${r.transitions.length.toLocaleString('en')} status changes`;
    await timed('jobs, nothing due (index range read)', () => licensing.runDueJobs(), jobs);
    clock.advance(DAY_MS);
    await timed('jobs, one day (trial ends, activations, warnings)', () => licensing.runDueJobs(), jobs);
    clock.advance(3 * DAY_MS);
    await timed('jobs, catch-up after 3 days of downtime', () => licensing.runDueJobs(), jobs);
    afterJobs = rss();
    await timed('baseline: full scan of all licences, filter due in JS', async () => {
      const all = await licences.find({});
      return all.filter((d) => d.nextDueAt !== null && d.nextDueAt <= clock.now() + DAY_MS).length;
    }, (n) => `${n.toLocaleString('en')} due of ${corps.toLocaleString('en')}`);
  } finally {
    await store.close();
  }
  const result: LicensingRunResult = { rows, ...afterJobs!, peakRssMb: rss().peakRssMb };
  process.send!(result);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
