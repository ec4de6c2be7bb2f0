/** The WeCom emulator: a real HTTP server on loopback that behaves like WeCom's kf API. */
import { type Clock, type Logger, silentLogger, systemClock } from '../../common';
import { AccessTokens, SyncTokens, TokenlessLimiter } from './auth';
import { CallbackDispatcher, noDelivery, type UrlVerification, wakeUpXml } from './callbacks';
import type { EmulatorCore, Published } from './core';
import { SimulatedCustomer } from './customer';
import { FaultInjector } from './faults';
import { createAccount, checkAccountName } from './handlers/account';
import { ids } from './ids';
import { type MediaItem, MediaStore, type MediaType } from './media';
import { ProviderEmulator } from './provider';
import { type CallRecord, EmulatorServer } from './server';
import { SimulatedServicer } from './servicerClient';
import { type EmulatorSwitches, resolveSwitches } from './switches';
import { type Corp, type SentMessage, type ServiceState, type ServicerStatus, type SyncMessage, sessionKey, World } from './state';

export interface EmulatorOptions {
  /** Drives token expiry, the 48 h window, retention and code validity. Default `systemClock`; tests pass a `ManualClock`. */
  clock?: Clock;
  /** Default `'127.0.0.1'`. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Unconfirmed WeCom facts and test knobs; see {@link EmulatorSwitches} for each default. */
  switches?: Partial<EmulatorSwitches>;
  /** Default: silent. */
  logger?: Logger;
  /** The call log keeps at least this many recent calls. Default 10 000. */
  maxCallLog?: number;
}

/** A corp's credentials, as WeCom's admin pages show them. */
export interface CorpCredentials {
  corpId: string;
  /** The kf-capable app's secret (`corpsecret` of gettoken). */
  secret: string;
  /** The callback Token. */
  token: string;
  /** The callback EncodingAESKey (43 characters). */
  encodingAesKey: string;
  callbackUrl?: string;
}

/** What kf/customer/batchget tells about a simulated customer. */
export interface CustomerOptions {
  /** Default a generated WeChat-like nickname; `''` for a customer WeCom has no nickname for. */
  nickname?: string;
  /** Default ''. */
  avatar?: string;
  /** 0 unknown (default), 1 male, 2 female. */
  gender?: 0 | 1 | 2;
}

/** A raw event for {@link WeComEmulator.pushEvent}; `open_kfid` picks the account woken up. */
export interface RawEvent {
  event_type: string;
  open_kfid?: string;
  [field: string]: unknown;
}

/**
 * An independent WeCom for tests, benchmarks and the sandbox. It talks HTTP on loopback with
 * WeCom's paths, field names, errcodes and rules, delivers encrypted callbacks (with
 * @wecom/crypto, not our own crypto) and lets tests play customers and servicers.
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2026, 0, 1));
 * const emu = new WeComEmulator({ clock, switches: { callbackTimeoutMs: 500 } });
 * await emu.start();
 * const corp = emu.addCorp({ callbackUrl: 'http://127.0.0.1:3978/api/wecom/callback' });
 * const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
 * const alice = emu.customer(corp.corpId, kf);
 * await alice.sendText('hi');                  // → sync_msg + encrypted callback
 * // ... the app answers through emu.baseUrl ...
 * emu.received(corp.corpId, alice.externalUserId);
 * await emu.stop();
 */
export class WeComEmulator {
  /** Fault injection; see {@link FaultInjector}. */
  readonly faults = new FaultInjector();
  /** Provider (third-party suite) mode: suites, tickets, installs; see {@link ProviderEmulator}. */
  readonly provider: ProviderEmulator;
  readonly clock: Clock;
  private readonly world = new World();
  private readonly core: EmulatorCore;
  private readonly server: EmulatorServer;
  private readonly dispatcher: CallbackDispatcher;
  private readonly host: string;
  private readonly port: number;
  private switchValues: EmulatorSwitches;
  private listeningPort?: number;

