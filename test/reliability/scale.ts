/**
 * Time scale of the in-process reliability scenarios. The adapter's waits are real timers, so an
 * outage of "120 s" is played at 1/SCALE: the outage lasts 120 s / SCALE of wall time, and every
 * wait the adapter chooses for itself (first pull retry, first turn retry, request timeout) is
 * scaled by the same factor through its options. Ratios between outage and back-off, which decide
 * how many retries an outage costs and how long recovery takes, are those of production.
 */
import type { WeComAdapterOptions } from '../../src/adapter';

export const SCALE = 20;

/** `ms` of WeCom time, in wall-clock ms. */
export const scaled = (ms: number): number => Math.round(ms / SCALE);

/** The adapter's defaults (1 s first pull retry, 1 s first turn retry, 10 s per request), scaled. */
export const scaledAdapterOptions: Partial<WeComAdapterOptions> = {
  pullRetryBaseMs: scaled(1_000),
  retryDelayMs: scaled(1_000),
  // Not scaled below 1 s: on a loaded 2-core machine a healthy answer can take a few hundred ms,
  // and a spurious timeout would turn every scenario into a hang scenario.
  requestTimeoutMs: Math.max(1_000, scaled(10_000)),
};
