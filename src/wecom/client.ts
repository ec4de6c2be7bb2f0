import { createHash } from 'node:crypto';
import type { Clock } from '../common/clock';
import { WeComApiError } from './errors';
import { tokenErrcodes } from './errorCodes';
import { type KfEventReply, type KfMessage, type KfOutboundMessage, KfServiceState, toKfMessage } from './kfMessages';
import { AccessTokenCache, type SharedTokenStore, type TokenFetcher } from './tokenCache';
import { mediaUploadBody, type MultipartBody } from './multipart';
import { type DownloadedMedia, type DownloadOptions, type TransportOptions, WeComTransport } from './transport';
import { jsonId, jsonNumber } from './jsonFields';

export type MediaType = 'image' | 'voice' | 'video' | 'file';

export interface SyncMsgRequest {
  readonly open_kfid: string;
  readonly cursor?: string;
  /** The callback's sync token; calls without one are tightly rate-limited by WeCom. */
  readonly token?: string;
  /** 1–1000; default 1000. */
  readonly limit?: number;
  /** 0 AMR (default), 1 SILK. */
  readonly voice_format?: 0 | 1;
}

export interface SyncMsgResponse {
  readonly next_cursor: string;
  readonly has_more: boolean;
  /** Items without a msgid are dropped here: they can be neither deduplicated nor acknowledged. */
  readonly msg_list: readonly KfMessage[];
}

export interface SendMsgRequest {
  readonly touser: string;
  readonly open_kfid: string;
  /** ≤32 bytes of `[0-9a-zA-Z_-]`. With it, a caller can repeat a send whose outcome it did not learn. */
  readonly msgid?: string;
  readonly message: KfOutboundMessage;
}

export interface SendMsgOnEventRequest {
  readonly code: string;
  readonly msgid?: string;
  readonly message: KfEventReply;
}

export interface ServiceStateResponse {
  readonly service_state: KfServiceState;
  readonly servicer_userid?: string;
}

export interface TransServiceStateRequest {
  readonly open_kfid: string;
  readonly external_userid: string;
  readonly service_state: KfServiceState;
  /** Required when moving to {@link KfServiceState.Human}. */
  readonly servicer_userid?: string;
}

export interface Servicer { readonly userid?: string; readonly department_id?: number; readonly status?: number; readonly stop_type?: number }
export interface ServicerResult { readonly userid?: string; readonly department_id?: number; readonly errcode: number; readonly errmsg: string }
export interface KfAccount { readonly open_kfid: string; readonly name: string; readonly avatar?: string; readonly manage_privilege?: boolean }

/** `kf/customer/batchget` (§9): 1–100 ids of customers active with the corp in the last 48 hours. */
export interface CustomerBatchGetRequest {
  readonly external_userid_list: readonly string[];
  /** 1: also return the context of the customer's latest enter_session. Default 0. */
  readonly need_enter_session_context?: 0 | 1;
}

/** A customer as `kf/customer/batchget` describes them (third-party apps see fewer fields). */
export interface KfCustomer {
  readonly external_userid: string;
  /** The WeChat nickname; may be empty. */
  readonly nickname: string;
  readonly avatar?: string;
  /** 0 unknown, 1 male, 2 female. */
  readonly gender?: number;
  /** Only when the corp has bound a WeChat open platform account. */
  readonly unionid?: string;
  readonly enter_session_context?: {
    readonly scene?: string;
    readonly scene_param?: string;
    readonly wechat_channels?: { readonly nickname?: string; readonly shop_nickname?: string; readonly scene?: number };
  };
}

export interface CustomerBatchGetResponse {
  readonly customer_list: readonly KfCustomer[];
  /** Ids WeCom would not describe: unknown, or not active in the last 48 hours. */
  readonly invalid_external_userid: readonly string[];
}

/** Most ids one `kf/customer/batchget` takes. */
export const CUSTOMER_BATCHGET_MAX = 100;

