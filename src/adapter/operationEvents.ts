import type { Logger } from '../common/logger';

/**
 * How a WeCom callback request ended: `ok` accepted (200), `verified` a URL check answered,
 * `rejected` refused as bad (4xx: signature, decryption, size, replay), `error` not taken (5xx: the
 * store is down or the process is shutting down; WeCom delivers it again).
 */
export type CallbackResult = 'ok' | 'verified' | 'rejected' | 'error';

/** How one pull of an account ended: `busy` another instance holds its sync lease and pulls it. */
export type PullResult = 'ok' | 'error' | 'busy';

/**
 * How one kf message send ended: `ok` WeCom took it, `refused` a rule refused or held it back before
 * it went out, `error` WeCom refused it (see its errcode), `unknown` no answer (it may have gone out).
 */
export type SendResult = 'ok' | 'refused' | 'error' | 'unknown';

/**
 * How an inbox turn ended: `ok` done, `refused` a final refusal (not retried), `held` its corp's
 * licence lapsed during the turn, `retry` failed and will run again, `failed` parked after its last attempt.
 */
export type TurnResult = 'ok' | 'refused' | 'held' | 'retry' | 'failed';

/** What the adapter did, for metrics and monitoring. */
export type OperationEvent =
  | { readonly kind: 'callback'; readonly result: CallbackResult }
  | { readonly kind: 'pull'; readonly result: PullResult }
  | { readonly kind: 'send'; readonly result: SendResult; readonly errcode?: number }
  | { readonly kind: 'turn'; readonly result: TurnResult; readonly seconds: number };

export type OperationListener = (event: OperationEvent) => void;

/** Reports an event to whoever listens (the pipeline and the sender hold one). */
export type ReportOperation = (event: OperationEvent) => void;

/**
 * The adapter's operation listeners. A listener that throws is logged and skipped: counting must
 * never fail a callback, a pull or a turn.
 */
export class OperationEvents {
  private readonly listeners = new Set<OperationListener>();

  constructor(private readonly logger: Logger) {}

  on(listener: OperationListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  readonly report: ReportOperation = (event) => {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        this.logger.warn({ err: e, kind: event.kind }, 'an operation listener threw; ignored');
      }
    }
  };
}

/** Seconds since `startedAt` (a `performance.now()` reading): turn latency is measured on the monotonic clock, not the (test) clock rules see. */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
