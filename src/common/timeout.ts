import { WeComChannelError } from './errors';

/** {@link withTimeout}'s work did not settle in time. The work itself goes on, unobserved. */
export class TimeoutError extends WeComChannelError {
  override readonly name = 'TimeoutError' as const;
  readonly code = 'timeout' as const;

  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/**
 * `work`'s outcome, or a {@link TimeoutError} once `ms` have passed (a hung disk, server or batch
 * must not hang its caller). The timer is cleared as soon as `work` settles.
 *
 * @example
 * await withTimeout(probeDataDir(dir), 2000, `DATA_DIR ${dir}`); // TimeoutError after 2 s
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