export interface UploadMediaRequest {
  readonly type: MediaType;
  readonly bytes: Uint8Array;
  /** Shown to the customer for files. */
  readonly filename: string;
  readonly contentType?: string;
}

export interface UploadedMedia { readonly type: string; readonly media_id: string; readonly created_at: string }

export interface WeComClientOptions extends TransportOptions {
  readonly corpId: string;
  /** The kf app's secret: tokens come from `gettoken`. Give this or `tokenFetcher`. */
  readonly secret?: string;
  /** Provider mode: tokens come from `service/get_corp_token` (see `SuiteClient.corpClientOptions`). */
  readonly tokenFetcher?: TokenFetcher;
  /** The cache key of a `tokenFetcher`'s tokens; default per corp. Provider mode keys by (suite, corp). */
  readonly tokenKey?: string;
  /** Shares tokens between instances (see {@link SharedTokenStore}). */
  readonly sharedTokens?: SharedTokenStore;
  /** Default the system clock; token expiry is measured on it. */
  readonly clock?: Clock;
  /** Reuse a transport (and its keep-alive connections) across clients. */
  readonly transport?: WeComTransport;
}

/**
 * The one way to talk to WeCom's kf API. Tokens are cached per credential and refreshed once on
 * 40001/40014/42001; transient faults are retried with back-off; refusals are {@link WeComApiError}.
 *
 * @example
 * const client = new WeComClient({ corpId: 'ww123', secret: process.env.WECOM_KF_SECRET });
 * const page = await client.syncMsg({ open_kfid: 'wk1', token, cursor });
 * await client.sendMsg({ touser: 'wm1', open_kfid: 'wk1', msgid: 'r1', message: { msgtype: 'text', text: { content: 'hi' } } });
 */
export class WeComClient {
  readonly corpId: string;
  readonly transport: WeComTransport;
  private readonly tokens: AccessTokenCache;
  private readonly ownsTransport: boolean;

