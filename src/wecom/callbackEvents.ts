import { DEFAULT_MAX_CALLBACK_BYTES, malformed, parseCallbackXml, text, type XmlRecord } from './callbackXml';

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
  /** kf component installs: the accounts the admin picked (`ExtraInfo/AuthOpenKfIdList/OpenKfId`); [] otherwise. */
  authOpenKfIds: string[];
}

export interface ChangeAuthEvent extends InstructionBase {
  kind: 'change_auth';
  authCorpId: string;
  state?: string;
  /** kf component: the accounts now granted (`ExtraInfo/AuthOpenKfIdList/OpenKfId`); [] otherwise. */
  authOpenKfIds: string[];
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
  // CreateTime is informational (nothing is decided on it): missing or in ms, it is tolerated.
  const base = () => ({ corpId: need(raw, 'ToUserName', event), createTime: looseSeconds(text(raw, 'CreateTime')), raw });
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
      return { kind: infoType, ...base(), authCode: need(raw, 'AuthCode', infoType), state: text(raw, 'State'), authOpenKfIds: openKfIds(raw) };
    case 'change_auth':
      return { kind: infoType, ...base(), authCorpId: need(raw, 'AuthCorpId', infoType), state: text(raw, 'State'), authOpenKfIds: openKfIds(raw) };
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

// ---- Helpers -----------------------------------------------------------------------------------

/** `ExtraInfo/AuthOpenKfIdList/OpenKfId` (kf component grants), [] when absent. */
function openKfIds(raw: XmlRecord): string[] {
  const extra = raw.ExtraInfo;
  if (typeof extra !== 'object' || Array.isArray(extra)) return [];
  const list = extra.AuthOpenKfIdList;
  return typeof list === 'object' && !Array.isArray(list) ? texts(list, 'OpenKfId') : [];
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

/** Unix seconds from seconds or milliseconds; 0 when absent or not a number. */
function looseSeconds(value: string | undefined): number {
  if (!value || !/^\d{1,16}$/.test(value)) return 0;
  const n = Number(value);
  return n > 1e11 ? Math.floor(n / 1000) : n;
}

function seconds(record: XmlRecord, tag: string, kind: string | undefined): number {
  const value = need(record, tag, kind);
  if (!/^\d{1,12}$/.test(value)) malformed(`${kind ?? 'callback'} <${tag}> is not a unix time`);
  return Number(value);
}
