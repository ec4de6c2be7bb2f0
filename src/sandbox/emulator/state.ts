/**
 * The emulator's in-memory world: corps, kf accounts, members, sessions, the sync_msg log, what the
 * app sent, and the codes of send_msg_on_event. Plain data; the rules that change it live in
 * rules.ts and the handlers.
 */
import { ProviderWorld } from './providerState';

/** §8: 0 new, 1 bot, 2 queued, 3 human, 4 ended / entered but silent. */
export type ServiceState = 0 | 1 | 2 | 3 | 4;

/** A member's reception status: receiving, or stopped / suspended (servicer/list status 1, stop_type 0 / 1). */
export type ServicerStatus = 'receiving' | 'stopped' | 'suspended';

/** One item of the sync_msg log, exactly as `msg_list[]` returns it. */
export interface SyncMessage {
  msgid: string;
  send_time: number;
  origin: 3 | 4 | 5;
  msgtype: string;
  open_kfid?: string;
  external_userid?: string;
  servicer_userid?: string;
  [payload: string]: unknown;
}

export interface LogEntry {
  /** 1-based position in the corp's log; cursors encode it. */
  seq: number;
  /** Emulator-clock ms, for retention. */
  at: number;
  message: SyncMessage;
}

export interface KfAccount {
  openKfid: string;
  name: string;
  mediaId: string;
  servicers: Set<string>;
  departments: Set<number>;
}

export interface Session {
  openKfid: string;
  externalUserId: string;
  state: ServiceState;
  servicerUserid?: string;
  /** The servicer before the session ended, for change_type 4's old_servicer_userid. */
  previousServicerUserid?: string;
  lastCustomerMsgAt?: number;
  /** Accepted send_msg calls since the customer's latest message (≤5). */
  sendsSinceCustomerMsg: number;
  /** Latest message from the corp to the customer (the app's send_msg or a servicer's reply). */
  lastCorpSendAt?: number;
  lastWelcomeAt?: number;
  /** msg_code is issued on the first move to 2 and to 3 of a session (§8). */
  queueCodeIssued: boolean;
  serveCodeIssued: boolean;
}

/** What the app sent to a customer, for `received()`. */
export interface SentMessage {
  msgid: string;
  openKfid: string;
  externalUserId: string;
  msgtype: string;
  /** The object under the msgtype key, as sent. */
  payload: unknown;
  via: 'send_msg' | 'send_msg_on_event';
  /** Emulator-clock ms. */
  at: number;
}

export type EventCodeKind = 'welcome' | 'queue' | 'serve' | 'end';

export interface EventCode {
  code: string;
  kind: EventCodeKind;
  corpId: string;
  openKfid: string;
  externalUserId: string;
  expiresAt: number;
  used: boolean;
  /** Non-welcome codes are good only while the session stays in this state (§7). */
  issuedInState: ServiceState;
}

/** A WeChat customer as kf/customer/batchget describes them. */
export interface CustomerProfile {
  externalUserId: string;
  /** '' for a customer WeCom has no nickname for. */
  nickname: string;
  avatar: string;
  /** 0 unknown, 1 male, 2 female. */
  gender: 0 | 1 | 2;
  /** Emulator-clock ms of the customer's latest message or enter_session with any account of the corp. */
  lastActiveAt?: number;
  /** The latest enter_session's context. */
  enterContext?: { scene: string; scene_param: string; wechat_channels?: unknown };
}

export interface Corp {
  corpId: string;
  secret: string;
  token: string;
  encodingAesKey: string;
  callbackUrl?: string;
  accounts: Map<string, KfAccount>;
  members: Map<string, { userid: string; status: ServicerStatus }>;
  sessions: Map<string, Session>;
  /** Customers by external_userid (for kf/customer/batchget). */
  customers: Map<string, CustomerProfile>;
  log: LogEntry[];
  sent: SentMessage[];
  /** `${open_kfid} ${msgid}` of accepted app msgids, for uniqueness per kf account. */
  usedMsgids: Map<string, SentMessage>;
}

export const sessionKey = (openKfid: string, externalUserId: string): string => `${openKfid} ${externalUserId}`;

/** A customer never seen by the account is "entered but silent" (state 4) until they write. */
export function newSession(openKfid: string, externalUserId: string): Session {
  return { openKfid, externalUserId, state: 4, sendsSinceCustomerMsg: 0, queueCodeIssued: false, serveCodeIssued: false };
}

/** The whole world of one emulator. */
export class World {
  readonly corps = new Map<string, Corp>();
  readonly codes = new Map<string, EventCode>();
  /** Provider mode: suites and authorisations. */
  readonly provider = new ProviderWorld();

  corp(corpId: string): Corp {
    const corp = this.corps.get(corpId);
    if (!corp) throw new RangeError(`the emulator has no corp ${corpId}; call addCorp first`);
    return corp;
  }

  account(corpId: string, openKfid: string): KfAccount {
    const account = this.corp(corpId).accounts.get(openKfid);
    if (!account) throw new RangeError(`corp ${corpId} has no kf account ${openKfid}`);
    return account;
  }

  /** The session of a customer with an account, created (state 4) on first use. */
  session(corpId: string, openKfid: string, externalUserId: string): Session {
    const sessions = this.corp(corpId).sessions;
    const key = sessionKey(openKfid, externalUserId);
    let s = sessions.get(key);
    if (!s) {
      s = newSession(openKfid, externalUserId);
      sessions.set(key, s);
    }
    return s;
  }

  /** Appends to the corp's sync_msg log and returns the entry. */
  append(corpId: string, message: SyncMessage, at: number): LogEntry {
    const log = this.corp(corpId).log;
    const entry: LogEntry = { seq: log.length + 1, at, message };
    log.push(entry);
    return entry;
  }
}
