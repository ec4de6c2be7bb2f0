/**
 * Splitting long text into parts of at most N UTF-8 bytes (WeCom's text limit is 2048 bytes,
 * wecom-kf-api.md §6). Each part costs one of the customer's 5 replies, so parts are filled as far
 * as possible and a nicer break point is taken only when it keeps at least half of the part.
 */

const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Smallest `maxBytes` accepted: one code point can take 4 bytes. */
export const MIN_SPLIT_BYTES = 4;

/** Sentence and clause ends after which a hard break reads naturally (CJK and Latin). */
const PUNCTUATION = new Set(['。', '！', '？', '；', '，', '、', '：', '.', '!', '?', ';', ',', '…']);

const isNewline = (g: string): boolean => g === '\n' || g === '\r\n' || g === '\r';
const isSpace = (g: string): boolean => !isNewline(g) && /^\s$/u.test(g);

/**
 * User-perceived characters (grapheme clusters), so a surrogate pair, an emoji with skin tone or
 * ZWJ, or a letter with combining accents is never cut. A cluster bigger than `maxBytes` (absurd
 * stacks of combining marks) falls back to code points, which are at most 4 bytes.
 */
function graphemes(text: string, maxBytes: number): string[] {
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    if (utf8(segment) <= maxBytes) out.push(segment);
    else out.push(...Array.from(segment));
  }
  return out;
}

/**
 * Splits `text` into parts of at most `maxBytes` UTF-8 bytes without breaking a character.
 *
 * Where a part must end, it prefers (as long as the part keeps at least half of `maxBytes`):
 * a newline, then a space, then just after punctuation, else a hard break between characters.
 * The newline (`\n`, `\r\n` or `\r`) or space broken at is dropped; nothing else is added or removed,
 * so `parts` joined with the dropped characters gives back `text`. Empty text gives `[]`.
 *
 * @example
 * splitUtf8('hello world', 8) // ['hello', 'world']
 * splitUtf8('你好世界', 6)      // ['你好', '世界']  (3 bytes per character)
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (!Number.isInteger(maxBytes) || maxBytes < MIN_SPLIT_BYTES) {
    throw new RangeError(`maxBytes must be an integer ≥ ${MIN_SPLIT_BYTES}, got ${maxBytes}`);
  }
  if (text === '') return [];
  if (utf8(text) <= maxBytes) return [text];

  const g = graphemes(text, maxBytes);
  const sizes = g.map(utf8);
  const parts: string[] = [];
  let start = 0;
  while (start < g.length) {
    let end = start;
    let bytes = 0;
    while (end < g.length && bytes + sizes[end]! <= maxBytes) bytes += sizes[end++]!;
    if (end === g.length) {
      parts.push(g.slice(start).join(''));
      break;
    }
    const cut = breakPoint(g, sizes, start, end, maxBytes);
    parts.push(g.slice(start, cut.partEnd).join(''));
    start = cut.nextStart;
  }
  return parts;
}

/**
 * Where to end the part that may hold graphemes [start, end). `end` itself is the first one that
 * does not fit; a newline or space there is a perfect break (the part is full and loses nothing).
 */
function breakPoint(g: string[], sizes: number[], start: number, end: number, maxBytes: number): { partEnd: number; nextStart: number } {
  const minBytes = Math.ceil(maxBytes / 2);
  // bytesBefore[k - start] = bytes of graphemes [start, k)
  const bytesBefore: number[] = [0];
  for (let k = start; k < end; k++) bytesBefore.push(bytesBefore[bytesBefore.length - 1]! + sizes[k]!);
  const longEnough = (k: number): boolean => bytesBefore[k - start]! >= minBytes && k > start;

  for (const matches of [isNewline, isSpace]) {
    for (let k = end; k > start && longEnough(k); k--) {
      if (matches(g[k]!)) return { partEnd: k, nextStart: k + 1 };
    }
  }
  for (let k = end; k > start && longEnough(k); k--) {
    if (PUNCTUATION.has(g[k - 1]!)) return { partEnd: k, nextStart: k };
  }
  return { partEnd: end, nextStart: end };
}

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes at a character boundary, ending with `ellipsis`
 * when something was cut (WeCom truncates titles itself, but mid-character).
 *
 * @example
 * truncateUtf8('hello world', 8) // 'hello…' (5 bytes + 3 for '…')
 * truncateUtf8('你好世界', 9)    // '你好…'
 */
export function truncateUtf8(text: string, maxBytes: number, ellipsis = '…'): string {
  if (utf8(text) <= maxBytes) return text;
  const room = maxBytes - utf8(ellipsis);
  if (room < 0) return '';
  let out = '';
  let bytes = 0;
  for (const { segment } of segmenter.segment(text)) {
    const size = utf8(segment);
    if (bytes + size > room) break;
    out += segment;
    bytes += size;
  }
  return out + ellipsis;
}
