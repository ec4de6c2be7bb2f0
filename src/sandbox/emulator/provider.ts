/**
 * The emulator's provider side (wecom-provider.md): suites, the suite_ticket pushed every 10
 * minutes of emulator time, an admin installing or removing the app (create_auth / change_auth /
 * cancel_auth on the instruction URL), and kf accounts granted to the app (kf_account_auth_change
 * on the data URL). The HTTP endpoints are in handlers/suite.ts.
 */
import { type CallbackDispatcher, type CallbackTarget, type DeliveryReport, noDelivery, type UrlVerification } from './callbacks';
import type { EmulatorCore } from './core';
import { ids, randomString } from './ids';
import { authCodeTtlMs, type Authorisation, type Suite, suiteTicketIntervalMs } from './providerState';
import { instructionXml, kfAccountAuthChangeXml, kfExtraInfo } from './providerCallbacks';

/** A suite's settings, as the provider console shows them. */
export interface SuiteCredentials {
  suiteId: string;
  suiteSecret: string;
  /** Callback Token, shared by the instruction and data URLs. */
  token: string;
  /** Callback EncodingAESKey (43 characters), shared by both URLs. */
  encodingAesKey: string;
  /** The provider's own corp id. */
  providerCorpId: string;
  /** Where instruction callbacks go (suite_ticket, create_auth, …). */
  instructionUrl?: string;
  /** Where data callbacks of every authorised corp go (kf_msg_or_event, kf_account_auth_change). */
  dataUrl?: string;
}

/** What an admin's install did. */
export interface Installed {
  suiteId: string;
  corpId: string;
  /** The code the redirect and create_auth carry (10 minutes, single use). */
  authCode: string;
  /** The create_auth delivery to the instruction URL. */
  delivery: Promise<DeliveryReport>;
}

/** A corp's authorisation of a suite, as the emulator holds it. */
export interface AuthorisationView {
  corpId: string;
  agentId: number;
  permanentCode?: string;
  cancelled: boolean;
  kfAccounts: string[];
}

/**
 * Drives provider mode in tests: `emu.provider`.
 *
 * @example
 * const suite = emu.provider.addSuite({ instructionUrl: `${app}/api/wecom/suite`, dataUrl: `${app}/api/wecom/callback` });
 * await (await emu.provider.pushSuiteTicket()).delivery;     // the app stores the ticket
 * // ... the app gets a suite token and a pre-auth code ...
 * const { authCode } = emu.provider.authorise(corp.corpId, preAuthCode); // create_auth → app
 * await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] });        // kf_account_auth_change → app
 * await emu.provider.cancel(corp.corpId).delivery;                         // cancel_auth; corp tokens now 48004
 */
export class ProviderEmulator {
  private pump?: NodeJS.Timeout;

  constructor(
    private readonly core: EmulatorCore,
    private readonly dispatcher: CallbackDispatcher,
  ) {}

  /**
   * Adds a suite with generated values for what is not given.
   *
   * @example
   * const suite = emu.provider.addSuite({ instructionUrl: 'http://127.0.0.1:3978/api/wecom/suite' });
   */
  addSuite(options: Partial<SuiteCredentials> = {}): SuiteCredentials {
    const suiteId = options.suiteId ?? ids.corpId();
    const suites = this.core.world.provider.suites;
    if (suites.has(suiteId)) throw new RangeError(`suite ${suiteId} already exists`);
    const encodingAesKey = options.encodingAesKey ?? ids.encodingAesKey();
    if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new RangeError('encodingAesKey must be 43 characters of base64');
    for (const url of [options.instructionUrl, options.dataUrl]) if (url !== undefined) new URL(url);
    suites.set(suiteId, {
      suiteId,
      secret: options.suiteSecret ?? ids.secret(),
      token: options.token ?? ids.callbackToken(),
      encodingAesKey,
      providerCorpId: options.providerCorpId ?? ids.corpId(),
      instructionUrl: options.instructionUrl,
      dataUrl: options.dataUrl,
      tickets: new Map(),
      preAuthCodes: new Map(),
      authCodes: new Map(),
      auths: new Map(),
      nextAgentId: 1000002,
    });
    return this.credentials(suiteId);
  }

  /** A suite's settings. */
  credentials(suiteId?: string): SuiteCredentials {
    const s = this.suite(suiteId);
    return {
      suiteId: s.suiteId, suiteSecret: s.secret, token: s.token, encodingAesKey: s.encodingAesKey, providerCorpId: s.providerCorpId,
      ...(s.instructionUrl ? { instructionUrl: s.instructionUrl } : {}),
      ...(s.dataUrl ? { dataUrl: s.dataUrl } : {}),
    };
  }

