/**
 * Provider (third-party suite) mode: the token chain of wecom-provider.md §3. suite ticket → suite
 * token → pre-auth code → (admin installs) → auth code → permanent code → corp token. Holds no
 * state but token caches: the newest ticket and the permanent codes live in the caller's store.
 */
import type { Clock } from '../common/clock';
import { WeComChannelError } from '../common/errors';
import type { WeComClientOptions } from './client';
import { WeComClient } from './client';
import { WeComApiError } from './errors';
import { AccessTokenCache, type SharedTokenStore, type TokenFetcher } from './tokenCache';
import { type TransportOptions, WeComTransport } from './transport';
import { jsonNumber } from './jsonFields';

/** Errcodes after which a fresh suite_access_token makes the same call work (invalid, expired). */
const suiteTokenErrcodes: ReadonlySet<number> = new Set([40082, 42009, 40014, 42001]);

/**
 * No suite_ticket is known yet: WeCom pushes one every 10 minutes to the instruction URL, or on
 * "refresh ticket" in the provider console. Retrying after the next push works.
 */
export class SuiteTicketMissingError extends WeComChannelError {
  override readonly name = 'SuiteTicketMissingError' as const;
  readonly code = 'suite_ticket_missing' as const;

  constructor(readonly suiteId: string) {
    super(`no suite_ticket for suite ${suiteId} yet: wait for WeCom's next push (every 10 minutes) to the instruction callback URL, or refresh the ticket in the provider console`);
  }
}

/** A permanent code, or where to read it (decrypted from the store) when a token is needed. */
export type PermanentCodeSource = string | (() => Promise<string>);

export interface SuiteClientOptions extends TransportOptions {
  readonly suiteId: string;
  readonly suiteSecret: string;
  /** The newest suite_ticket (persisted by the caller from `suite_ticket` callbacks, valid 30 min); undefined when none yet. */
  readonly ticket: () => Promise<string | undefined>;
  /** Shares the suite token and corp tokens between instances. */
  readonly sharedTokens?: SharedTokenStore;
  /** Default the system clock. */
  readonly clock?: Clock;
  /** Reuse a transport (and its connections); corp clients made here share it too. */
  readonly transport?: WeComTransport;
}

