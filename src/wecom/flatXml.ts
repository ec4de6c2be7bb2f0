import type { XmlRecord } from './callbackXml';

/**
 * A callback's XML in its usual shape: one `<xml>` root whose children are elements holding one
 * CDATA section or plain text (the envelope, a `kf_msg_or_event` wake-up). Every callback has it
 * parsed twice (envelope and message), and fast-xml-parser's validate-then-parse took about a
 * tenth of the channel's CPU per message in the end-to-end bench; this reads that shape in one
 * pass of a regular expression.
 *
 * It answers only where its answer is the one fast-xml-parser (as configured in callbackXml.ts)
 * gives: for anything else — attributes, nesting, a repeated tag, entities, mixed content, a
 * declaration, a name outside `[A-Z][A-Za-z0-9]*` or one fast-xml-parser guards, a carriage return
 * (XML would normalise it) — it returns undefined and the caller parses with the library.
 * test/wecom/flatXml.test.ts checks the two agree on generated documents.
 *
 * @example
 * parseFlatXml('<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>'); // { Encrypt: 'abc' }
 * parseFlatXml('<xml><A><B>1</B></A></xml>'); // undefined: nested, for the library
 */
export function parseFlatXml(xml: string): XmlRecord | undefined {
  const open = ROOT_OPEN.exec(xml);
  if (!open) return undefined;
  const record: XmlRecord = {};
  let pos = open[0].length;
  let children = 0;
  for (;;) {
    ROOT_CLOSE.lastIndex = pos;
    if (ROOT_CLOSE.test(xml)) return children > 0 ? record : undefined; // an empty root is the library's error to report
    ELEMENT.lastIndex = pos;
    const m = ELEMENT.exec(xml);
    if (!m) return undefined;
    const name = m[1]!;
    if (Object.hasOwn(record, name) || GUARDED.has(name.toLowerCase())) return undefined;
    // CDATA is kept as it is; text is trimmed, as fast-xml-parser's trimValues does.
    record[name] = m[2] ?? m[3]?.trim() ?? '';
    children++;
    pos = ELEMENT.lastIndex;
  }
}

const ROOT_OPEN = /^[ \t\n]*<xml>/;
const ROOT_CLOSE = /[ \t\n]*<\/xml>[ \t\n]*$/y;
/**
 * `<Name/>`, `<Name><![CDATA[...]]></Name>` (no `]]>` or CR inside) or `<Name>text</Name>` (no
 * markup, entity or CR), after optional whitespace.
 */
const ELEMENT = /[ \t\n]*<([A-Z][A-Za-z0-9]*)(?:\/>|>(?:<!\[CDATA\[((?:[^\]\r]|\](?!\]>))*)\]\]>|([^<>&\r]*))<\/\1>)/y;
/** Names fast-xml-parser refuses or renames (it compares them lower-cased). */
const GUARDED = new Set(['hasownproperty', 'tostring', 'valueof', '__definegetter__', '__definesetter__', '__lookupgetter__', '__lookupsetter__', '__proto__', 'constructor', 'prototype']);
