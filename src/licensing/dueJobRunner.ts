import { randomUUID } from 'node:crypto';
import type { Clock } from '../common';
import type { LeaseRepository } from '../store';
import type { StatusTransition } from './advance';
import { runCorpPass, type CorpPassDeps } from './corpPass';

/** The lease every licensing job run takes, on every instance. */
export const dueJobLeaseName = 'licensing:due';

export interface DueRunResult {
  /** False when another run (here or on another instance) held the lease: this one did nothing. */
  ran: boolean;
  /** The moment the run brought corps up to. */
  now: number;
  /** Corps passed. */
  corps: number;
  /** Ledger entries written. */
  entries: number;
  transitions: StatusTransition[];
  warnings: number;
  /** Corps whose pass threw; they stay due and the next run retries them. */
  failures: number;
}

export interface DueJobRunnerOptions extends CorpPassDeps {
  leases: LeaseRepository;
  clock: Clock;
  instanceId: string;
  batchSize: number;
  leaseMs: number;
}

/**
 * The licensing jobs — activate due years, expire trials and years, warn ahead of expiry, auto-renew —
 * as one pass over the corps that are due. They are one job, not four, because for one corp their
 * events interleave in time and must be played in order to catch up after downtime.
 *
 * Only due corps are read (`nextDueAt <= now`, indexed), in batches; each passed corp moves its
 * `nextDueAt` past `now` and so leaves the range. The whole run holds a store lease, renewed per
 * batch, so with N instances one runs at a time; a run that cannot take it returns `ran: false`.
 */
export class DueJobRunner {
  constructor(private readonly options: DueJobRunnerOptions) {}

  async run(): Promise<DueRunResult> {
    const { leases, clock, leaseMs, logger } = this.options;
    // A fresh owner per run: two runs in one process must exclude each other like two instances.
    const owner = `${this.options.instanceId}:${randomUUID()}`;
    const now = clock.now(); // one moment for the whole run, so a run is one consistent catch-up
    const result: DueRunResult = { ran: false, now, corps: 0, entries: 0, transitions: [], warnings: 0, failures: 0 };
    if (!(await leases.acquire(dueJobLeaseName, owner, leaseMs))) return result;
    result.ran = true;
    try {
      await this.passDueCorps(now, result, owner);
    } finally {
      await leases.release(dueJobLeaseName, owner);
    }
    if (result.corps > 0) logger.info({ corps: result.corps, entries: result.entries, transitions: result.transitions.length, failures: result.failures }, 'licensing: due jobs ran');
    return result;
  }

  private async passDueCorps(now: number, result: DueRunResult, owner: string): Promise<void> {
    const { licences, leases, batchSize, leaseMs, logger } = this.options;
    for (;;) {
      const batch = await licences.due(now, batchSize);
      if (batch.length === 0) return;
      for (const doc of batch) {
        try {
          const pass = await runCorpPass(this.options, doc, now);
          result.corps++;
          result.entries += pass.appended;
          result.warnings += pass.warnings.length;
          result.transitions.push(...pass.transitions);
        } catch (err) {
          result.failures++;
          logger.error({ err, corpId: doc._id }, 'licensing: pass failed; the corp stays due for the next run');
        }
      }
      // A corp that keeps failing would come back in every batch: leave it to the next run.
      if (result.failures > 0) return;
      if (!(await leases.renew(dueJobLeaseName, owner, leaseMs))) {
        logger.warn('licensing: lost the jobs lease mid-run; stopping (another instance carries on)');
        return;
      }
    }
  }
}