  constructor(options: EmulatorOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.switchValues = resolveSwitches(options.switches);
    const logger = (options.logger ?? silentLogger).child({ component: 'wecom-emulator' });
    this.dispatcher = new CallbackDispatcher({
      timeoutMs: () => this.switchValues.callbackTimeoutMs,
      retryDelayMs: () => this.switchValues.callbackRetryDelayMs,
      deliveries: () => this.switchValues.callbackDeliveries,
      logger,
    });
    const currentSwitches = (): EmulatorSwitches => this.switchValues;
    this.core = {
      world: this.world,
      clock: this.clock,
      get switches() {
        return currentSwitches();
      },
      tokens: new AccessTokens(),
      syncTokens: new SyncTokens(),
      limiter: new TokenlessLimiter(),
      media: new MediaStore(),
      logger,
      inflightSync: new Map(),
      publish: (corpId, message) => this.publish(corpId, message),
    };
    this.server = new EmulatorServer(this.core, this.faults, options.maxCallLog);
    this.provider = new ProviderEmulator(this.core, this.dispatcher);
  }

  /**
   * Starts listening; resolves when ready.
   *
   * @example
   * await emu.start(); console.log(emu.baseUrl); // http://127.0.0.1:54321/cgi-bin/
   */
  async start(): Promise<void> {
    if (this.listeningPort !== undefined) return;
    this.listeningPort = await this.server.listen(this.host, this.port);
  }

  /**
   * Stops: closes every socket (keep-alive and held ones) and aborts callbacks in flight. Safe to
   * call twice; an emulator is not restarted after it (make a new one).
   *
   * @example
   * afterAll(() => emu.stop());
   */
  async stop(): Promise<void> {
    this.provider.close();
    await Promise.all([this.server.close(), this.dispatcher.close()]);
  }

  /**
   * The base URL clients append paths to, with a trailing slash.
   *
   * @example
   * await fetch(`${emu.baseUrl}gettoken?corpid=${corp.corpId}&corpsecret=${corp.secret}`);
   */
  get baseUrl(): string {
    if (this.listeningPort === undefined) throw new Error('the emulator is not started; await emu.start() first');
    return `http://${this.host}:${this.listeningPort}/cgi-bin/`;
  }

  /**
   * Every call received, in order (access tokens and secrets removed; the oldest dropped past `maxCallLog`).
   *
   * @example
   * expect(emu.calls.filter((c) => c.path === 'gettoken')).toHaveLength(1);
   */
  get calls(): readonly CallRecord[] {
    return this.server.calls;
  }

  /** Empties the call log. */
  clearCalls(): void {
    this.server.calls.length = 0;
  }

  /** The switches in force. */
  get switches(): Readonly<EmulatorSwitches> {
    return this.switchValues;
  }

  /**
   * Changes switches from now on.
   *
   * @example
   * emu.setSwitches({ repeatedSendMsgid: 'success' });
   */
  setSwitches(partial: Partial<EmulatorSwitches>): void {
    this.switchValues = resolveSwitches(partial, this.switchValues);
  }

  /**
   * Adds a corp, with realistic generated values for what is not given.
   *
   * @example
   * const corp = emu.addCorp({ callbackUrl: 'http://127.0.0.1:3978/api/wecom/callback' });
   * // { corpId: 'ww…', secret: '…', token: '…', encodingAesKey: '<43 chars>', callbackUrl }
   */
  addCorp(options: Partial<CorpCredentials> = {}): CorpCredentials {
    const corpId = options.corpId ?? ids.corpId();
    if (this.world.corps.has(corpId)) throw new RangeError(`corp ${corpId} already exists`);
    const encodingAesKey = options.encodingAesKey ?? ids.encodingAesKey();
    if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new RangeError('encodingAesKey must be 43 characters of base64');
    const corp: Corp = {
      corpId,
      secret: options.secret ?? ids.secret(),
      token: options.token ?? ids.callbackToken(),
      encodingAesKey,
      callbackUrl: options.callbackUrl,
      accounts: new Map(),
      members: new Map(),
      sessions: new Map(),
      customers: new Map(),
      log: [],
      sent: [],
      usedMsgids: new Map(),
    };
    this.world.corps.set(corpId, corp);
    return this.credentials(corpId);
  }

  /** The credentials of a corp. */
  credentials(corpId: string): CorpCredentials {
    const { secret, token, encodingAesKey, callbackUrl } = this.world.corp(corpId);
    return { corpId, secret, token, encodingAesKey, ...(callbackUrl ? { callbackUrl } : {}) };
  }

