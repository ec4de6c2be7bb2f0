/**
 * The provider endpoints (wecom-provider.md §3): `service/get_suite_token`, `get_pre_auth_code`,
 * `set_session_info`, `v2/get_permanent_code`, `get_auth_info`, `get_corp_token`, with WeCom's
 * rules: the ticket must be a pushed one under 30 minutes old, pre-auth and auth codes are single
 * use and expire, a cancelled authorisation's permanent code is refused (40084).
 */
import type { EmulatorCore, RequestContext, Route } from '../core';
import { errcodes, refuse } from '../errors';
import { type Json, isObject, str } from '../fields';
import { randomString } from '../ids';
import { type Authorisation, preAuthCodeTtlMs, type Suite, suiteTicketTtlMs, suiteTokenTtlMs } from '../providerState';

/** Body fields never written to the call log. */
export const secretBodyFields: ReadonlySet<string> = new Set(['suite_secret', 'permanent_code', 'suite_ticket']);

/** The suite of `?suite_access_token=`: 40082 when missing or unknown, 42009 when expired. */
function suiteOf(ctx: RequestContext): Suite {
  const token = ctx.query.get('suite_access_token');
  const issued = token ? ctx.core.world.provider.suiteTokens.get(token) : undefined;
  if (!issued) refuse(errcodes.invalidSuiteToken);
  if (issued.expiresAt <= ctx.now) refuse(errcodes.expiredSuiteToken);
  return ctx.core.world.provider.suite(issued.suiteId);
}

/** The live authorisation `auth_corpid` + `permanent_code` name; 40084 otherwise (ids compared as sent: case-sensitive). */
function authorisation(suite: Suite, body: Json): Authorisation {
  const corpId = str(body, 'auth_corpid');
  const code = str(body, 'permanent_code', { code: errcodes.invalidPermanentCode });
  const auth = suite.auths.get(corpId);
  if (!auth || auth.cancelled || auth.permanentCode === undefined || auth.permanentCode !== code) refuse(errcodes.invalidPermanentCode);
  return auth;
}

/** `POST service/get_suite_token` {suite_id, suite_secret, suite_ticket}. */
export const getSuiteToken: Route = {
  verbs: ['POST'],
  auth: false,
  body: 'json',
  handle({ core, body, now }) {
    const suiteId = str(body, 'suite_id', { code: errcodes.invalidSuiteId });
    const suite = core.world.provider.suites.get(suiteId);
    if (!suite) refuse(errcodes.invalidSuiteId);
    if (body.suite_secret !== suite.secret) refuse(errcodes.invalidSuiteSecret);
    const ticket = body.suite_ticket;
    if (typeof ticket !== 'string' || ticket === '') refuse(errcodes.missingSuiteTicket);
    const pushedAt = suite.tickets.get(ticket);
    if (pushedAt === undefined) refuse(errcodes.invalidSuiteTicket, 'not a ticket this suite was pushed');
    if (now - pushedAt >= suiteTicketTtlMs) refuse(errcodes.invalidSuiteTicket, 'older than 30 minutes');
    const token = randomString(96);
    core.world.provider.suiteTokens.set(token, { suiteId, expiresAt: now + suiteTokenTtlMs });
    return { json: { suite_access_token: token, expires_in: suiteTokenTtlMs / 1000 } };
  },
};

/** `GET service/get_pre_auth_code?suite_access_token=`. */
export const getPreAuthCode: Route = {
  verbs: ['GET'],
  auth: false,
  body: 'none',
  handle(ctx) {
    const suite = suiteOf(ctx);
    const code = randomString(64);
    suite.preAuthCodes.set(code, { expiresAt: ctx.now + preAuthCodeTtlMs, used: false });
    return { json: { pre_auth_code: code, expires_in: preAuthCodeTtlMs / 1000 } };
  },
};

