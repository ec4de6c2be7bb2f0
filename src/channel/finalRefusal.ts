import { isChannelError } from '../common/errors';

/**
 * Whether a turn's error is a final refusal (a rule said no, WeCom refused for good) rather than a
 * failure worth retrying. An `onTurnError` that swallows only these lets the adapter retry the turn
 * after outages, so no reply is lost.
 *
 * @example
 * adapter.onTurnError = async (context, error) => { if (!isFinalRefusal(error)) throw error; };
 */
export function isFinalRefusal(error: unknown): boolean {
  return isChannelError(error) && error.final;
}