  /**
   * Sets (or, with undefined, removes) the suite's callback URLs, e.g. once the app listens.
   *
   * @example
   * emu.provider.setUrls(suite.suiteId, { instructionUrl: `${base}/api/wecom/suite`, dataUrl: `${base}/api/wecom/callback` });
   */
  setUrls(suiteId: string | undefined, urls: { instructionUrl?: string; dataUrl?: string }): void {
    const s = this.suite(suiteId);
    for (const url of [urls.instructionUrl, urls.dataUrl]) if (url !== undefined) new URL(url);
    if ('instructionUrl' in urls) s.instructionUrl = urls.instructionUrl;
    if ('dataUrl' in urls) {
      s.dataUrl = urls.dataUrl;
      for (const auth of s.auths.values()) if (!auth.cancelled) this.routeDataTo(s, auth);
    }
  }

  /**
   * Pushes a new suite_ticket now (as the console's "refresh ticket" does). Earlier tickets stay
   * good until 30 minutes after their own push.
   *
   * @example
   * const { ticket, delivery } = emu.provider.pushSuiteTicket();
   */
  pushSuiteTicket(suiteId?: string): { ticket: string; delivery: Promise<DeliveryReport> } {
    const s = this.suite(suiteId);
    const now = this.core.clock.now();
    const ticket = randomString(64);
    s.tickets.set(ticket, now);
    s.lastTicket = ticket;
    s.lastTicketAt = now;
    const delivery = this.instruct(s, instructionXml(s.suiteId, 'suite_ticket', Math.floor(now / 1000), { SuiteTicket: ticket }));
    return { ticket, delivery };
  }

  /**
   * Pushes a ticket to every suite whose last push is 10 minutes of emulator time old (or that
   * never had one). With a manual clock: advance it, then call this.
   *
   * @example
   * clock.advance(10 * 60_000); await Promise.all(emu.provider.pumpTickets());
   */
  pumpTickets(): Promise<DeliveryReport>[] {
    const now = this.core.clock.now();
    const due = [...this.core.world.provider.suites.values()].filter((s) => s.lastTicketAt === undefined || now - s.lastTicketAt >= suiteTicketIntervalMs);
    return due.map((s) => this.pushSuiteTicket(s.suiteId).delivery);
  }

  /**
   * Checks every `pollMs` real milliseconds whether a ticket is due ({@link pumpTickets}), so a
   * running sandbox gets one every 10 minutes of its clock. Stopped by `emu.stop()`.
   */
  startTicketPump(pollMs = 1000): void {
    this.stopTicketPump();
    this.pump = setInterval(() => void this.pumpTickets(), pollMs);
    this.pump.unref();
  }

  stopTicketPump(): void {
    if (this.pump) clearInterval(this.pump);
    this.pump = undefined;
  }

  /** The newest ticket pushed, if any. */
  latestTicket(suiteId?: string): string | undefined {
    return this.suite(suiteId).lastTicket;
  }

  /**
   * An admin of `corpId` agrees on the install page of `preAuthCode`: the code is used up, an auth
   * code is issued (10 minutes, single use) and create_auth goes to the instruction URL. Its
   * data callbacks (kf wake-ups included) go to the suite's data URL from now on, sealed with the
   * suite's key. Throws when the install page would refuse (unknown, used or expired code).
   *
   * @example
   * const { authCode, delivery } = emu.provider.authorise(corp.corpId, preAuthCode, { state: 'abc' });
   */
  authorise(corpId: string, preAuthCode: string, options: { state?: string; corpName?: string; kfAccounts?: readonly string[] } = {}): Installed {
    const s = this.core.world.provider.suiteOfPreAuthCode(preAuthCode);
    if (!s) throw new RangeError('no suite issued this pre_auth_code');
    const pre = s.preAuthCodes.get(preAuthCode)!;
    const now = this.core.clock.now();
    if (pre.used) throw new RangeError('this pre_auth_code was already used for an install');
    if (pre.expiresAt <= now) throw new RangeError('this pre_auth_code expired (20 minutes)');
    const corp = this.core.world.corp(corpId);
    const existing = s.auths.get(corpId);
    if (existing && !existing.cancelled) throw new RangeError(`corp ${corpId} has already authorised suite ${s.suiteId}; use changeAuth`);
    pre.used = true;
    const kfAccounts = new Set(options.kfAccounts ?? []);
    for (const kf of kfAccounts) this.core.world.account(corpId, kf);
    const auth: Authorisation = {
      corpId,
      corpName: options.corpName ?? `Corp ${corpId.slice(-4)}`,
      agentId: s.nextAgentId++,
      cancelled: false,
      saved: { callbackUrl: corp.callbackUrl, token: corp.token, encodingAesKey: corp.encodingAesKey },
      kfAccounts,
    };
    s.auths.set(corpId, auth);
    this.routeDataTo(s, auth);
    const authCode = randomString(64);
    s.authCodes.set(authCode, { corpId, expiresAt: now + authCodeTtlMs, used: false, state: options.state });
    const xml = instructionXml(s.suiteId, 'create_auth', Math.floor(now / 1000), { AuthCode: authCode, State: options.state }, kfExtraInfo([...kfAccounts]));
    return { suiteId: s.suiteId, corpId, authCode, delivery: this.instruct(s, xml) };
  }

