/**
 * Markdown → readable plain text for WeChat, which shows text as it is. Bot Framework's default
 * `textFormat` is markdown, so bots write `**bold**` and `[links](…)`; WeChat customers should see
 * neither asterisks nor brackets. Best effort on CommonMark/GFM, line by line, no dependency:
 * - headings, bold, italic, strikethrough and quote markers are removed, text kept;
 * - `[text](url)` → `text (url)` (just `url` when both are the same), `![alt](url)` → `alt (url)`,
 *   `<url>` → `url`, reference links resolved and their definitions dropped;
 * - list bullets become `•` (task lists `☐`/`☑`), nested by two spaces; numbered items keep numbers;
 * - fenced code keeps its content verbatim (fences dropped); `inline code` keeps its content;
 * - tables: the delimiter row is dropped, cells are joined with ` | `;
 * - thematic breaks become an empty line; `<br>` a newline; a few simple HTML tags are removed;
 *   `&amp;`-style entities are decoded;
 * - line breaks are kept; trailing spaces are trimmed; runs of blank lines become one.
 * Nothing is escaped: the output is not markdown any more.
 */

/** Placeholder delimiters (Unicode private use) that protect code and URLs from inline rules. */
const PH_OPEN = '\uE000';
const PH_CLOSE = '\uE001';
const PH_PATTERN = new RegExp(`${PH_OPEN}(\\d+)${PH_CLOSE}`, 'g');

type RefDefs = ReadonlyMap<string, string>;
interface OutLine { readonly text: string; readonly verbatim: boolean }

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const REF_DEF = /^ {0,3}\[([^\]]+)\]:\s*<?([^\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*$/;
const ATX_HEADING = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)\s*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const BULLET = /^(\s*)[-*+]\s+(?:\[([ xX])\]\s+)?(.*)$/;
const ORDERED = /^(\s*)(\d{1,9})[.)]\s+(.*)$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$|^\s*\|\s*:?-+:?\s*\|\s*$/;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0', '#39': "'" };

/**
 * Turns Markdown into plain text a person can read in WeChat.
 *
 * @example
 * markdownToPlainText('## Hi\n**Order** [#42](https://x.cn/o/42) is *on its way*.\n- tea\n- cake')
 * // 'Hi\nOrder #42 (https://x.cn/o/42) is on its way.\n• tea\n• cake'
 */
export function markdownToPlainText(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const refs = collectReferences(lines);
  const out: OutLine[] = [];
  let fence: string | undefined;
  let previousWasParagraph = false;
  const lists: number[] = [];

  for (const line of lines) {
    if (fence !== undefined) {
      const close = FENCE.exec(line);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length && line.trim() === close[1]) fence = undefined;
      else out.push({ text: line, verbatim: true });
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      fence = open[1]!;
      previousWasParagraph = false;
      continue;
    }
    if (REF_DEF.test(line)) continue;
    // A `---`/`===` line right under text underlines a heading; elsewhere `---` is a break.
    if (previousWasParagraph && SETEXT_UNDERLINE.test(line)) {
      previousWasParagraph = false;
      continue;
    }
    const block = convertBlock(line, refs, lists);
    if (block.text !== undefined) out.push({ text: block.text, verbatim: false });
    previousWasParagraph = block.paragraph;
  }
  return tidy(out);
}

function collectReferences(lines: readonly string[]): RefDefs {
  const refs = new Map<string, string>();
  let inFence = false;
  for (const line of lines) {
    if (FENCE.test(line)) inFence = !inFence;
    const m = inFence ? null : REF_DEF.exec(line);
    if (m) refs.set(normalizeLabel(m[1]!), m[2]!);
  }
  return refs;
}

const normalizeLabel = (label: string): string => label.trim().replace(/\s+/g, ' ').toLowerCase();

/** `lists` holds the source indents of the open list levels; anything but a list item or a blank line closes them. */
function convertBlock(rawLine: string, refs: RefDefs, lists: number[]): { text: string | undefined; paragraph: boolean } {
  let line = rawLine;
  while (QUOTE.test(line)) line = line.replace(QUOTE, '');
  if (line.trim() === '') return { text: '', paragraph: false };
  const bullet = BULLET.exec(line);
  const ordered = bullet ? null : ORDERED.exec(line);
  if (!bullet && !ordered) lists.length = 0;
  if (THEMATIC_BREAK.test(line)) return { text: '', paragraph: false };

  const heading = ATX_HEADING.exec(line);
  if (heading) return { text: inline(heading[1] ?? '', refs), paragraph: false };

  if (bullet) {
    const marker = bullet[2] === undefined ? '•' : bullet[2] === ' ' ? '☐' : '☑';
    return { text: `${indent(bullet[1]!, lists)}${marker} ${inline(bullet[3]!, refs)}`, paragraph: false };
  }
  if (ordered) return { text: `${indent(ordered[1]!, lists)}${ordered[2]}. ${inline(ordered[3]!, refs)}`, paragraph: false };

  if (TABLE_DELIMITER.test(line) && line.includes('|')) return { text: undefined, paragraph: false };
  const trimmed = line.trim();
  if (trimmed.startsWith('|') && trimmed.endsWith('|') && trimmed.length > 1) {
    const cells = trimmed.slice(1, -1).split(/(?<!\\)\|/).map((c) => inline(c.trim(), refs));
    return { text: cells.join(' | '), paragraph: false };
  }
  return { text: inline(line, refs), paragraph: true };
}