/** `POST service/set_session_info` {pre_auth_code, session_info{auth_type}}. */
export const setSessionInfo: Route = {
  verbs: ['POST'],
  auth: false,
  body: 'json',
  handle(ctx) {
    const suite = suiteOf(ctx);
    const pre = suite.preAuthCodes.get(str(ctx.body, 'pre_auth_code', { code: errcodes.invalidPreAuthCode }));
    if (!pre || pre.used) refuse(errcodes.invalidPreAuthCode);
    if (pre.expiresAt <= ctx.now) refuse(errcodes.expiredPreAuthCode);
    const info = ctx.body.session_info;
    if (!isObject(info)) refuse(errcodes.invalidParameter, 'session_info');
    if (info.auth_type !== undefined && info.auth_type !== 0 && info.auth_type !== 1) refuse(errcodes.invalidParameter, 'session_info.auth_type must be 0 or 1');
    pre.authType = typeof info.auth_type === 'number' ? info.auth_type : 0;
    return { json: {} };
  },
};

/** `POST service/v2/get_permanent_code` {auth_code}: single use (a second exchange is 40078). */
export const getPermanentCodeV2: Route = {
  verbs: ['POST'],
  auth: false,
  body: 'json',
  handle(ctx) {
    const suite = suiteOf(ctx);
    const grant = suite.authCodes.get(str(ctx.body, 'auth_code', { code: errcodes.invalidAuthCode }));
    if (!grant || grant.used || grant.expiresAt <= ctx.now) refuse(errcodes.invalidAuthCode);
    grant.used = true;
    const auth = suite.auths.get(grant.corpId);
    if (!auth || auth.cancelled) refuse(errcodes.invalidAuthCode, 'the authorisation was cancelled meanwhile');
    auth.permanentCode = randomString(43);
    return {
      json: {
        permanent_code: auth.permanentCode,
        auth_corp_info: { corpid: auth.corpId, corp_name: auth.corpName },
        auth_user_info: { userid: 'admin', open_userid: `wo${randomString(30)}`, name: 'Admin', avatar: '' },
        ...(grant.state === undefined ? {} : { state: grant.state }),
      },
    };
  },
};

/** `POST service/get_auth_info` {auth_corpid, permanent_code}. */
export const getAuthInfo: Route = {
  verbs: ['POST'],
  auth: false,
  body: 'json',
  handle(ctx) {
    const suite = suiteOf(ctx);
    const auth = authorisation(suite, ctx.body);
    return {
      json: {
        auth_corp_info: { corpid: auth.corpId, corp_name: auth.corpName },
        auth_info: { agent: [{ agentid: auth.agentId, name: 'Help desk', auth_mode: 0, is_customized_app: false, privilege: { level: 1 } }] },
      },
    };
  },
};

/** `POST service/get_corp_token` {auth_corpid, permanent_code}: a corp token the kf endpoints accept. */
export const getCorpToken: Route = {
  verbs: ['POST'],
  auth: false,
  body: 'json',
  handle(ctx) {
    const suite = suiteOf(ctx);
    const auth = authorisation(suite, ctx.body);
    const sw = ctx.core.switches;
    const { token, expiresInS } = ctx.core.tokens.issue(auth.corpId, ctx.now, sw.tokenTtlSeconds * 1000, sw.gettokenWhileValid === 'same', suite.suiteId);
    return { json: { access_token: token, expires_in: expiresInS } };
  },
};

/**
 * Provider mode: a kf call naming an account of the corp that was not granted to the suite's app
 * (kf_account_auth_change, kf component pick, or created by the app) is refused with 95000
 * (wecom-provider.md §4: the errcode is unconfirmed). Unknown accounts are left to the handler (95004).
 */
export function checkKfGrant(core: EmulatorCore, suiteId: string, corpId: string, openKfid: unknown): void {
  if (core.switches.providerKfGrants === 'off' || typeof openKfid !== 'string') return;
  if (!core.world.corp(corpId).accounts.has(openKfid)) return;
  if (!grantedTo(core, suiteId, corpId, openKfid)) refuse(errcodes.invalidOpenKfid, 'this kf account is not granted to the app');
}

/** Whether the suite's app manages `openKfid` in the corp. */
export function grantedTo(core: EmulatorCore, suiteId: string, corpId: string, openKfid: string): boolean {
  return core.world.provider.suites.get(suiteId)?.auths.get(corpId)?.kfAccounts.has(openKfid) ?? false;
}
