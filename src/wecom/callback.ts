import { randomBytes } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { systemClock, unixSeconds } from '../common/clock';
import { CallbackPayloadError, CallbackVerificationError } from './callbackErrors';
import type { SignedParams, WeComCrypto } from './crypto';

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

// ---- Inner message: data callbacks (MsgType/Event) --------------------------------------------

interface DataEventBase {
  /** `ToUserName`: the corp the event belongs to. */
  corpId: string;
  /** `CreateTime`, in unix seconds. */
  createTime: number;
  /** Every field as parsed, for fields not modelled here. */
  raw: XmlRecord;
}

/** New messages or events wait in `kf/sync_msg` for `openKfId`; pull them with `token` (valid ~10 min). */
export interface KfMsgOrEventEvent extends DataEventBase {
  kind: 'kf_msg_or_event';
  /** WeCom always sends one; tolerated when missing (the pull then goes without, rate-limited). */
  token?: string;
  openKfId: string;
}

/** kf accounts were given to (`added`) or taken from (`removed`) this app. */
export interface KfAccountAuthChangeEvent extends DataEventBase {
  kind: 'kf_account_auth_change';
  added: string[];
  removed: string[];
}

/** The corp has no interface licence for this app. */
export interface UnlicensedNotifyEvent extends DataEventBase {
  kind: 'unlicensed_notify';
  agentId?: string;
}

/** Any data callback not modelled above (other events, plain app messages). */
export interface UnknownDataEvent {
  kind: 'unknown_event';
  corpId?: string;
  createTime?: number;
  msgType?: string;
  event?: string;
  raw: XmlRecord;
}

export type DataCallbackEvent = KfMsgOrEventEvent | KfAccountAuthChangeEvent | UnlicensedNotifyEvent | UnknownDataEvent;

// ---- Inner message: provider instruction callbacks (InfoType) ----------------------------------

interface InstructionBase {
  suiteId: string;
  /** `TimeStamp`, in unix seconds. */
  timestamp: number;
  raw: XmlRecord;
}

/** Pushed every 10 minutes; keep the newest (valid 30 min). */
export interface SuiteTicketEvent extends InstructionBase {
  kind: 'suite_ticket';
  suiteTicket: string;
}

/** A corp installed the app: exchange `authCode` (single use, 10 min) for a permanent code. */
export interface CreateAuthEvent extends InstructionBase {
  kind: 'create_auth';
  authCode: string;
  state?: string;
}

export interface ChangeAuthEvent extends InstructionBase {
  kind: 'change_auth';
  authCorpId: string;
  state?: string;
}

/** The corp removed the app: stop and delete its data. */
export interface CancelAuthEvent extends InstructionBase {
  kind: 'cancel_auth';
  authCorpId: string;
}

/** 代开发: the provider re-issued the secret; exchange `authCode` again. */
export interface ResetPermanentCodeEvent extends InstructionBase {
  kind: 'reset_permanent_code';
  authCode: string;
  authCorpId?: string;
}

export interface ChangeContactEvent extends InstructionBase {
  kind: 'change_contact';
  authCorpId: string;
  changeType: string;
  userId?: string;
  openUserId?: string;
}

export interface UnknownInstructionEvent {
  kind: 'unknown_info';
  infoType: string;
  suiteId?: string;
  timestamp?: number;
  raw: XmlRecord;
}

export type InstructionCallbackEvent =
  | SuiteTicketEvent
  | CreateAuthEvent
  | ChangeAuthEvent
  | CancelAuthEvent
  | ResetPermanentCodeEvent
  | ChangeContactEvent
  | UnknownInstructionEvent;

export type CallbackEvent = DataCallbackEvent | InstructionCallbackEvent;

/**
 * Types a decrypted callback: `InfoType` makes it a provider instruction, anything else is a data
 * callback. Values stay strings except the times. A known kind missing a field it needs is
 * `payload_malformed`; an unknown kind is `unknown_event` / `unknown_info` with the raw record.
 *
 * @example
 * const event = parseCallbackEvent(message);
 * if (event.kind === 'kf_msg_or_event') queue.push(event.openKfId, event.token);
 */
export function parseCallbackEvent(xml: Buffer | string, maxBytes = DEFAULT_MAX_CALLBACK_BYTES): CallbackEvent {
  const raw = parseCallbackXml(xml, maxBytes);
  const infoType = text(raw, 'InfoType');
  return infoType === undefined ? toDataEvent(raw) : toInstruction(raw, infoType);
}

