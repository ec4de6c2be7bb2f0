/**
 * The one-pass reader of flat callback XML (src/wecom/flatXml.ts) must answer exactly as
 * fast-xml-parser does, or leave the document to it: a callback reads the same either way.
 */
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseCallbackXml } from '../../src/wecom/callbackXml';
import { parseFlatXml } from '../../src/wecom/flatXml';

// As src/wecom/callbackXml.ts configures it.
const library = new XMLParser({ ignoreAttributes: true, parseTagValue: false, processEntities: false, ignoreDeclaration: true, ignorePiTags: true });

/** What the library makes of `xml`: its `<xml>` root, or 'refused' when it is not well-formed or the parser throws. */
function libraryReading(xml: string): unknown {
  if (XMLValidator.validate(xml) !== true) return 'refused';
  try {
    return (library.parse(xml) as { xml?: unknown }).xml;
  } catch {
    return 'refused';
  }
}

const KF_WAKEUP = `<xml>
  <ToUserName><![CDATA[ww5823bf96d3bd56c7]]></ToUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[kf_msg_or_event]]></Event>
  <Token><![CDATA[ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR]]></Token>
  <OpenKfId><![CDATA[wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q]]></OpenKfId>
</xml>`;
const ENVELOPE = '<xml><ToUserName><![CDATA[ww5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>';

describe('flat callback XML in one pass', () => {
  it('reads the envelope and the kf wake-up itself, as the library would', () => {
    for (const xml of [ENVELOPE, KF_WAKEUP]) {
      const flat = parseFlatXml(xml);
      expect(flat).toBeDefined();
      expect(flat).toEqual(libraryReading(xml));
      expect(parseCallbackXml(xml)).toEqual(flat);
    }
  });

  it('leaves nested, repeated, attributed, entity and declaration XML to the library', () => {
    for (const xml of [
      '<xml><A><B>1</B></A></xml>',
      '<xml><A>1</A><A>2</A></xml>',
      '<xml><A x="1">1</A></xml>',
      '<xml><A>a &amp; b</A></xml>',
      '<?xml version="1.0"?><xml><A>1</A></xml>',
      '<xml><A> <![CDATA[x]]> </A></xml>',
      '<xml>text<A>1</A></xml>',
      '<xml></xml>',
      '<xml><ToString>1</ToString></xml>',
      '<xml><A>1\r\n</A></xml>',
      '<xml><A>1</B></xml>',
      '<xml><A>1</A>',
    ]) {
      expect(parseFlatXml(xml)).toBeUndefined();
    }
  });

  it('agrees with the library on every generated document it reads (and reads the flat ones)', () => {
    const name = fc.oneof(
      { arbitrary: fc.constantFrom('ToUserName', 'Encrypt', 'AgentID', 'A', 'B1', 'MsgType', 'OpenKfId', 'Token', 'CreateTime'), weight: 6 },
      { arbitrary: fc.constantFrom('ToString', 'Constructor', 'Prototype', 'ValueOf', 'HasOwnProperty'), weight: 1 },
      { arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,6}$/), weight: 2 },
    );
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '1', ' ', '\t', '\n', '\r', '<', '>', '&', ']', ']', '[', '\u3000', '\u00a0', '\ufeff', '中', '"', '/', ';'), maxLength: 12 });
    const space = fc.constantFrom('', '', ' ', '\n  ', '\t', '\r\n');
    const element = fc.tuple(name, fc.constantFrom('cdata', 'text', 'empty', 'self'), text, space).map(([n, kind, value, before]) => {
      switch (kind) {
        case 'cdata':
          return `${before}<${n}><![CDATA[${value}]]></${n}>`;
        case 'text':
          return `${before}<${n}>${value}</${n}>`;
        case 'empty':
          return `${before}<${n}></${n}>`;
        default:
          return `${before}<${n}/>`;
      }
    });
    const doc = fc.tuple(space, fc.array(element, { maxLength: 4 }), space, space).map(([lead, elements, inner, trail]) => `${lead}<xml>${elements.join('')}${inner}</xml>${trail}`);
    let read = 0;
    fc.assert(
      fc.property(doc, (xml) => {
        const flat = parseFlatXml(xml);
        if (flat === undefined) return;
        read++;
        expect(flat).toEqual(libraryReading(xml));
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(150); // it does read the common shapes, not leave them all to the library
  });
});
