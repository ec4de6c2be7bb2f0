import fc from 'fast-check';
import { isPlainText, markdownToPlainText, renderMarkdown } from '../../src/adapter/markdown';
import { propertyRuns } from '../reliability/propertyRuns';

describe('markdownToPlainText', () => {
  it.each([
    ['plain text stays as it is', 'Hello, 你好!', 'Hello, 你好!'],
    ['line breaks are kept', 'line one\nline two\n\nparagraph', 'line one\nline two\n\nparagraph'],
    ['CRLF becomes LF', 'a\r\nb', 'a\nb'],
    ['ATX headings lose their #', '# Title\n## Sub ##\n###### Deep', 'Title\nSub\nDeep'],
    ['a hashtag is not a heading', '#hashtag and C#', '#hashtag and C#'],
    ['setext headings lose their underline', 'Title\n=====\nSub\n---\ntext', 'Title\nSub\ntext'],
    ['bold and italic markers go', '**bold** __two words__ *it* _it_ ***both*** ~~gone~~', 'bold two words it it both gone'],
    ['emphasis inside CJK text', '这是**重要**的', '这是重要的'],
    ['a lone asterisk is arithmetic, not emphasis', '2 * 3 * 4 = 24', '2 * 3 * 4 = 24'],
    ['snake_case words keep their underscores', 'use snake_case_name here', 'use snake_case_name here'],
    ['links become text (url)', 'See [our shop](https://shop.example.cn/a_b_c?x=1) now', 'See our shop (https://shop.example.cn/a_b_c?x=1) now'],
    ['a link whose text is its url is shown once', '[https://x.cn](https://x.cn)', 'https://x.cn'],
    ['link titles are dropped', '[docs](https://d.cn "Docs")', 'docs (https://d.cn)'],
    ['emphasis inside link text goes', '[**bold link**](https://x.cn)', 'bold link (https://x.cn)'],
    ['images become alt (url)', '![logo](https://x.cn/logo.png)', 'logo (https://x.cn/logo.png)'],
    ['autolinks lose their brackets', '<https://x.cn/a_b_> and <a@b.cn>', 'https://x.cn/a_b_ and a@b.cn'],
    ['bare URLs are not touched by emphasis rules', 'go to https://x.cn/_a_/*b* please', 'go to https://x.cn/_a_/*b* please'],
    ['a URL glued to Chinese ends at the Chinese', '访问https://x.cn/a，谢谢', '访问https://x.cn/a，谢谢'],
    ['reference links resolve and definitions vanish', 'Read [the guide][g] or [faq].\n\n[g]: https://g.cn\n[FAQ]: <https://f.cn> "FAQ"', 'Read the guide (https://g.cn) or faq (https://f.cn).'],
    ['unresolved brackets stay', 'note [1] and [x]', 'note [1] and [x]'],
    ['bullets become •', '- tea\n* cake\n+ milk', '• tea\n• cake\n• milk'],
    ['nested bullets indent by two spaces per level', '- a\n    - b\n        - c\n    - d\n- e\n\t1. f', '• a\n  • b\n    • c\n  • d\n• e\n  1. f'],
    ['a blank line and a paragraph end a list', '- a\n  - b\n\ntext\n\n- c', '• a\n  • b\n\ntext\n\n• c'],
    ['an unindented line right under an item continues it (CommonMark lazy continuation)', '- a\n  - b\ntext\n  - c', '• a\n  • b\n    text\n  • c'],
    ['task lists', '- [ ] todo\n- [x] done', '☐ todo\n☑ done'],
    ['numbered lists keep their numbers', '1. one\n2) two\n10. ten', '1. one\n2. two\n10. ten'],
    ['list items keep inline formatting rules', '- **Price**: [¥12](https://p.cn)', '• Price: ¥12 (https://p.cn)'],
    ['quotes lose their >', '> quoted **text**\n>> nested', 'quoted text\nnested'],
    ['thematic breaks become a blank line', 'above\n\n***\n\nbelow', 'above\n\nbelow'],
    ['inline code keeps its content verbatim', 'run `npm **test**` now', 'run npm **test** now'],
    ['double-backtick code with a backtick inside', '``a ` b``', 'a ` b'],
    ['fenced code is kept verbatim, fences dropped', 'Example:\n```ts\nconst a = **b**;\n\n\n  indented  \n```\nafter', 'Example:\nconst a = **b**;\n\n\n  indented  \nafter'],
    ['tilde fences and an unclosed fence', '~~~\n# not a heading\n~~~\n```\n- not a bullet', '# not a heading\n- not a bullet'],
    ['backslash escapes show the character', '\\*not italic\\* and 1\\. item', '*not italic* and 1. item'],
    ['tables: delimiter row dropped, cells joined', '| Item | Price |\n|:---|---:|\n| Tea | ¥3 |', 'Item | Price\nTea | ¥3'],
    ['HTML is not interpreted: tags are shown as written', 'a<br>b <b>bold</b> <span class="x">s</span>', 'a<br>b <b>bold</b> <span class="x">s</span>'],
    ['entities are decoded', 'Tom &amp; Jerry &lt;3 &#20320;&#x597D;', 'Tom & Jerry <3 你好'],
    ['a comparison is not a tag', 'if a < b and c > d', 'if a < b and c > d'],
    ['blank-line runs shrink to one and ends are trimmed', '\n\n  \nfirst\n\n\n\nsecond  \n\n', 'first\n\nsecond'],
    ['nothing is escaped in the output', 'price: 5 * 2 < 11 & "ok"', 'price: 5 * 2 < 11 & "ok"'],
    ['empty input', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(markdownToPlainText(input)).toBe(expected);
  });

  // Text the bot did not mean as Markdown (an echo of the customer, an id, a formula) must arrive as written.
  it.each([
    ['a customer\'s angle brackets', 'hello 你好 <b>'],
    ['a tag-like word between words', 'a <b> c'],
    ['comparisons', 'x < y > z'],
    ['an HTML block', '<div>\nblock\n</div>'],
    ['a script tag', '<script>alert(1)</script>'],
    ['multiplication without spaces', '2*3*4'],
    ['stars inside ASCII words', 'a*b*c and 2**10**'],
    ['a snake_case id', 'snake_case_id'],
    ['dunder names', '__init__ and __foo_bar__'],
    ['a bare URL with underscores and stars', 'see https://x.cn/a_b_c_/*d* and http://y.cn/path_(x)_y.'],
    ['a URL with underscores on its own', 'https://example.com/foo_bar_baz'],
    ['a domain and an e-mail without a scheme', 'www.x.cn or a@b.cn'],
    ['a lone #', '#'],
    ['a lone -', '-'],
    ['a lone *', '*'],
    ['a thematic break alone', '---'],
    ['emoji', '😀 👍🏽 🇨🇳'],
    ['a Windows path', 'C:\\path\\to\\file'],
    ['CJK punctuation and asterisks CommonMark cannot pair', '**重要：**请注意'],
    ['a price', 'price $5*2'],
  ])('literal: %s', (_name, input) => {
    expect(markdownToPlainText(input)).toBe(input);
  });

  it.each([
    ['CJK with asterisks', '中文**加粗**文字 和 *斜体*', '中文加粗文字 和 斜体'],
    ['code spans keep markup and brackets', 'run `a <b> *c* __d__`', 'run a <b> *c* __d__'],
    ['nested lists of both kinds', '- a\n  - b\n    1. c\n- d', '• a\n  • b\n    1. c\n• d'],
    ['a list item with two paragraphs', '1. a\n   continued\n\n   second para\n2. b', '1. a\n  continued\n\n  second para\n2. b'],
    ['a list in a quote', '> - q1\n> - q2', '• q1\n• q2'],
    ['a link to a Chinese path is shown decoded', '[商品](https://x.cn/商品?a=1)', '商品 (https://x.cn/商品?a=1)'],
    ['escaped angle brackets', '\\<b\\>', '<b>'],
    ['entities', '&lt;b&gt; &copy; &#x1F600;', '<b> © 😀'],
    ['emoji inside bold', '😀 **😀** 👍🏽', '😀 😀 👍🏽'],
    ['a dunder with spaces is bold', '__two words__', 'two words'],
    ['an empty heading under text', 'text\n#', 'text'],
    ['an item that opens with a nested list or code keeps its marker', '- - a\n- ```\n  code\n  ```', '•\n  • a\n•\ncode'],
  ])('rendered: %s', (_name, input, expected) => {
    expect(markdownToPlainText(input)).toBe(expected);
  });
});

describe('markdownToPlainText without markup', () => {
  // Pieces of everyday replies, with the characters that are markup only in some places (a line's
  // start, after a bracket) and those that never are; `#`, `-`, digits and spaces also open lines.
  const piece = fc.oneof(
    fc.constantFrom('Hello', 'order', '你好', '订单', '😀', '👍🏽', 'ÄÖü', '42', '2024', '3.5', 'x1', 'Ｔｅｓｔ'),
    fc.constantFrom(' ', '  ', '\u3000', '\u00a0', ' \n', '\n', '\n\n', '\n\n\n', '\n ', '\n    ', ' \n\n'),
    fc.constantFrom(':', '/', '.', ',', '!', '?', '(', ')', '"', "'", '@', '%', '$', '^', '{', '}', '=', '+', '-', '#', '1.', '2)', '——', '，', '。', '：'),
    fc.constantFrom('https://x.cn/a?b=1', 'http://例子.cn/路径', 'mailto:a@b.cn', '//x.cn', 'www.x.cn', 'a@b.cn', 'ftp://f.cn/x'),
    fc.constantFrom('---', '===', '# ', '- ', '+ ', '1. ', '10) ', '> ', '*', '_', '`', '~', '[', ']', '<', '&amp;', '|', '\\', '\t', '\r\n', '\r'),
  );
  const text = fc.array(piece, { maxLength: 14 }).map((parts) => parts.join(''));

  it('gives exactly what markdown-it gives, for any text (the fast path is taken only for plain text)', () => {
    let plain = 0;
    let all = 0;
    fc.assert(fc.property(text, (input) => {
      all++;
      if (isPlainText(input)) plain++;
      expect(markdownToPlainText(input)).toBe(renderMarkdown(input));
    }), propertyRuns(3000));
    // The generator must exercise the fast path, not only the markup one.
    expect(plain / all).toBeGreaterThan(0.2);
  });

  it.each([
    ['a sentence', 'You said: message 0'],
    ['lines and paragraphs', 'line one\nline two\n\n\nparagraph\n'],
    ['a URL', 'see https://x.cn/a?b=1 (today)'],
    ['a date that is no list item', '2024-05-01 is fine'],
  ])('plain text takes the fast path: %s', (_name, input) => {
    expect(isPlainText(input)).toBe(true);
    expect(markdownToPlainText(input)).toBe(renderMarkdown(input));
  });
});
