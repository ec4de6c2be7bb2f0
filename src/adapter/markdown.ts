import type MarkdownIt from 'markdown-it';

/**
 * Markdown → readable plain text for WeChat, which shows text as it is. Bot Framework's default
 * `textFormat` is markdown, so bots write `**bold**` and `[links](…)`; WeChat customers should see
 * neither asterisks nor brackets. But the same path carries text the bot did not write as Markdown
 * (an echo of the customer's words, a product name, an id), so only what a CommonMark/GFM parser
 * (markdown-it) recognises is rendered, and everything else arrives exactly as written:
 * - headings, bold, italic, strikethrough and quote markers are removed, text kept;
 * - `[text](url)` → `text (url)` (just `url` when both are the same), `![alt](url)` → `alt (url)`,
 *   `<url>` → `url`, reference links resolved and their definitions dropped;
 * - list bullets become `•` (task lists `☐`/`☑`), nested by two spaces; numbered items keep numbers;
 * - fenced and indented code keeps its content verbatim (fences dropped); `inline code` its content;
 * - tables: cells are joined with ` | `, the delimiter row is dropped;
 * - thematic breaks become an empty line; `&amp;`-style entities are decoded; backslash escapes show the character;
 * - HTML is not interpreted: `<b>`, `a <b> c`, `x < y > z` are shown as written (WeChat cannot render it,
 *   and a customer's angle brackets are text);
 * - bare URLs are kept verbatim (no emphasis inside them), as are `snake_case` names;
 * - two departures from CommonMark, for literal text: `*` between two ASCII letters or digits is not
 *   emphasis (`2*3*4`, `a*b*c`; CJK text such as `这是**重要**的` is still emphasised), and an identifier
 *   wrapped in double underscores (`__init__`, `__foo_bar__`) is a name, not bold;
 * - line breaks and blank lines between blocks are kept; trailing spaces are trimmed; runs of blank lines
 *   become one; a text that would render to nothing (a lone `#`, `---`) is shown as written.
 * Nothing is escaped: the output is not markdown any more.
 */

interface OutLine { readonly text: string; readonly verbatim: boolean }
type Token = MarkdownIt.Token;
/** A block of the token stream: a leaf token, or an open token with what lies between it and its close. */
interface BlockNode { readonly token: Token; readonly children: readonly BlockNode[] }

