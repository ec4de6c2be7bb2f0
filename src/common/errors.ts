/**
 * The base of every error this package throws on purpose. `code` is stable and safe to match on;
 * `message` is for people and may change.
 *
 * @example
 * try { await adapter.sendActivities(ctx, [reply]); }
 * catch (e) { if (isChannelError(e, 'conversation_locked')) { ... } }
 */
export abstract class WeComChannelError extends Error {
  abstract readonly code: string;

  /**
   * True when doing the same thing again cannot succeed: a rule or WeCom said no for good. The
   * adapter does not retry a turn that failed with a final error (it would be refused again).
   */
  get final(): boolean {
    return false;
  }
}

/** True when `e` is one of ours, optionally with the given `code`. Matches by shape, so it works across copies of the package. */
export function isChannelError(e: unknown, code?: string): e is WeComChannelError {
  if (!(e instanceof Error)) return false;
  const c = (e as { code?: unknown }).code;
  if (typeof c !== 'string') return false;
  return code === undefined ? e instanceof WeComChannelError : c === code;
}

/**
 * A setting is missing or wrong. The message names the variable (or option) and how to fix it.
 *
 * @example
 * new ConfigError('WECOM_ENCODING_AES_KEY', 'must be 43 characters of base64', 'copy it from the callback settings page')
 */
export class ConfigError extends WeComChannelError {
  override readonly name = 'ConfigError' as const;
  readonly code = 'config_invalid' as const;

  constructor(
    readonly variable: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${variable} ${problem}. Fix: ${fix}`);
  }
}