function toDataEvent(raw: XmlRecord): DataCallbackEvent {
  const msgType = text(raw, 'MsgType');
  const event = msgType === 'event' ? text(raw, 'Event') : undefined;
  const base = () => ({ corpId: need(raw, 'ToUserName', event), createTime: seconds(raw, 'CreateTime', event), raw });
  switch (event) {
    case 'kf_msg_or_event':
      return { kind: event, ...base(), token: text(raw, 'Token') || undefined, openKfId: need(raw, 'OpenKfId', event) };
    case 'kf_account_auth_change':
      return { kind: event, ...base(), added: texts(raw, 'AuthAddOpenKfId'), removed: texts(raw, 'AuthDelOpenKfId') };
    case 'unlicensed_notify':
      return { kind: event, ...base(), agentId: text(raw, 'AgentID') };
    default: {
      const createTime = text(raw, 'CreateTime');
      return {
        kind: 'unknown_event',
        corpId: text(raw, 'ToUserName'),
        createTime: createTime !== undefined && /^\d+$/.test(createTime) ? Number(createTime) : undefined,
        msgType,
        event: text(raw, 'Event'),
        raw,
      };
    }
  }
}

function toInstruction(raw: XmlRecord, infoType: string): InstructionCallbackEvent {
  const base = () => ({ suiteId: need(raw, 'SuiteId', infoType), timestamp: seconds(raw, 'TimeStamp', infoType), raw });
  switch (infoType) {
    case 'suite_ticket':
      return { kind: infoType, ...base(), suiteTicket: need(raw, 'SuiteTicket', infoType) };
    case 'create_auth':
      return { kind: infoType, ...base(), authCode: need(raw, 'AuthCode', infoType), state: text(raw, 'State') };
    case 'change_auth':
      return { kind: infoType, ...base(), authCorpId: need(raw, 'AuthCorpId', infoType), state: text(raw, 'State') };
    case 'cancel_auth':
      return { kind: infoType, ...base(), authCorpId: need(raw, 'AuthCorpId', infoType) };
    case 'reset_permanent_code':
      return { kind: infoType, ...base(), authCode: need(raw, 'AuthCode', infoType), authCorpId: text(raw, 'AuthCorpId') };
    case 'change_contact':
      return {
        kind: infoType,
        ...base(),
        authCorpId: need(raw, 'AuthCorpId', infoType),
        changeType: need(raw, 'ChangeType', infoType),
        userId: text(raw, 'UserID'),
        openUserId: text(raw, 'OpenUserID'),
      };
    default: {
      const timestamp = text(raw, 'TimeStamp');
      return {
        kind: 'unknown_info',
        infoType,
        suiteId: text(raw, 'SuiteId'),
        timestamp: timestamp !== undefined && /^\d+$/.test(timestamp) ? Number(timestamp) : undefined,
        raw,
      };
    }
  }
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
  const envelope = parseEnvelope(request.body, maxBytes);
  let accepted: readonly string[] | undefined;
  if (request.receiveIdFrom === 'envelope') {
    if (!envelope.toUserName) malformed('envelope has no <ToUserName> to take the receive id from');
    accepted = [envelope.toUserName];
  }
  const { message, receiveId } = request.crypto.open(params, envelope.encrypt, accepted);
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

/** A single string value; a repeated or nested element is not one. */
function text(record: XmlRecord, tag: string): string | undefined {
  const value = record[tag];
  return typeof value === 'string' ? value : undefined;
}

/** All string values of a tag that may repeat. */
function texts(record: XmlRecord, tag: string): string[] {
  const value = record[tag];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
}

function need(record: XmlRecord, tag: string, kind: string | undefined): string {
  const value = text(record, tag);
  if (!value) malformed(`${kind ?? 'callback'} has no <${tag}>`);
  return value;
}

function seconds(record: XmlRecord, tag: string, kind: string | undefined): number {
  const value = need(record, tag, kind);
  if (!/^\d{1,12}$/.test(value)) malformed(`${kind ?? 'callback'} <${tag}> is not a unix time`);
  return Number(value);
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

function malformed(message: string, cause?: unknown): never {
  throw new CallbackPayloadError('payload_malformed', message, cause === undefined ? undefined : { cause });
}
