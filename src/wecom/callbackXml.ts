/** Safe XML for callbacks: size limit, UTF-8 only, no DOCTYPE or entities, values kept as strings. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CallbackPayloadError } from './callbackErrors';

/** Default cap on a callback body. Real ones are well under 2 KiB. */
export const DEFAULT_MAX_CALLBACK_BYTES = 64 * 1024;

/** A parsed XML element: text, child elements, or a list when a tag repeats. Attributes are dropped. */
export type XmlValue = string | XmlRecord | XmlValue[];
export interface XmlRecord {
  [tag: string]: XmlValue;
}

// Values stay strings (`<Id>0012</Id>` is "0012"), and entity handling is off: there is no
// DOCTYPE to define any (we refuse it), and WeCom sends text values in CDATA.
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});
const utf8 = new TextDecoder('utf-8', { fatal: true });
const HOSTILE = /<!(?:DOCTYPE|ENTITY)/i;

/**
 * Parses a callback XML document (envelope or decrypted message) into its `<xml>` root, refusing
 * anything oversized, non-UTF-8, with a DOCTYPE or ENTITY declaration, or not well-formed.
 *
 * @example
 * parseCallbackXml('<xml><Id>0012</Id></xml>') // { Id: '0012' }
 * @throws CallbackPayloadError `payload_too_large` or `payload_malformed`
 */
export function parseCallbackXml(input: Buffer | string, maxBytes = DEFAULT_MAX_CALLBACK_BYTES): XmlRecord {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > maxBytes) throw new CallbackPayloadError('payload_too_large', `XML is ${size} bytes, over the ${maxBytes}-byte limit`);
  const xml = typeof input === 'string' ? input : decode(input);
  // Refused before parsing: no entity expansion (billion laughs), no external entities, ever.
  if (HOSTILE.test(xml)) malformed('XML with a DOCTYPE or ENTITY declaration is refused');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) malformed(`XML is not well-formed (line ${valid.err.line}: ${valid.err.code})`);
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch (cause) {
    malformed('XML could not be parsed', cause);
  }
  const root = isRecord(parsed) ? parsed.xml : undefined;
  if (!isRecord(root)) malformed('XML has no single <xml> root element');
  return root;
}

/** A single string value; a repeated or nested element is not one. */
export function text(record: XmlRecord, tag: string): string | undefined {
  const value = record[tag];
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is XmlRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decode(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    return malformed('XML is not UTF-8', cause);
  }
}

/** Throws `payload_malformed` with `message` (and `cause`, when given). */
export function malformed(message: string, cause?: unknown): never {
  throw new CallbackPayloadError('payload_malformed', message, cause === undefined ? undefined : { cause });
}
