import cron, { type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import { ConfigError, silentLogger, type Logger } from '../common';
import type { DueRunResult } from './dueJobRunner';

/** What the scheduler runs: {@link LicensingService.runDueJobs}. */
export interface DueJobs {
  runDueJobs(): Promise<DueRunResult>;
}

export interface LicensingSchedulerOptions {
  /**
   * Cron expression (node-cron syntax, 5 or 6 fields). Default `* * * * *`: every minute. A run
   * that finds nothing due is one indexed read, and the minute bounds how long a paid year that
   * starts at the trial's end waits for its activation.
   */
  schedule?: string;
  /** Time zone of the expression. Default `UTC`. */
  timezone?: string;
  /** Run once at start-up, to catch up on what fell due during downtime. Default true. */
  runAtStart?: boolean;
  /** Default: silent. */
  logger?: Logger;
}

/** Job name, for logs and the manifest's scheduled jobs. */
export const licensingJobName = 'licensing-due';

/**
 * Runs the licensing jobs on a node-cron schedule, plus once at start-up. Overlapping runs in this
 * process are skipped by node-cron (`noOverlap`); across instances the store lease does it.
 *
 * @example
 * const scheduler = new LicensingScheduler(licensing, { schedule: process.env.LICENSING_CRON });
 * await scheduler.start();
 * // on shutdown:
 * await scheduler.stop();
 */
export class LicensingScheduler {
  private task: ScheduledTask | undefined;
  private readonly options: Required<LicensingSchedulerOptions>;
  private stopped = false;

  constructor(
    private readonly jobs: DueJobs,
    options: LicensingSchedulerOptions = {},
  ) {
    this.options = {
      schedule: options.schedule ?? '* * * * *',
      timezone: options.timezone ?? 'UTC',
      runAtStart: options.runAtStart ?? true,
      logger: options.logger ?? silentLogger,
    };
    if (!cron.validate(this.options.schedule)) {
      throw new ConfigError('LICENSING_CRON', `is not a valid cron expression ("${this.options.schedule}")`, 'use 5 or 6 cron fields, e.g. "* * * * *" for every minute');
    }
  }

  /** Starts the schedule; with `runAtStart`, first runs the jobs once and waits for that run. */
  async start(): Promise<void> {
    if (this.task || this.stopped) return;
    if (this.options.runAtStart) await this.runOnce('start-up');
    // stop() may have come during that first run: then no schedule may start (it would outlive us).
    if (this.task || this.stopped) return;
    this.task = cron.schedule(this.options.schedule, () => this.runOnce('schedule'), {
      name: licensingJobName,
      timezone: this.options.timezone,
      noOverlap: true,
      logger: cronLogger(this.options.logger),
    });
  }

  /** Stops the schedule. A run in progress finishes on its own. */
  async stop(): Promise<void> {
    this.stopped = true;
    const task = this.task;
    this.task = undefined;
    if (!task) return;
    await task.stop();
    await task.destroy();
  }

  /** When the schedule fires next, or null when stopped. */
  nextRun(): Date | null {
    return this.task?.getNextRun() ?? null;
  }

  private async runOnce(trigger: 'start-up' | 'schedule'): Promise<void> {
    try {
      const result = await this.jobs.runDueJobs();
      if (!result.ran) this.options.logger.debug({ trigger }, 'licensing: jobs ran elsewhere (lease held)');
    } catch (err) {
      // A failed run leaves every corp due; the next run retries. Never crash the process for it.
      this.options.logger.error({ err, trigger }, 'licensing: job run failed');
    }
  }
}

function cronLogger(logger: Logger): CronLogger {
  return {
    info: (m) => logger.info(`node-cron: ${m}`),
    warn: (m) => logger.warn(`node-cron: ${m}`),
    error: (m, err) => logger.error({ err: err ?? m }, 'node-cron error'),
    debug: (m) => logger.debug({ detail: String(m) }, 'node-cron'),
  };
}