/** Nested list items: two spaces per level, whatever indent the source used (2, 3, 4 spaces or a tab). */
function indent(leading: string, lists: number[]): string {
  const width = leading.replace(/\t/g, '    ').length;
  while (lists.length > 0 && lists[lists.length - 1]! > width) lists.pop();
  if (lists.length === 0 || lists[lists.length - 1]! < width) lists.push(width);
  return '  '.repeat(lists.length - 1);
}

function inline(text: string, refs: RefDefs): string {
  const saved: string[] = [];
  const keep = (s: string): string => `${PH_OPEN}${saved.push(s) - 1}${PH_CLOSE}`;
  const link = (label: string, url: string): string => {
    const shown = label.trim();
    const bare = url.replace(/^mailto:/, '');
    return shown === '' || shown === url || shown === bare ? keep(bare) : `${shown} (${keep(bare)})`;
  };

  let s = text
    // code spans first: nothing inside them is markdown
    .replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) =>
      keep(/^ .* $/.test(code) && code.trim() !== '' ? code.slice(1, -1) : code))
    .replace(/\\([!-/:-@[-`{-~])/g, (_m, ch: string) => keep(ch))
    .replace(/<((?:https?|ftp|mailto):[^\s<>]+|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)>/gi, (_m, url: string) => keep(url.replace(/^mailto:/i, '')))
    .replace(/!\[([^\]]*)\]\(\s*<?([^\s)>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g, (_m, alt: string, url: string) => link(alt, url))
    .replace(/\[([^\]]+)\]\(\s*<?([^\s)>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g, (_m, label: string, url: string) =>
      url === '' ? label : link(label, url))
    .replace(/\[([^\]]+)\](?:\[([^\]]*)\])?/g, (m, label: string, ref: string | undefined) => {
      const url = refs.get(normalizeLabel(ref === undefined || ref === '' ? label : ref));
      return url === undefined ? m : link(label, url);
    })
    // bare URLs: ASCII only (a URL glued to Chinese text ends at the first CJK character)
    .replace(/\bhttps?:\/\/[!-;=?-~]*[A-Za-z0-9/#=&_~%+-]/g, (url) => keep(url))
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?(?:b|i|em|strong|u|s|del|ins|mark|sub|sup|small|span|p|div|code|kbd)(?:\s[^<>]*)?>/gi, '')
    .replace(/&(#39|amp|lt|gt|quot|apos|nbsp);/g, (_m, name: string) => ENTITIES[name]!)
    .replace(/&#(\d{1,7});/g, (m, code: string) => fromCodePoint(Number(code)) ?? m)
    .replace(/&#x([0-9a-f]{1,6});/gi, (m, code: string) => fromCodePoint(parseInt(code, 16)) ?? m);

  s = stripEmphasis(s);
  // Restore in a loop: a saved link label may itself hold a placeholder (code inside a link).
  for (let i = 0; i < 3 && s.includes(PH_OPEN); i++) s = s.replace(PH_PATTERN, (_m, n: string) => saved[Number(n)] ?? '');
  return s;
}

function fromCodePoint(code: number): string | undefined {
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/**
 * `**x**`, `__x__`, `*x*`, `_x_`, `~~x~~` → `x`. A marker must touch its text (`2 * 3 * 4` stays)
 * and underscores must not be inside a word (`snake_case_name` stays), as in CommonMark.
 */
function stripEmphasis(text: string): string {
  const rules: readonly RegExp[] = [
    /\*\*(?=\S)([\s\S]*?\S)\*\*/g,
    /(?<![\p{L}\p{N}_])__(?=\S)([\s\S]*?\S)__(?![\p{L}\p{N}_])/gu,
    /~~(?=\S)([\s\S]*?\S)~~/g,
    /(?<!\*)\*(?=[^\s*])([\s\S]*?[^\s*])\*(?!\*)/g,
    /(?<![\p{L}\p{N}_])_(?=[^\s_])([\s\S]*?[^\s_])_(?![\p{L}\p{N}_])/gu,
  ];
  let s = text;
  for (let pass = 0; pass < 3; pass++) {
    const before = s;
    for (const rule of rules) s = s.replace(rule, '$1');
    if (s === before) break;
  }
  return s;
}

/**
 * Outside code blocks, trailing spaces (markdown hard breaks) go and runs of blank lines shrink to
 * one; code is left exactly as written. Blank lines at both ends are dropped.
 */
function tidy(lines: readonly OutLine[]): string {
  const out: string[] = [];
  for (const { text, verbatim } of lines) {
    const line = verbatim ? text : text.replace(/[ \t]+$/, '');
    if (!verbatim && line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(line);
  }
  while (out.length > 0 && out[0]!.trim() === '') out.shift();
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  return out.join('\n');
}
