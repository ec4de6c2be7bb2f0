import { splitUtf8, truncateUtf8 } from '../../src/adapter/textSplit';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * The contract: the parts, in order, are the text with at most one newline or space removed at
 * each boundary. Returns the characters that were removed (for assertions).
 */
function droppedBetween(text: string, parts: string[]): string[] {
  const dropped: string[] = [];
  let at = 0;
  parts.forEach((part, i) => {
    expect(text.startsWith(part, at)).toBe(true);
    at += part.length;
    if (i < parts.length - 1 && !text.startsWith(parts[i + 1]!, at)) {
      const gap = text.startsWith('\r\n', at) ? '\r\n' : text[at]!;
      expect(gap).toMatch(/^\s+$/);
      dropped.push(gap);
      at += gap.length;
    }
  });
  expect(at).toBe(text.length);
  return dropped;
}

/** No part starts with a lone low surrogate or ends with a lone high one, and none starts with a combining mark or ZWJ glue. */
function expectWholeCharacters(parts: string[]): void {
  for (const p of parts) {
    expect(p).not.toMatch(/^[\uDC00-\uDFFF]/);
    expect(p).not.toMatch(/[\uD800-\uDBFF]$/);
    const first = p.codePointAt(0)!;
    const glue = (first >= 0x300 && first <= 0x36f) || first === 0x200d || first === 0xfe0f || (first >= 0x1f3fb && first <= 0x1f3ff);
    expect(glue).toBe(false); // combining mark, ZWJ, variation selector or skin tone
    expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p);
  }
}

describe('splitUtf8', () => {
  const cases: { name: string; text: string; max: number; parts?: string[]; count?: number }[] = [
    { name: 'empty text gives no parts', text: '', max: 10, parts: [] },
    { name: 'short ASCII stays whole', text: 'hello', max: 10, parts: ['hello'] },
    { name: 'exactly at the limit stays whole', text: 'a'.repeat(2048), max: 2048, parts: ['a'.repeat(2048)] },
    { name: 'limit + 1 (one long word) breaks hard', text: 'a'.repeat(2049), max: 2048, parts: ['a'.repeat(2048), 'a'] },
    { name: 'ASCII breaks at the last space that fits, dropping it', text: 'hello world again', max: 12, parts: ['hello world', 'again'] },
    { name: 'a space right after a full part is a perfect break', text: 'abcd efgh', max: 4, parts: ['abcd', 'efgh'] },
    { name: 'a newline is preferred to a later space', text: 'first line\nsecond part here', max: 20, parts: ['first line', 'second part here'] },
    { name: 'CRLF counts as one newline', text: 'aaaaaa\r\nbbbbbb', max: 10, parts: ['aaaaaa', 'bbbbbb'] },
    { name: 'a break too early is refused (keeps ≥ half a part)', text: 'a bbbbbbbbbbbbbbbbbb', max: 10, parts: ['a bbbbbbbb', 'bbbbbbbbbb'] },
    { name: 'CJK (3 bytes each) never splits a character', text: '你好世界你好世界', max: 7, parts: ['你好', '世界', '你好', '世界'] },
    { name: 'CJK breaks after punctuation', text: '今天天气很好。我们出去玩吧', max: 24, parts: ['今天天气很好。', '我们出去玩吧'] },
    { name: 'emoji (4 bytes, surrogate pairs) never split', text: '😀😀😀', max: 6, parts: ['😀', '😀', '😀'] },
    { name: 'family emoji (ZWJ sequence, 25 bytes) stays whole', text: 'hi 👨‍👩‍👧‍👦 ok', max: 26, parts: ['hi ', '👨‍👩‍👧‍👦', 'ok'] },
    { name: 'skin-tone emoji stays whole', text: 'aa👍🏽', max: 8, parts: ['aa', '👍🏽'] },
    { name: 'combining accents (e + U+0301, 3 bytes) stay on their letter', text: 'e\u0301'.repeat(4), max: 6, parts: ['e\u0301e\u0301', 'e\u0301e\u0301'] },
    { name: 'a grapheme larger than the limit falls back to code points', text: `a${'\u0301'.repeat(5)}`, max: 4, count: 3 },
    { name: 'mixed ASCII, CJK and emoji', text: 'Order 订单 #42 已发货 🚚 请查收 thanks!', max: 16, count: 4 },
    { name: 'a very long single word', text: 'x'.repeat(10_000), max: 2048, count: 5 },
    { name: 'long CJK text at the real limit', text: '中'.repeat(1000), max: 2048, parts: ['中'.repeat(682), '中'.repeat(318)] },
  ];

  it.each(cases)('$name', ({ text, max, parts, count }) => {
    const got = splitUtf8(text, max);
    if (parts) expect(got).toEqual(parts);
    if (count !== undefined) expect(got).toHaveLength(count);
    for (const p of got) {
      expect(bytes(p)).toBeLessThanOrEqual(max);
      expect(p).not.toBe('');
    }
    droppedBetween(text, got);
    if (!/\u0301{2}/.test(text)) expectWholeCharacters(got);
  });

  it('fills parts: 3 parts of ≤2048 bytes for 5000 bytes of prose', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `w${i % 10}rd`).join(' ').slice(0, 5000);
    const got = splitUtf8(text, 2048);
    expect(got).toHaveLength(3);
    expect(bytes(got[0]!)).toBeGreaterThan(2040);
    expect(droppedBetween(text, got)).toEqual([' ', ' ']);
  });

  it('refuses a limit below 4 bytes (one code point may need 4)', () => {
    expect(() => splitUtf8('abc', 3)).toThrow(RangeError);
    expect(() => splitUtf8('abc', 2.5)).toThrow(RangeError);
  });
});

describe('truncateUtf8', () => {
  it.each([
    ['fits: unchanged', 'hello', 5, 'hello'],
    ['ASCII with an ellipsis', 'hello world', 8, 'hello…'],
    ['CJK at a character boundary', '你好世界', 9, '你好…'],
    ['CJK with one byte short', '你好世界', 8, '你…'],
    ['emoji are not cut in half', '😀😀😀', 9, '😀…'],
  ])('%s', (_name, text, max, expected) => {
    const got = truncateUtf8(text, max);
    expect(got).toBe(expected);
    expect(bytes(got)).toBeLessThanOrEqual(max);
  });

  it('can cut without an ellipsis', () => {
    expect(truncateUtf8('abcdef', 3, '')).toBe('abc');
  });
});
