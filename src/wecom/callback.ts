import { randomBytes } from 'node:crypto';
import { systemClock, unixSeconds } from '../common/clock';
import { CallbackPayloadError, CallbackVerificationError } from './callbackErrors';
import { parseCallbackEvent, type CallbackEvent } from './callbackEvents';
import { DEFAULT_MAX_CALLBACK_BYTES, malformed, parseCallbackXml, text } from './callbackXml';
import type { SignedParams, WeComCrypto } from './crypto';

/** The outer POST body. WeCom documents `ToUserName` and `AgentID` too, but only `Encrypt` is needed for correctness. */
export interface CallbackEnvelope {
  encrypt: string;
  /** The corp id (data URL) or suite id (instruction URL), when present. */
  toUserName?: string;
  agentId?: string;
}

/**
 * Reads the outer envelope of a POST callback.
 *
 * @example
 * parseEnvelope(body).encrypt
 * @throws CallbackPayloadError `payload_too_large`, `payload_malformed` (also when `Encrypt` is missing)
 */
export function parseEnvelope(body: Buffer | string, maxBytes = DEFAULT_MAX_CALLBACK_BYTES): CallbackEnvelope {
  const root = parseCallbackXml(body, maxBytes);
  const encrypt = text(root, 'Encrypt');
  if (!encrypt) malformed('envelope has no <Encrypt> element');
  return { encrypt, toUserName: text(root, 'ToUserName'), agentId: text(root, 'AgentID') };
}

// ---- The HTTP-free entry point -----------------------------------------------------------------

export interface CallbackRequest {
  /** The request's HTTP method; only GET (URL check) and POST (events) are callbacks. */
  method: string | undefined;
  /**
   * The parsed, URL-decoded query (`URLSearchParams`, or the object express/restify give).
   * Only single string values count; a repeated parameter is treated as missing.
   */
  query: URLSearchParams | Readonly<Record<string, unknown>>;
  /** The raw POST body, bytes as received (see `readRawBody`). */
  body?: Buffer | string;
  crypto: WeComCrypto;
  /** Default {@link DEFAULT_MAX_CALLBACK_BYTES}. */
  maxBodyBytes?: number;
  /**
   * Which receive id a POST must carry. `configured` (default): one of `crypto.receiveIds`.
   * `envelope`: exactly the envelope's `ToUserName`, for a provider's data URL serving many
   * corps (check that `receiveId` is a corp you serve). GET always uses the configured ids.
   */
  receiveIdFrom?: 'configured' | 'envelope';
}

export type CallbackResult =
  /** Answer 200 with `echo` as the whole body (no quotes, newline or BOM). */
  | { kind: 'url_verification'; echo: string; receiveId: string }
  /** Answer 200 at once (`success` on an instruction URL), then act on `event`. `xml` is the decrypted message. */
  | { kind: 'event'; event: CallbackEvent; receiveId: string; xml: string };

/**
 * Verifies, decrypts and parses one callback request. Nothing here knows about HTTP frameworks.
 *
 * @example
 * // node:http; with restify/express pass req.query instead of searchParams.
 * try {
 *   const body = req.method === 'POST' ? await readRawBody(req) : undefined;
 *   const result = openCallback({ method: req.method, query: new URL(req.url ?? '/', 'http://x').searchParams, body, crypto });
 *   res.end(result.kind === 'url_verification' ? result.echo : 'success'); // then queue result.event
 * } catch (e) { res.statusCode = callbackErrorStatus(e); res.end(); }
 * @throws CallbackVerificationError, CallbackPayloadError
 */
export function openCallback(request: CallbackRequest): CallbackResult {
  const method = request.method?.toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    throw new CallbackPayloadError('method_not_allowed', `callbacks are GET or POST, not ${request.method ?? 'none'}`);
  }
  const params: SignedParams = {
    msgSignature: queryParam(request.query, 'msg_signature'),
    timestamp: queryParam(request.query, 'timestamp'),
    nonce: queryParam(request.query, 'nonce'),
  };
  if (method === 'GET') {
    const { echo, receiveId } = request.crypto.verifyUrl(params, queryParam(request.query, 'echostr'));
    return { kind: 'url_verification', echo, receiveId };
  }
  const maxBytes = request.maxBodyBytes ?? DEFAULT_MAX_CALLBACK_BYTES;
  if (request.body === undefined) malformed('POST callback has no body');
  // Signature first: it covers the Encrypt value, which a bounded scan finds without the XML parser,
  // so a forged or unsigned body (up to the size cap) costs a hash, not a parse.
  const signed = scanEncrypt(request.body, maxBytes);
  request.crypto.verifySignature(params, signed);
  const envelope = parseEnvelope(request.body, maxBytes);
  // The parser must read the same Encrypt the signature covered (not a second element, say).
  if (envelope.encrypt !== signed) malformed('the <Encrypt> element is ambiguous');
  let accepted: readonly string[] | undefined;
  if (request.receiveIdFrom === 'envelope') {
    if (!envelope.toUserName) malformed('envelope has no <ToUserName> to take the receive id from');
    accepted = [envelope.toUserName];
  }
  // The signature was checked above, on this same value; what open() adds is the age check.
  request.crypto.checkTimestamp(params.timestamp);
  const { message, receiveId } = request.crypto.decrypt(envelope.encrypt, accepted);
  return { kind: 'event', event: parseCallbackEvent(message, maxBytes), receiveId, xml: message };
}