const ASCII_ALNUM = /^[A-Za-z0-9]$/;
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
const DUNDER_NAME = /^_{2,}[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*_{2,}/;
const TASK = /^\[([ xX])\]\s+/;

/** The parser, and how it shows a link target. */
interface Renderer { readonly md: InstanceType<typeof MarkdownIt>; readonly displayUrl: (url: string) => string }
let renderer: Renderer | undefined;

/**
 * markdown-it, set up on the first reply with markup in it: plain replies never need it, and a
 * process that sends none does not hold it in memory (about 7 MiB with its dependencies). Loaded
 * with `require` because the reply path is synchronous.
 */
function markdownIt(): Renderer {
  if (renderer) return renderer;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous load on first use (see above)
  const MarkdownItClass = require('markdown-it') as typeof MarkdownIt;
  const md = new MarkdownItClass('default', { html: false, linkify: true, typographer: false, breaks: false });
  // Only URLs that name their scheme are links; `example.com` or `a@b.c` in running text stays text.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
  /** Link targets are shown decoded (`%E5%95%86` → `商`, punycode → Unicode), as a reader expects. */
  const displayUrl: (url: string) => string = md.normalizeLinkText.bind(md);
  // Linkified and autolinked text is shown exactly as the author wrote it, not re-encoded.
  md.normalizeLinkText = (url: string): string => url;
  md.inline.ruler.before('emphasis', 'literal_intraword_star', literalIntrawordStar);
  md.inline.ruler.before('emphasis', 'literal_dunder_name', literalDunderName);
  renderer = { md, displayUrl };
  return renderer;
}

/** `2*3*4`: a run of `*` with an ASCII letter or digit on both sides is arithmetic or an id, not emphasis. */
function literalIntrawordStar(state: MarkdownIt.StateInline, silent: boolean): boolean {
  const { src, pos, posMax } = state;
  if (src[pos] !== '*' || pos === 0) return false;
  let end = pos;
  while (end < posMax && src[end] === '*') end++;
  if (!ASCII_ALNUM.test(src[pos - 1]!) || end >= posMax || !ASCII_ALNUM.test(src[end]!)) return false;
  if (!silent) state.pending += src.slice(pos, end);
  state.pos = end;
  return true;
}

/** `__init__`: a dunder identifier is a name (Python, JS), so it keeps its underscores. */
function literalDunderName(state: MarkdownIt.StateInline, silent: boolean): boolean {
  const { src, pos, posMax } = state;
  if (src[pos] !== '_' || (pos > 0 && WORD_CHAR.test(src[pos - 1]!))) return false;
  const m = DUNDER_NAME.exec(src.slice(pos, posMax));
  if (!m) return false;
  const end = pos + m[0].length;
  if (end < posMax && WORD_CHAR.test(src[end]!)) return false;
  if (!silent) state.pending += m[0];
  state.pos = end;
  return true;
}

/**
 * Turns Markdown into plain text a person can read in WeChat.
 *
 * @example
 * markdownToPlainText('## Hi\n**Order** [#42](https://x.cn/o/42) is *on its way*.\n- tea\n- cake')
 * // 'Hi\nOrder #42 (https://x.cn/o/42) is on its way.\n• tea\n• cake'
 */
export function markdownToPlainText(markdown: string): string {
  // Most replies are plain sentences: markdown-it would only give them back as they are, at a cost
  // on every reply (the property test in test/adapter/markdown.test.ts holds the two paths equal).
  return isPlainText(markdown) ? tidy(textLines(markdown)) : renderMarkdown(markdown);
}

/** Anywhere in a text: a character some Markdown or markdown-it rule starts at (or a control character). */
const MARKUP_CHAR = /[\\`*_~[\]<>&|]|(?!\n)\p{Cc}/u;
/** At a line's start: a heading, list item, setext underline or numbered item. */
const BLOCK_START = /^(?:[#=+-]|\d{1,9}[.)])/;

/**
 * True when no Markdown rule can apply to `text`: no markup character anywhere, and each line
 * either empty or without surrounding whitespace (indentation, hard breaks) and not opening a
 * block. Such text renders as its lines, blank runs shrunk to one (see {@link tidy}).
 */
export function isPlainText(text: string): boolean {
  if (MARKUP_CHAR.test(text)) return false;
  for (const line of text.split('\n')) {
    if (line !== '' && (line !== line.trim() || BLOCK_START.test(line))) return false;
  }
  return true;
}

/** The markdown-it path, for any text. Exported for the test that holds the fast path to it. */
export function renderMarkdown(markdown: string): string {
  const source = markdown.replace(/\r\n?/g, '\n');
  const text = tidy(renderBlocks(toTree(markdownIt().md.parse(source, {})), 0, source.split('\n')));
  return text === '' ? tidy(source.split('\n').map((line) => ({ text: line, verbatim: false }))) : text;
}

function toTree(tokens: readonly Token[]): BlockNode[] {
  const root: { token: Token | undefined; children: BlockNode[] } = { token: undefined, children: [] };
  const stack: { children: BlockNode[] }[] = [root];
  for (const token of tokens) {
    if (token.nesting === -1) {
      stack.pop();
      continue;
    }
    const node = { token, children: [] as BlockNode[] };
    stack[stack.length - 1]!.children.push(node);
    if (token.nesting === 1) stack.push(node);
  }
  return root.children;
}

/** The source's lines: a blank line before a block in the source stays one in the text. */
type Source = readonly string[];

function blankBefore(node: BlockNode, source: Source): boolean {
  const start = node.token.map?.[0];
  return start !== undefined && start > 0 && /^[\s>]*$/.test(source[start - 1] ?? '');
}

function renderBlocks(nodes: readonly BlockNode[], depth: number, source: Source): OutLine[] {
  const out: OutLine[] = [];
  for (const [i, node] of nodes.entries()) {
    if (i > 0 && blankBefore(node, source)) out.push({ text: '', verbatim: false });
    out.push(...renderBlock(node, depth, source));
  }
  return out;
}

function renderBlock(node: BlockNode, depth: number, source: Source): OutLine[] {
  const { token } = node;
  switch (token.type) {
    case 'inline':
      return textLines(renderInline(token.children ?? []));
    case 'fence':
    case 'code_block':
      return token.content.replace(/\n$/, '').split('\n').map((text) => ({ text, verbatim: true }));
    case 'hr':
      return [{ text: '', verbatim: false }];
    case 'html_block':
      return textLines(token.content.replace(/\n$/, ''));
    case 'bullet_list_open':
    case 'ordered_list_open':
      return renderBlocks(node.children, depth + 1, source);
    case 'list_item_open':
      return renderListItem(node, depth, source);
    case 'table_open':
      return tableRows(node).map((row) => ({ text: row.map((cell) => renderInline(cell.children[0]?.token.children ?? [])).join(' | '), verbatim: false }));
    default:
      // paragraph, heading, blockquote: their markers go, their content stays
      return renderBlocks(node.children, depth, source);
  }
}

function renderListItem(node: BlockNode, depth: number, source: Source): OutLine[] {
  const indent = '  '.repeat(Math.max(0, depth - 1));
  const { token } = node;
  let marker = token.info !== '' ? `${token.info}.` : '•';
  const out: OutLine[] = [];
  let first = true;
  for (const [i, child] of node.children.entries()) {
    if (i > 0 && blankBefore(child, source)) out.push({ text: '', verbatim: false });
    const nested = child.token.type === 'bullet_list_open' || child.token.type === 'ordered_list_open';
    let lines = renderBlock(child, depth, source);
    // an item that opens with a list or code still shows its marker, on a line of its own
    if (first && (nested || lines[0]?.verbatim === true)) {
      out.push({ text: `${indent}${marker}`, verbatim: false });
      first = false;
    }
    // a nested list brings its own indentation
    if (nested) {
      out.push(...lines);
      continue;
    }
    const task = first && marker === '•' ? TASK.exec(lines[0]?.text ?? '') : null;
    if (task) {
      marker = task[1] === ' ' ? '☐' : '☑';
      lines = [{ text: lines[0]!.text.slice(task[0].length), verbatim: false }, ...lines.slice(1)];
    }
    for (const line of lines) {
      if (line.verbatim) out.push(line);
      else if (first) out.push({ text: `${indent}${marker} ${line.text}`, verbatim: false });
      else out.push({ text: line.text === '' ? '' : `${indent}  ${line.text}`, verbatim: false });
      first = false;
    }
  }
  // an empty item (`-` or `*` alone) shows its marker as written
  if (node.children.length === 0) out.push({ text: `${indent}${token.info}${token.markup}`, verbatim: false });
  return out;
}

function tableRows(table: BlockNode): BlockNode[][] {
  const rows: BlockNode[][] = [];
  const visit = (node: BlockNode): void => {
    if (node.token.type === 'tr_open') rows.push([...node.children]);
    else node.children.forEach(visit);
  };
  table.children.forEach(visit);
  return rows;
}

function textLines(text: string): OutLine[] {
  return text.split('\n').map((line) => ({ text: line, verbatim: false }));
}

function renderInline(tokens: readonly Token[]): string {
  let out = '';
  const links: { href: string; start: number; auto: boolean }[] = [];
  for (const token of tokens) {
    switch (token.type) {
      case 'text':
      case 'text_special':
      case 'code_inline':
      case 'html_inline':
        out += token.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        out += '\n';
        break;
      case 'image':
        out += withUrl(renderInline(token.children ?? []), attr(token, 'src'));
        break;
      case 'link_open':
        links.push({ href: attr(token, 'href'), start: out.length, auto: token.markup === 'linkify' || token.markup === 'autolink' });
        break;
      case 'link_close': {
        const link = links.pop();
        if (link && !link.auto) out = out.slice(0, link.start) + withUrl(out.slice(link.start), link.href);
        break;
      }
      default:
        // emphasis and strikethrough markers: the text between them is already in `out`
        break;
    }
  }
  return out;
}

function attr(token: Token, name: string): string {
  const value = token.attrGet(name);
  return value === null ? '' : String(value);
}

function withUrl(label: string, href: string): string {
  const url = markdownIt().displayUrl(href).replace(/^mailto:/i, '');
  const shown = label.trim();
  return shown === '' || shown === url || shown === href ? url : `${shown} (${url})`;
}

/**
 * Outside code blocks, trailing spaces go and runs of blank lines shrink to one; code is left
 * exactly as written. Blank lines at both ends are dropped.
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