  /**
   * Sets (or removes) the callback URL, e.g. once the app under test listens.
   *
   * @example
   * emu.setCallbackUrl(corp.corpId, `http://127.0.0.1:${port}/api/wecom/callback`);
   */
  setCallbackUrl(corpId: string, url: string | undefined): void {
    if (url !== undefined) new URL(url); // throws on a malformed URL now, not at delivery time
    this.world.corp(corpId).callbackUrl = url;
  }

  /**
   * Adds a kf account (as kf/account/add does) and returns its open_kfid.
   *
   * @example
   * const openKfid = emu.addKfAccount(corp.corpId, { name: 'Support' }); // 'wk…'
   */
  addKfAccount(corpId: string, options: { name: string; mediaId?: string }): string {
    return createAccount(this.world.corp(corpId), checkAccountName(options.name), options.mediaId ?? '').openKfid;
  }

  /**
   * Adds an activated member who can receive sessions, and makes them a servicer of the given
   * accounts (default: every account the corp has now).
   *
   * @example
   * emu.addServicer(corp.corpId, { userid: 'alice' });
   * emu.addServicer(corp.corpId, { userid: 'bob', status: 'stopped', openKfids: [kf] });
   */
  addServicer(corpId: string, options: { userid: string; status?: ServicerStatus; openKfids?: string[] }): void {
    const corp = this.world.corp(corpId);
    corp.members.set(options.userid, { userid: options.userid, status: options.status ?? 'receiving' });
    const targets = options.openKfids ?? [...corp.accounts.keys()];
    for (const openKfid of targets) this.world.account(corpId, openKfid).servicers.add(options.userid);
  }

  /**
   * A simulated WeChat customer of an account (a new `wm…` id unless given). Every customer has a
   * WeChat nickname that kf/customer/batchget reports (a generated one unless given; `''` for none).
   *
   * @example
   * const c = emu.customer(corp.corpId, kf);
   * const named = emu.customer(corp.corpId, kf, undefined, { nickname: '小明' });
   * await c.enterSession({ scene: 'web' });
   * await c.sendText('hello');
   */
  customer(corpId: string, openKfid: string, externalUserId: string = ids.externalUserid(), profile: CustomerOptions = {}): SimulatedCustomer {
    this.world.account(corpId, openKfid);
    const customers = this.world.corp(corpId).customers;
    const known = customers.get(externalUserId);
    customers.set(externalUserId, {
      externalUserId,
      nickname: profile.nickname ?? known?.nickname ?? ids.nickname(),
      avatar: profile.avatar ?? known?.avatar ?? '',
      gender: profile.gender ?? known?.gender ?? 0,
      lastActiveAt: known?.lastActiveAt,
      enterContext: known?.enterContext,
    });
    return new SimulatedCustomer(this.core, corpId, openKfid, externalUserId);
  }

  /**
   * A member acting in the WeCom client (origin 5 messages, session events).
   *
   * @example
   * await emu.servicer(corp.corpId, 'alice').reply(kf, c.externalUserId, 'Alice here');
   */
  servicer(corpId: string, userid: string): SimulatedServicer {
    return new SimulatedServicer(this.core, corpId, userid);
  }

  /**
   * Appends any event (origin 4) and wakes the app up.
   *
   * @example
   * await emu.pushEvent(corp.corpId, { event_type: 'msg_send_fail', open_kfid: kf, external_userid: c.externalUserId, fail_msgid: 'm1', fail_type: 4 });
   */
  async pushEvent(corpId: string, event: RawEvent): Promise<Published> {
    const message: SyncMessage = { msgid: ids.inboundMsgid(), send_time: Math.floor(this.clock.now() / 1000), origin: 4, msgtype: 'event', event: { ...event } };
    return this.publish(corpId, message);
  }

  /**
   * What the app sent to customers (send_msg and send_msg_on_event), in order.
   *
   * @example
   * expect(emu.received(corp.corpId, c.externalUserId).map((m) => m.payload)).toEqual([{ content: 'Hi!' }]);
   */
  received(corpId: string, externalUserId?: string): SentMessage[] {
    const sent = this.world.corp(corpId).sent;
    return externalUserId === undefined ? [...sent] : sent.filter((m) => m.externalUserId === externalUserId);
  }