/** What `service/v2/get_permanent_code` grants. `authCorpId` is case-sensitive: never normalise it. */
export interface PermanentCodeGrant {
  readonly permanentCode: string;
  readonly authCorpId: string;
  readonly corpName?: string;
  /** The admin who installed (`open_userid` is per provider). */
  readonly authUser?: { readonly userid?: string; readonly openUserid?: string; readonly name?: string };
  /** The `state` of the install link, echoed. */
  readonly state?: string;
  /** The whole answer, for fields not modelled here (register_code_info, edition_info). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One app of the suite in the corp (`auth_info.agent[]`). */
export interface AuthorisedAgent {
  readonly agentId: number;
  readonly name?: string;
  /** 0 admin-authorised, 1 member-authorised. */
  readonly authMode?: number;
  readonly isCustomizedApp?: boolean;
}

/** What `service/get_auth_info` says about a corp's authorisation. */
export interface AuthInfo {
  readonly authCorpId: string;
  readonly corpName?: string;
  readonly agents: readonly AuthorisedAgent[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** `session_info.auth_type`: 0 formal install, 1 test install (unlisted suite). */
export interface SessionInfo {
  readonly authType: 0 | 1;
  /** Old suites only: the app ids an install may pick. */
  readonly appIds?: readonly number[];
}

/**
 * The provider's WeCom calls. Suite tokens are cached per suite, corp tokens per (suite, corp); a
 * refused suite token is dropped and the call made once more with a fresh one.
 *
 * @example
 * const suite = new SuiteClient({ suiteId, suiteSecret, ticket: () => store.newestTicket(suiteId) });
 * const { preAuthCode } = await suite.getPreAuthCode();
 * // ... admin installs; create_auth brings AuthCode ...
 * const grant = await suite.getPermanentCode(authCode);
 * const kf = suite.corpClient(grant.authCorpId, grant.permanentCode);
 * await kf.listAccounts();
 */
export class SuiteClient {
  readonly suiteId: string;
  readonly transport: WeComTransport;
  private readonly suiteSecret: string;
  private readonly ticket: () => Promise<string | undefined>;
  private readonly suiteTokens: AccessTokenCache;
  private readonly ownsTransport: boolean;
  private readonly clock?: Clock;
  private readonly sharedTokens?: SharedTokenStore;

  constructor(options: SuiteClientOptions) {
    if (!options.suiteId || !options.suiteSecret) throw new TypeError('SuiteClient needs a suiteId and a suiteSecret');
    this.suiteId = options.suiteId;
    this.suiteSecret = options.suiteSecret;
    this.ticket = options.ticket;
    this.clock = options.clock;
    this.sharedTokens = options.sharedTokens;
    this.ownsTransport = options.transport === undefined;
    this.transport = options.transport ?? new WeComTransport(options);
    this.suiteTokens = new AccessTokenCache(`suite:${options.suiteId}`, () => this.getSuiteToken(), { clock: options.clock, shared: options.sharedTokens });
  }

  /** `service/get_suite_token` with the newest ticket. Usually you want {@link suiteAccessToken} (cached). */
  async getSuiteToken(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const ticket = await this.ticket();
    if (!ticket) throw new SuiteTicketMissingError(this.suiteId);
    const body = await this.transport.json<{ suite_access_token?: unknown; expires_in?: unknown }>({
      method: 'service/get_suite_token', verb: 'POST', idempotent: true,
      json: { suite_id: this.suiteId, suite_secret: this.suiteSecret, suite_ticket: ticket },
    });
    return { accessToken: needString(body.suite_access_token, 'service/get_suite_token', 'suite_access_token'), expiresInSeconds: jsonNumber(body.expires_in) || 7200 };
  }

  /** A valid suite_access_token from the cache (single flight). */
  suiteAccessToken(): Promise<string> {
    return this.suiteTokens.get();
  }

  /** `service/get_pre_auth_code`: the code of one install link (20 minutes, single use). */
  async getPreAuthCode(): Promise<{ preAuthCode: string; expiresInSeconds: number }> {
    const body = await this.suiteCall<{ pre_auth_code?: unknown; expires_in?: unknown }>('service/get_pre_auth_code', 'GET', undefined, true);
    return { preAuthCode: needString(body.pre_auth_code, 'service/get_pre_auth_code', 'pre_auth_code'), expiresInSeconds: jsonNumber(body.expires_in) || 1200 };
  }

  /** `service/set_session_info`: formal or test install for this pre-auth code (before the admin opens the link). */
  async setSessionInfo(preAuthCode: string, session: SessionInfo): Promise<void> {
    const session_info = { auth_type: session.authType, ...(session.appIds ? { appid: session.appIds } : {}) };
    await this.suiteCall('service/set_session_info', 'POST', { pre_auth_code: preAuthCode, session_info }, true);
  }

  /**
   * `service/v2/get_permanent_code`: exchanges an install's auth code. The code is single use, so
   * this is never repeated after an ambiguous failure (a second try would be 40078 anyway).
   *
   * @throws WeComApiError 40078 when the code is bad, expired or already exchanged
   */
  async getPermanentCode(authCode: string): Promise<PermanentCodeGrant> {
    const method = 'service/v2/get_permanent_code';
    const body = await this.suiteCall<Record<string, unknown>>(method, 'POST', { auth_code: authCode }, false);
    const corp = record(body.auth_corp_info);
    const user = record(body.auth_user_info);
    return {
      permanentCode: needString(body.permanent_code, method, 'permanent_code'),
      authCorpId: needString(corp.corpid, method, 'auth_corp_info.corpid'),
      corpName: optString(corp.corp_name),
      authUser: body.auth_user_info === undefined ? undefined : { userid: optString(user.userid), openUserid: optString(user.open_userid), name: optString(user.name) },
      state: optString(body.state),
      raw: body,
    };
  }

  /** `service/get_auth_info`: the corp and the suite's agent (its `agentid`) there. */
  async getAuthInfo(authCorpId: string, permanentCode: string): Promise<AuthInfo> {
    const method = 'service/get_auth_info';
    const body = await this.suiteCall<Record<string, unknown>>(method, 'POST', { auth_corpid: authCorpId, permanent_code: permanentCode }, true);
    const corp = record(body.auth_corp_info);
    const agents = Array.isArray(record(body.auth_info).agent) ? (record(body.auth_info).agent as unknown[]) : [];
    return {
      authCorpId: optString(corp.corpid) ?? authCorpId,
      corpName: optString(corp.corp_name),
      agents: agents.map(record).filter((a) => Number.isInteger(Number(a.agentid))).map((a) => ({
        agentId: Number(a.agentid),
        name: optString(a.name),
        authMode: typeof a.auth_mode === 'number' ? a.auth_mode : undefined,
        isCustomizedApp: typeof a.is_customized_app === 'boolean' ? a.is_customized_app : undefined,
      })),
      raw: body,
    };
  }

  /** `service/get_corp_token`: a fresh corp access token. Usually you want {@link corpClient} (cached per suite and corp). */
  async getCorpToken(authCorpId: string, permanentCode: string): Promise<{ accessToken: string; expiresInSeconds: number }> {
    const method = 'service/get_corp_token';
    const body = await this.suiteCall<{ access_token?: unknown; expires_in?: unknown }>(method, 'POST', { auth_corpid: authCorpId, permanent_code: permanentCode }, true);
    return { accessToken: needString(body.access_token, method, 'access_token'), expiresInSeconds: jsonNumber(body.expires_in) || 7200 };
  }

  /**
   * What a {@link WeComClient} needs to call kf APIs as `authCorpId`: corp tokens from
   * `service/get_corp_token`, cached under (suite, corp) so two suites never share a corp token.
   *
   * @example
   * const kf = new WeComClient({ ...suite.corpClientOptions(corpId, () => store.permanentCode(corpId)), logger });
   */
  corpClientOptions(authCorpId: string, permanentCode: PermanentCodeSource): Pick<WeComClientOptions, 'corpId' | 'tokenFetcher' | 'tokenKey' | 'transport' | 'sharedTokens' | 'clock'> {
    const code = typeof permanentCode === 'string' ? async () => permanentCode : permanentCode;
    const tokenFetcher: TokenFetcher = async () => this.getCorpToken(authCorpId, await code());
    return {
      corpId: authCorpId,
      tokenFetcher,
      tokenKey: corpTokenKey(this.suiteId, authCorpId),
      transport: this.transport,
      sharedTokens: this.sharedTokens,
      clock: this.clock,
    };
  }

  /**
   * A kf client for one authorised corp, sharing this client's transport.
   *
   * @example
   * await suite.corpClient(grant.authCorpId, grant.permanentCode).listAccounts();
   */
  corpClient(authCorpId: string, permanentCode: PermanentCodeSource): WeComClient {
    return new WeComClient(this.corpClientOptions(authCorpId, permanentCode));
  }

  /** Closes keep-alive connections when this client made its own transport. */
  async close(): Promise<void> {
    if (this.ownsTransport) await this.transport.close();
  }

  /** A `service/*` call with `?suite_access_token=`; on a suite-token refusal, once more with a fresh token. */
  private async suiteCall<T extends object>(method: string, verb: 'GET' | 'POST', json: unknown, idempotent: boolean): Promise<T> {
    const call = (token: string): Promise<T> =>
      this.transport.json<T>({ method, verb, json, idempotent, query: { suite_access_token: token } });
    const token = await this.suiteTokens.get();
    try {
      return await call(token);
    } catch (e) {
      if (!(e instanceof WeComApiError && suiteTokenErrcodes.has(e.errcode))) throw e;
      this.suiteTokens.invalidate(token);
      return call(await this.suiteTokens.get());
    }
  }
}

/** The token-cache key of a corp token in provider mode: per (suite, corp), case kept. */
export function corpTokenKey(suiteId: string, authCorpId: string): string {
  return `suite:${suiteId}:corp:${authCorpId}`;
}

function needString(value: unknown, method: string, field: string): string {
  if (typeof value !== 'string' || value === '') throw new WeComApiError(method, -1, `no ${field} in the answer`);
  return value;
}

function optString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
