/**
 * Fields of a WeCom JSON answer, read so that a hostile or broken answer gives a typed result or a
 * typed error, never a TypeError.
 */

/**
 * A number from a field of a WeCom JSON answer: numbers as they are, numeric strings parsed, anything
 * else NaN. `Number(value)` alone throws on some objects JSON can hold (`{"toString":null}` has no
 * usable conversion), and a hostile or broken answer must give a typed error, not a TypeError.
 *
 * @example
 * jsonNumber('7200'); // 7200
 * jsonNumber({ toString: null }); // NaN
 */
export function jsonNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return Number.NaN;
}

/**
 * An id from a field of a WeCom JSON answer: strings as they are, numbers as their string (WeCom
 * documents strings but has sent numbers), anything else undefined. An id that is not a string
 * would be stored and sent back, or key a conversation, and fail everything after it.
 *
 * @example
 * jsonId(123); // '123'
 * jsonId({}); // undefined
 */
export function jsonId(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : undefined;
}