// ---- Building callbacks (tests, sandbox) -------------------------------------------------------

export interface BuildCallbackOptions {
  crypto: WeComCrypto;
  /** The id appended to the plaintext: corp id, or suite id on an instruction URL. */
  receiveId: string;
  /** Default: now, in unix seconds. */
  timestamp?: string;
  /** Default: 10 random digits. */
  nonce?: string;
  /** 16 bytes; default random. */
  random?: Buffer;
}

/** Query parameters of a signed callback, named as WeCom sends them. (A type, not an interface, so it fits `CallbackRequest.query`.) */
export type CallbackQuery = {
  msg_signature: string;
  timestamp: string;
  nonce: string;
};

/**
 * Builds the POST WeCom would send for an inner XML message: the envelope body and the signed query.
 *
 * @example
 * const { body, query } = buildEncryptedCallback(innerXml, { crypto, receiveId: corpId });
 * openCallback({ method: 'POST', query, body, crypto });
 */
export function buildEncryptedCallback(
  innerXml: string,
  options: BuildCallbackOptions & { toUserName?: string; agentId?: string },
): { body: string; query: CallbackQuery } {
  const encrypt = options.crypto.encrypt(innerXml, options.receiveId, options.random);
  const agent = options.agentId === undefined ? '' : `<AgentID>${cdata(options.agentId)}</AgentID>`;
  const body = `<xml><ToUserName>${cdata(options.toUserName ?? options.receiveId)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt>${agent}</xml>`;
  return { body, query: signedQuery(options, encrypt) };
}

/**
 * Builds the GET query of a URL check whose answer must be `echo`.
 *
 * @example
 * const query = buildUrlVerification('1616140317555161061', { crypto, receiveId: corpId });
 */
export function buildUrlVerification(echo: string, options: BuildCallbackOptions): CallbackQuery & { echostr: string } {
  const echostr = options.crypto.encrypt(echo, options.receiveId, options.random);
  return { ...signedQuery(options, echostr), echostr };
}

function signedQuery(options: BuildCallbackOptions, data: string): CallbackQuery {
  const timestamp = options.timestamp ?? String(unixSeconds(systemClock));
  const nonce = options.nonce ?? String(randomBytes(5).readUIntBE(0, 5)).padStart(10, '0').slice(-10);
  return { msg_signature: options.crypto.sign(timestamp, nonce, data), timestamp, nonce };
}

// ---- Helpers -----------------------------------------------------------------------------------

/** `<Encrypt>` with its base64 value, in CDATA or bare. Linear: no nested quantifiers. */
const ENCRYPT = /^<Encrypt>\s*(?:<!\[CDATA\[([A-Za-z0-9+/=]*)\]\]>|([A-Za-z0-9+/=]*))\s*<\/Encrypt>/;

/**
 * The `Encrypt` value of an envelope found by a scan, before any XML parsing; the size cap is
 * applied first. Exactly one `<Encrypt>` is allowed.
 *
 * @throws CallbackPayloadError `payload_too_large`, `payload_malformed`
 */
export function scanEncrypt(body: Buffer | string, maxBytes = DEFAULT_MAX_CALLBACK_BYTES): string {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > maxBytes) throw new CallbackPayloadError('payload_too_large', `XML is ${size} bytes, over the ${maxBytes}-byte limit`);
  // latin1 keeps one character per byte (no UTF-8 decoding cost); the value sought is ASCII.
  const text = typeof body === 'string' ? body : body.toString('latin1');
  const first = text.indexOf('<Encrypt>');
  if (first < 0 || text.indexOf('<Encrypt>', first + 1) >= 0) malformed('envelope needs exactly one <Encrypt> element');
  const match = ENCRYPT.exec(text.slice(first));
  const value = match?.[1] ?? match?.[2];
  if (!value) malformed('envelope has no base64 <Encrypt> value');
  return value;
}

function cdata(value: string): string {
  if (value.includes(']]>')) throw new RangeError('a value cannot contain "]]>"');
  return `<![CDATA[${value}]]>`;
}

function queryParam(query: CallbackRequest['query'], name: string): string {
  const value = query instanceof URLSearchParams ? (query.getAll(name).length === 1 ? query.get(name) : null) : query[name];
  if (typeof value !== 'string' || value === '') {
    throw new CallbackVerificationError('missing_parameter', `query parameter ${name} is missing or repeated`);
  }
  return value;
}