  constructor(options: WeComClientOptions) {
    this.corpId = options.corpId;
    this.ownsTransport = options.transport === undefined;
    this.transport = options.transport ?? new WeComTransport(options);
    const { secret, tokenFetcher } = options;
    let fetcher: TokenFetcher;
    let key: string;
    if (tokenFetcher) {
      fetcher = tokenFetcher;
      key = options.tokenKey ?? `corp:${options.corpId}:fetcher`;
    } else if (secret) {
      fetcher = () => this.getToken(secret);
      // The secret's hash in the key: a rotated secret must not reuse the old secret's token.
      key = `corp:${options.corpId}:${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
    } else {
      throw new TypeError('WeComClient needs a secret or a tokenFetcher');
    }
    this.tokens = new AccessTokenCache(key, fetcher, { clock: options.clock, shared: options.sharedTokens });
  }

  /** `gettoken`: a fresh access token for this corp and secret. Usually you want the cache instead. */
  async getToken(secret: string): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const body = await this.transport.json<{ access_token?: string; expires_in?: number }>({
      method: 'gettoken', verb: 'GET', query: { corpid: this.corpId, corpsecret: secret }, idempotent: true,
    });
    if (typeof body.access_token !== 'string' || body.access_token === '') throw new WeComApiError('gettoken', -1, 'no access_token in the answer');
    return { accessToken: body.access_token, expiresInSeconds: jsonNumber(body.expires_in) || 7200 };
  }

  /** A valid access token from the cache (single flight). */
  accessToken(): Promise<string> {
    return this.tokens.get();
  }

  /**
   * One page of kf messages. Not retried by the transport: the inbound pipeline retries a failed
   * pull with its own back-off, which must not multiply with the transport's (WeCom rate-limits pulls).
   */
  async syncMsg(req: SyncMsgRequest): Promise<SyncMsgResponse> {
    const body = await this.call<{ next_cursor?: unknown; has_more?: unknown; msg_list?: unknown }>({ method: 'kf/sync_msg', verb: 'POST', json: req, idempotent: true, retries: 0 });
    const list = Array.isArray(body.msg_list) ? body.msg_list : [];
    return {
      // A cursor that is not a string would be stored and sent back, failing every later pull.
      next_cursor: jsonId(body.next_cursor) ?? '',
      has_more: jsonNumber(body.has_more) === 1,
      msg_list: list.map(toKfMessage).filter((m): m is KfMessage => m !== undefined),
    };
  }

  async sendMsg(req: SendMsgRequest): Promise<{ msgid: string }> {
    const { message, ...rest } = req;
    // Never repeated here after an ambiguous failure: whether a repeat is safe depends on what
    // WeCom does with a repeated msgid (unconfirmed), which the caller knows how to interpret.
    const body = await this.post<{ msgid?: string }>('kf/send_msg', { ...rest, ...message }, false);
    return { msgid: body.msgid ?? req.msgid ?? '' };
  }

  async sendMsgOnEvent(req: SendMsgOnEventRequest): Promise<{ msgid: string }> {
    const { message, ...rest } = req;
    const body = await this.post<{ msgid?: string }>('kf/send_msg_on_event', { ...rest, ...message }, false);
    return { msgid: body.msgid ?? req.msgid ?? '' };
  }

  async getServiceState(req: { open_kfid: string; external_userid: string }): Promise<ServiceStateResponse> {
    const body = await this.post<{ service_state?: number; servicer_userid?: string; service_userid?: string }>('kf/service_state/get', req, true);
    const state = jsonNumber(body.service_state);
    if (!Number.isInteger(state) || state < 0 || state > 4) throw new WeComApiError('kf/service_state/get', -1, `unexpected service_state ${String(body.service_state)}`);
    return { service_state: state as KfServiceState, servicer_userid: body.servicer_userid ?? body.service_userid };
  }

  /** Moves a session. Not idempotent (a second move may be illegal), so ambiguous failures are not retried. */
  async transServiceState(req: TransServiceStateRequest): Promise<{ msg_code?: string }> {
    const body = await this.post<{ msg_code?: string }>('kf/service_state/trans', req, false);
    return { msg_code: body.msg_code || undefined };
  }

  async listServicers(openKfId: string): Promise<readonly Servicer[]> {
    const body = await this.call<{ servicer_list?: Servicer[] }>({ method: 'kf/servicer/list', verb: 'GET', query: { open_kfid: openKfId }, idempotent: true });
    return body.servicer_list ?? [];
  }

  async addServicers(req: { open_kfid: string; userid_list?: readonly string[]; department_id_list?: readonly number[] }): Promise<readonly ServicerResult[]> {
    return (await this.post<{ result_list?: ServicerResult[] }>('kf/servicer/add', req, true)).result_list ?? [];
  }

  async delServicers(req: { open_kfid: string; userid_list?: readonly string[]; department_id_list?: readonly number[] }): Promise<readonly ServicerResult[]> {
    return (await this.post<{ result_list?: ServicerResult[] }>('kf/servicer/del', req, true)).result_list ?? [];
  }

  async listAccounts(req: { offset?: number; limit?: number } = {}): Promise<readonly KfAccount[]> {
    return (await this.post<{ account_list?: KfAccount[] }>('kf/account/list', { offset: req.offset ?? 0, limit: req.limit ?? 100 }, true)).account_list ?? [];
  }

  async addAccount(req: { name: string; media_id: string }): Promise<{ open_kfid: string }> {
    const body = await this.post<{ open_kfid?: string }>('kf/account/add', req, false);
    return { open_kfid: body.open_kfid ?? '' };
  }

  async updateAccount(req: { open_kfid: string; name?: string; media_id?: string }): Promise<void> {
    await this.post('kf/account/update', req, true);
  }

  async delAccount(req: { open_kfid: string }): Promise<void> {
    await this.post('kf/account/del', req, true);
  }

  /** The customer-facing chat link of an account; `scene` ≤32 bytes of `[0-9a-zA-Z_-]`. */
  async addContactWay(req: { open_kfid: string; scene?: string }): Promise<{ url: string }> {
    const body = await this.post<{ url?: string }>('kf/add_contact_way', req, true);
    return { url: body.url ?? '' };
  }

  /**
   * `kf/customer/batchget`: nicknames (and avatar, gender, unionid) of up to 100 customers. Only
   * customers active in the last 48 hours are described; the others come back in `invalid_external_userid`.
   *
   * @example
   * const { customer_list } = await client.batchGetCustomers({ external_userid_list: ['wm1', 'wm2'] });
   */
  async batchGetCustomers(req: CustomerBatchGetRequest): Promise<CustomerBatchGetResponse> {
    const count = req.external_userid_list.length;
    if (count < 1 || count > CUSTOMER_BATCHGET_MAX) throw new RangeError(`kf/customer/batchget takes 1–${CUSTOMER_BATCHGET_MAX} ids, not ${count}`);
    const body = await this.post<{ customer_list?: unknown; invalid_external_userid?: unknown }>('kf/customer/batchget', req, true);
    const customers = Array.isArray(body.customer_list) ? body.customer_list.filter(isCustomer) : [];
    const invalid = Array.isArray(body.invalid_external_userid) ? body.invalid_external_userid.filter((id): id is string => typeof id === 'string') : [];
    return { customer_list: customers.map((c) => ({ ...c, nickname: typeof c.nickname === 'string' ? c.nickname : '' })), invalid_external_userid: invalid };
  }

  /** `media/upload`: multipart part `media` with the real bytes. Media ids live 3 days. */
  async uploadMedia(req: UploadMediaRequest): Promise<UploadedMedia> {
    return this.call<UploadedMedia>({
      method: 'media/upload',
      verb: 'POST',
      query: { type: req.type },
      multipart: mediaUploadBody(req.bytes, req.filename, req.contentType),
      idempotent: true,
    });
  }

  /**
   * `media/get`: the file's bytes, with WeCom's content type and filename. With `maxBytes`, a
   * larger file is refused (`MediaTooLargeError`) without being downloaded whole.
   *
   * @example
   * const file = await client.getMedia(mediaId, { maxBytes: 2 * 1024 * 1024 });
   */
  async getMedia(mediaId: string, options: DownloadOptions = {}): Promise<DownloadedMedia> {
    return this.withToken('media/get', (token) =>
      this.transport.download({ method: 'media/get', verb: 'GET', query: { media_id: mediaId, access_token: token }, idempotent: true }, options));
  }

  /** Closes keep-alive connections when this client made its own transport. */
  async close(): Promise<void> {
    if (this.ownsTransport) await this.transport.close();
  }

  private post<T extends object>(method: string, json: object, idempotent: boolean): Promise<T> {
    return this.call<T>({ method, verb: 'POST', json, idempotent });
  }

  private call<T extends object>(req: {
    method: string; verb: 'GET' | 'POST'; query?: Record<string, string>; json?: unknown; multipart?: MultipartBody; idempotent: boolean; retries?: number;
  }): Promise<T> {
    return this.withToken(req.method, (token) =>
      this.transport.json<T>({
        method: req.method, verb: req.verb, json: req.json, multipart: req.multipart, idempotent: req.idempotent, retries: req.retries,
        query: { ...req.query, access_token: token },
      }));
  }

  /** Runs `fn` with a token; on a token error, drops that token and tries once more with a fresh one. */
  private async withToken<T>(method: string, fn: (token: string) => Promise<T>): Promise<T> {
    const token = await this.tokens.get();
    try {
      return await fn(token);
    } catch (e) {
      if (!(e instanceof WeComApiError && tokenErrcodes.has(e.errcode)) || method === 'gettoken') throw e;
      this.tokens.invalidate(token);
      return fn(await this.tokens.get());
    }
  }
}

/** A customer item needs its id; a missing nickname reads as none. */
function isCustomer(item: unknown): item is KfCustomer {
  return typeof item === 'object' && item !== null && typeof (item as { external_userid?: unknown }).external_userid === 'string';
}
