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
