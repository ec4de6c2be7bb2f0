import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src/common';
import { DAY_MS, LicensingService, type DueRunResult, type LicensingPolicy, type StatusTransition } from '../../src/licensing';
import { EmbeddedStore } from '../../src/store';

/** 2027-01-01T00:00Z: day 1 of the seed's example. */
export const T0 = Date.UTC(2027, 0, 1);
export const days = (n: number): number => n * DAY_MS;
export const iso = (ms: number): string => new Date(ms).toISOString();

export interface Harness {
  clock: ManualClock;
  store: EmbeddedStore;
  licensing: LicensingService;
  transitions: StatusTransition[];
  /** Opens another service on the same store (a second instance). */
  another(): Promise<LicensingService>;
  /** Moves the clock and runs the due jobs, as the admin test clock does. */
  advance(ms: number): Promise<DueRunResult>;
  close(): Promise<void>;
}

/** A licensing service on a fresh embedded store in a temp dir, its clock at {@link T0}. */
export async function openHarness(policy?: Partial<LicensingPolicy>): Promise<Harness> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'licensing-'));
  const clock = new ManualClock(T0);
  const store = await EmbeddedStore.open({ dataDir: dir, clock, compactionIntervalMs: 0 });
  const licensing = await LicensingService.create({ store, policy });
  const transitions: StatusTransition[] = [];
  licensing.onStatusChange((_corpId, _from, _to, t) => transitions.push(t));
  return {
    clock,
    store,
    licensing,
    transitions,
    another: () => LicensingService.create({ store, policy, instanceId: 'other' }),
    async advance(ms) {
      clock.advance(ms);
      const result = await licensing.runDueJobs();
      if (result.failures > 0) throw new Error(`${result.failures} corp pass(es) failed`);
      return result;
    },
    async close() {
      await store.close();
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
  };
}