  /**
   * The session as kf/service_state/get reports it (4 for a customer never seen).
   *
   * @example
   * emu.sessionState(corp.corpId, kf, c.externalUserId); // { service_state: 1, servicer_userid: '' }
   */
  sessionState(corpId: string, openKfid: string, externalUserId: string): { service_state: ServiceState; servicer_userid: string } {
    const s = this.world.corp(corpId).sessions.get(sessionKey(openKfid, externalUserId));
    return { service_state: s?.state ?? 4, servicer_userid: s?.state === 3 ? (s.servicerUserid ?? '') : '' };
  }

  /**
   * Expires the access tokens of one corp (or all) now: the next call answers 42001.
   *
   * @example
   * emu.expireTokens(corp.corpId);
   */
  expireTokens(corpId?: string): void {
    this.core.tokens.expire(this.clock.now(), corpId);
  }

  /**
   * Stores media directly (no upload rules), e.g. an avatar for kf/account/add; returns its media_id.
   * `padTo` makes a synthetic large file (zeros after `bytes`, generated as it is served);
   * `chunked` makes media/get send it without a `Content-Length`.
   *
   * @example
   * const mediaId = emu.putMedia(corp.corpId, { type: 'image', bytes: png, filename: 'a.png' });
   */
  putMedia(corpId: string, media: { type: MediaType; bytes: Uint8Array; filename: string; contentType?: string } & Pick<MediaItem, 'padTo' | 'chunked'>): string {
    this.world.corp(corpId);
    const { bytes, contentType, ...rest } = media;
    return this.core.media.put({ ...rest, corpId, bytes: Buffer.from(bytes), contentType: contentType ?? 'application/octet-stream', createdAt: this.clock.now() }).mediaId;
  }

  /**
   * A live media item (uploaded by the app or sent by a customer), or undefined.
   *
   * @example
   * const item = emu.media(corp.corpId, emu.received(corp.corpId)[0].payload.media_id);
   */
  media(corpId: string, mediaId: string): MediaItem | undefined {
    return this.core.media.get(corpId, mediaId, this.clock.now());
  }

  /**
   * The sync token of the latest wake-up for an account (valid 10 minutes), for sync_msg without a callback.
   *
   * @example
   * await post('kf/sync_msg', { token: emu.latestSyncToken(corp.corpId, kf), open_kfid: kf });
   */
  latestSyncToken(corpId: string, openKfid: string): string | undefined {
    return this.core.syncTokens.latestFor(corpId, openKfid);
  }

  /**
   * Does the GET echostr check WeCom makes when a callback URL is saved.
   *
   * @example
   * expect((await emu.verifyCallbackUrl(corp.corpId)).ok).toBe(true);
   */
  async verifyCallbackUrl(corpId: string): Promise<UrlVerification> {
    const corp = this.world.corp(corpId);
    if (!corp.callbackUrl) throw new RangeError(`corp ${corpId} has no callback URL`);
    const target = { corpId, token: corp.token, encodingAesKey: corp.encodingAesKey, callbackUrl: corp.callbackUrl };
    return this.dispatcher.verifyUrl(target, Math.floor(this.clock.now() / 1000));
  }

  private publish(corpId: string, message: SyncMessage): Published {
    const corp = this.world.corp(corpId);
    const now = this.clock.now();
    this.world.append(corpId, message, now);
    const event = message.event as { open_kfid?: unknown } | undefined;
    const openKfid = message.open_kfid ?? (typeof event?.open_kfid === 'string' ? event.open_kfid : '');
    const syncToken = this.core.syncTokens.issue(corpId, openKfid, now);
    const timestampS = Math.floor(now / 1000);
    const delivery = corp.callbackUrl && this.provider.wakesUp(corpId, openKfid)
      ? this.dispatcher.deliver({ corpId, token: corp.token, encodingAesKey: corp.encodingAesKey, callbackUrl: corp.callbackUrl }, wakeUpXml(corpId, timestampS, syncToken, openKfid), timestampS)
      : Promise.resolve(noDelivery);
    return { msgid: message.msgid, syncToken, delivery };
  }
}