  /**
   * The admin changed the app's visibility or permissions: change_auth to the instruction URL.
   * With `kfAccounts` (kf component), those become the granted accounts and ride in `ExtraInfo`.
   */
  changeAuth(corpId: string, options: { suiteId?: string; state?: string; kfAccounts?: readonly string[] } = {}): Promise<DeliveryReport> {
    const s = this.suite(options.suiteId);
    const auth = this.liveAuth(s, corpId);
    if (options.kfAccounts) {
      for (const kf of options.kfAccounts) this.core.world.account(corpId, kf);
      auth.kfAccounts = new Set(options.kfAccounts);
    }
    const now = Math.floor(this.core.clock.now() / 1000);
    return this.instruct(s, instructionXml(s.suiteId, 'change_auth', now, { AuthCorpId: corpId, State: options.state }, kfExtraInfo(options.kfAccounts ?? [])));
  }

  /**
   * The admin removed the app: cancel_auth to the instruction URL; the permanent code is refused
   * from now on (40084), corp tokens already issued answer 48004, data callbacks stop.
   *
   * @example
   * await emu.provider.cancel(corp.corpId);
   */
  cancel(corpId: string, suiteId?: string): Promise<DeliveryReport> {
    const s = this.suite(suiteId);
    const auth = this.liveAuth(s, corpId);
    auth.cancelled = true;
    auth.permanentCode = undefined;
    auth.kfAccounts.clear();
    this.core.tokens.revoke(corpId, s.suiteId);
    const corp = this.core.world.corp(corpId);
    if (auth.saved) Object.assign(corp, auth.saved);
    const now = Math.floor(this.core.clock.now() / 1000);
    return this.instruct(s, instructionXml(s.suiteId, 'cancel_auth', now, { AuthCorpId: corpId }));
  }

  /**
   * The admin gives kf accounts to the app (`add`) or takes them back (`remove`): the data event
   * kf_account_auth_change to the suite's data URL, sealed for the corp.
   *
   * @example
   * await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] });
   */
  grantKfAccounts(corpId: string, change: { add?: readonly string[]; remove?: readonly string[] }, suiteId?: string): Promise<DeliveryReport> {
    const s = this.suite(suiteId);
    const auth = this.liveAuth(s, corpId);
    const add = change.add ?? [];
    const remove = change.remove ?? [];
    for (const kf of add) this.core.world.account(corpId, kf);
    for (const kf of add) auth.kfAccounts.add(kf);
    for (const kf of remove) auth.kfAccounts.delete(kf);
    if (!s.dataUrl) return Promise.resolve(noDelivery);
    const now = Math.floor(this.core.clock.now() / 1000);
    return this.dispatcher.deliver(this.dataTarget(s, corpId, s.dataUrl), kfAccountAuthChangeXml(corpId, now, add, remove), now);
  }

  /**
   * 代开发: the provider re-issues the app's secret. reset_permanent_code with a new auth code (10
   * minutes, single use) goes to the instruction URL; the old permanent code is refused once the
   * new code is exchanged.
   *
   * @example
   * const { authCode, delivery } = emu.provider.resetPermanentCode(corp.corpId);
   */
  resetPermanentCode(corpId: string, suiteId?: string): { authCode: string; delivery: Promise<DeliveryReport> } {
    const s = this.suite(suiteId);
    this.liveAuth(s, corpId);
    const now = this.core.clock.now();
    const authCode = randomString(64);
    s.authCodes.set(authCode, { corpId, expiresAt: now + authCodeTtlMs, used: false });
    const xml = instructionXml(s.suiteId, 'reset_permanent_code', Math.floor(now / 1000), { AuthCode: authCode, AuthCorpId: corpId });
    return { authCode, delivery: this.instruct(s, xml) };
  }

