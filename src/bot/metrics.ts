import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../common/logger';
import type { LicenceStatusName } from '../licensing';
import type { OperationEvent } from '../adapter';
import type { WeComAdapter } from '../botbuilder';

const LICENCE_STATUSES = ['trial', 'trial_expired', 'active', 'expired'] as const satisfies readonly LicenceStatusName[];
const INBOX_STATUSES = ['pending', 'held', 'failed', 'refused'] as const;

/** What `GET /metrics` serves: the adapter's counters and gauges, and Node's process metrics (from the first scrape on). */
export interface AppMetrics {
  /** The registry behind `/metrics` (one per app, so several apps in one process keep apart). */
  readonly registry: Registry;
  /** The Prometheus text exposition, read fresh (gauges query the store now). */
  render(): Promise<string>;
  readonly contentType: string;
  /** Stops listening to the adapter. */
  close(): void;
}

/**
 * Prometheus metrics of one adapter: counters and the turn histogram follow its operation events;
 * inbox depth, held messages and the licence status are read from the store at each scrape, so they
 * are the same whichever instance is scraped.
 *
 * @example
 * const metrics = createAppMetrics(adapter, logger);
 * server.get('/metrics', async (_req, res) => { res.setHeader('Content-Type', metrics.contentType); res.end(await metrics.render()); });
 */
export function createAppMetrics(adapter: WeComAdapter, logger: Logger): AppMetrics {
  const registry = new Registry();
  // Node's process metrics start at the first scrape: each set runs an event-loop monitor and a GC
  // observer for good, which an app that is never scraped (tests, benchmarks) need not pay for.
  let processMetrics = false;

  const callbacks = new Counter({ name: 'wecom_kf_callbacks_total', help: 'WeCom callback requests by result (ok, verified, rejected, error)', labelNames: ['result'], registers: [registry] });
  const pulls = new Counter({ name: 'wecom_kf_pulls_total', help: 'kf/sync_msg pull rounds of an account by result (ok, error, busy: another instance pulls it)', labelNames: ['result'], registers: [registry] });
  const sends = new Counter({
    name: 'wecom_kf_sends_total', help: 'kf messages sent by result (ok, refused, error, unknown) and WeCom errcode (none: WeCom gave no answer)',
    labelNames: ['result', 'errcode'], registers: [registry],
  });
  const turns = new Histogram({
    name: 'wecom_kf_turn_duration_seconds', help: 'Time the bot took for a customer message\'s turn, sends included, by result (ok, refused, held, retry, failed)',
    labelNames: ['result'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry],
  });
  for (const result of ['ok', 'verified', 'rejected', 'error']) callbacks.inc({ result }, 0);
  for (const result of ['ok', 'error', 'busy']) pulls.inc({ result }, 0);
  sends.inc({ result: 'ok', errcode: '0' }, 0);

  // Both inbox gauges read one count per scrape (the registry collects all metrics at once).
  let counting: Promise<Awaited<ReturnType<WeComAdapter['inboxCounts']>> | undefined> | undefined;
  const inboxCounts = (): Promise<Awaited<ReturnType<WeComAdapter['inboxCounts']>> | undefined> => {
    counting ??= adapter.inboxCounts()
      .catch((e: unknown) => {
        logger.warn({ err: e }, 'metrics: could not count the inbox (the store may be down)');
        return undefined;
      })
      .finally(() => (counting = undefined));
    return counting;
  };
  new Gauge({
    name: 'wecom_kf_inbox_messages', help: 'Inbox messages of the corp by status (pending, held, failed, refused); finished ones are not counted',
    labelNames: ['status'], registers: [registry],
    async collect() {
      const counts = await inboxCounts();
      this.reset(); // no figure rather than a stale one when the store cannot be read
      if (counts) for (const status of INBOX_STATUSES) this.set({ status }, counts[status]);
    },
  });
  new Gauge({
    name: 'wecom_kf_held_messages', help: 'Customer messages held while the corp\'s licence is not valid (answered in order once it is)',
    registers: [registry],
    async collect() {
      const counts = await inboxCounts();
      this.reset();
      if (counts) this.set(counts.held);
    },
  });
  new Gauge({
    name: 'wecom_kf_licence_status', help: 'The corp\'s licence status: 1 for the current one (trial, trial_expired, active, expired), 0 for the others',
    labelNames: ['corp', 'status'], registers: [registry],
    async collect() {
      this.reset();
      if (!adapter.licenceGate) return; // licensing is off for this adapter
      try {
        const licensing = await adapter.licensing();
        // Every corp served (provider mode: each authorised corp; a corp with no licence yet is skipped).
        for (const { corpId } of await adapter.corps()) {
          const view = await licensing.status(corpId).catch((e: unknown) => {
            if ((e as { code?: unknown }).code === 'unknown_corp') return undefined;
            throw e;
          });
          if (view) for (const status of LICENCE_STATUSES) this.set({ corp: corpId, status }, view.status === status ? 1 : 0);
        }
      } catch (e) {
        logger.warn({ err: e }, 'metrics: could not read the licence status (the store may be down)');
      }
    },
  });

  const stop = adapter.onOperation((event: OperationEvent) => {
    switch (event.kind) {
      case 'callback':
        return callbacks.inc({ result: event.result });
      case 'pull':
        return pulls.inc({ result: event.result });
      case 'send':
        return sends.inc({ result: event.result, errcode: event.errcode === undefined ? 'none' : String(event.errcode) });
      case 'turn':
        return turns.observe({ result: event.result }, event.seconds);
    }
  });

  return {
    registry,
    contentType: registry.contentType,
    render: () => {
      if (!processMetrics) collectDefaultMetrics({ register: registry });
      processMetrics = true;
      return registry.metrics();
    },
    close: stop,
  };
}