  /**
   * The GET check WeCom makes when a suite URL is saved. The receive id in the echostr is the
   * provider's own corp id (a staff answer; unconfirmed, one report says otherwise), or `receiveId`.
   *
   * @example
   * expect((await emu.provider.verifyUrl('instruction')).ok).toBe(true);
   */
  verifyUrl(which: 'instruction' | 'data', options: { suiteId?: string; receiveId?: string } = {}): Promise<UrlVerification> {
    const s = this.suite(options.suiteId);
    const url = which === 'instruction' ? s.instructionUrl : s.dataUrl;
    if (!url) throw new RangeError(`suite ${s.suiteId} has no ${which} URL`);
    const target: CallbackTarget = { corpId: options.receiveId ?? s.providerCorpId, token: s.token, encodingAesKey: s.encodingAesKey, callbackUrl: url };
    return this.dispatcher.verifyUrl(target, Math.floor(this.core.clock.now() / 1000));
  }

  /** A corp's authorisation of a suite (permanent code included, for assertions), or undefined. */
  authorisation(corpId: string, suiteId?: string): AuthorisationView | undefined {
    const auth = this.suite(suiteId).auths.get(corpId);
    if (!auth) return undefined;
    return { corpId, agentId: auth.agentId, permanentCode: auth.permanentCode, cancelled: auth.cancelled, kfAccounts: [...auth.kfAccounts] };
  }

  /**
   * Whether a kf wake-up for `openKfid` reaches the corp's callback URL: always for a corp no
   * suite serves; for an authorised corp only when the account is granted to the app (WeCom tells
   * an app only about the accounts it manages), unless the `providerKfGrants` switch is off.
   */
  wakesUp(corpId: string, openKfid: string): boolean {
    const live = [...this.core.world.provider.suites.values()].map((s) => s.auths.get(corpId)).filter((a) => a !== undefined && !a.cancelled);
    if (live.length === 0 || this.core.switches.providerKfGrants === 'off') return true;
    return live.some((a) => a!.kfAccounts.has(openKfid));
  }

  /** Expires the suite's access tokens now: the next service call answers 42009. */
  expireSuiteTokens(suiteId?: string): void {
    const id = this.suite(suiteId).suiteId;
    const now = this.core.clock.now();
    for (const issued of this.core.world.provider.suiteTokens.values()) if (issued.suiteId === id) issued.expiresAt = Math.min(issued.expiresAt, now);
  }

  /** Stops the ticket pump. */
  close(): void {
    this.stopTicketPump();
  }

  /** The named suite, or the only one. */
  private suite(suiteId?: string): Suite {
    const suites = this.core.world.provider.suites;
    if (suiteId !== undefined) return this.core.world.provider.suite(suiteId);
    if (suites.size !== 1) throw new RangeError(`name the suite: the emulator has ${suites.size} suites`);
    return suites.values().next().value as Suite;
  }

  private liveAuth(s: Suite, corpId: string): Authorisation {
    const auth = s.auths.get(corpId);
    if (!auth || auth.cancelled) throw new RangeError(`corp ${corpId} has not authorised suite ${s.suiteId}`);
    return auth;
  }

  /** While authorised, the corp's data callbacks go to the suite's data URL with the suite's key. */
  private routeDataTo(s: Suite, auth: Authorisation): void {
    const corp = this.core.world.corp(auth.corpId);
    corp.callbackUrl = s.dataUrl;
    corp.token = s.token;
    corp.encodingAesKey = s.encodingAesKey;
  }

  private dataTarget(s: Suite, corpId: string, url: string): CallbackTarget {
    return { corpId, token: s.token, encodingAesKey: s.encodingAesKey, callbackUrl: url };
  }

  /** Seals for the instruction URL: ToUserName is the suite; the receive id per the `suiteReceiveId` switch. */
  private instruct(s: Suite, xml: string): Promise<DeliveryReport> {
    if (!s.instructionUrl) return Promise.resolve(noDelivery);
    const receiveId = this.core.switches.suiteReceiveId === 'provider_corpid' ? s.providerCorpId : s.suiteId;
    const now = Math.floor(this.core.clock.now() / 1000);
    // WeCom shows anything but a literal `success` within its deadline as an error (and the install fails).
    const rules = { expectBody: 'success', timeoutMs: this.core.switches.instructionTimeoutMs };
    return this.dispatcher.deliver({ corpId: receiveId, toUserName: s.suiteId, token: s.token, encodingAesKey: s.encodingAesKey, callbackUrl: s.instructionUrl }, xml, now, rules);
  }
}
