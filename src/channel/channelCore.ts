import { randomUUID } from 'node:crypto';
import { type Clock, localTimeOf, systemClock } from '../common/clock';
import { isChannelError } from '../common/errors';
import type { Logger } from '../common/logger';
import {
  type ActivityStamp, ActivityTypes, addressLike, type CoreActivity, type CoreLogic, type CoreTurn, type InboundCoreActivity, type ResourceId, stampOf, type TurnHost, type TurnRule,
} from '../core';
import type { Store } from '../store';
import { callbackErrorStatus } from '../wecom/callbackErrors';
import { openCallback } from '../wecom/callback';
import { WeComClient } from '../wecom/client';
import { WeComCrypto } from '../wecom/crypto';
import { readRawBody } from '../wecom/rawBody';
import type { DataCallbackEvent } from '../wecom/callbackEvents';
import type { SharedTokenStore } from '../wecom/tokenCache';
import { WeComTransport } from '../wecom/transport';
import { AdapterStateError, CorpNotServedError } from '../adapter/adapterErrors';
import { resolveAdapterOptions, type ResolvedAdapterOptions, type WeComAdapterOptions } from '../adapter/adapterOptions';
import type { CorpDirectory, KnownCorp, ServedCorp } from '../adapter/corpDirectory';
import type { InboxEntry, InboxStatus } from '../adapter/inboxRepository';
import { type InboundMediaLimits, mediaOf, resolveInboundMedia } from '../adapter/inboundMedia';
import { type OperationListener, OperationEvents } from '../adapter/operationEvents';
import { Semaphore } from '../adapter/semaphore';
import { toActivity, type WeComChannelData } from '../adapter/toActivity';
import { setTurnInfo } from '../adapter/turnInfo';
import { welcomeOverflowActivity } from '../adapter/welcomeMessage';
import { type CallbackHttpRequest, type CallbackHttpResponse, respond, signedAtOf } from './callbackHttp';
import { type ChannelServices, openChannelServices } from './channelServices';

/** Inbound files of any kind above this are never downloaded, unless `maxInboundMediaBytes` says otherwise (WeCom's largest, the file limit). */
const DEFAULT_MAX_INBOUND_MEDIA_BYTES = 20 * 1024 * 1024;

/**
 * The channel engine without the product's rules: WeCom callbacks, the inbound pipeline (inbox,
 * pulls, turns, retries), kf message ⇄ activity mapping, exactly-once sends, handoff and welcome
 * messages, for one corp (self-built mode) or every corp that authorised a suite (provider mode).
 * It knows no bot framework: a shell (botbuilder's `BotAdapter`, the Agents SDK's `BaseAdapter`)
 * runs its turns through a {@link TurnHost} and hands it the bot's sends ({@link sendActivity}).
 * {@link WeComChannel} adds licensing and WeChat's rules; the shells' `WeComAdapter` uses that one.
 *
 * @example
 * class MyShell extends SomeFrameworkAdapter implements TurnHost {
 *   readonly channel = new WeComChannelCore({ store }, this);
 *   async process(req, res, logic) { this.logic = logic; await this.channel.process(req, res); }
 *   async sendActivities(ctx, activities) { const out = []; for (const a of activities) out.push(await this.channel.sendActivity(ctx, a)); return out; }
 *   // hasLogic() and runTurn(): see TurnHost
 * }
 */
export class WeComChannelCore {
  /** The corp served in self-built mode; in provider mode, the suite id (see {@link corps}). */
  readonly corpId: string;
  readonly logger: Logger;
  protected readonly options: ResolvedAdapterOptions;
  /** Self-built mode's callback crypto (provider mode opens callbacks with the suite's). */
  private readonly crypto?: WeComCrypto;
  /** Self-built mode's one client; provider mode has one per corp (the directory's). */
  private readonly ownClient?: WeComClient;
  private readonly directory?: CorpDirectory;
  private readonly mediaLimits: InboundMediaLimits;
  private readonly mediaSlots: Semaphore;
  private initialising?: Promise<ChannelServices>;
  private services?: ChannelServices;
  private starting?: Promise<void>;
  private background?: Promise<void>;
  private sweepTimer?: NodeJS.Timeout;
  private closing = false;
  /** Pulls started by callbacks, so `idle()` and `close()` can wait for them. */
  private readonly callbackPulls = new Set<Promise<void>>();
  private readonly operations: OperationEvents;
  /** Ids and times of the activities the channel raises itself: the channel's clock (the store's). */
  private readonly stamp: ActivityStamp = { clock: { now: () => this.clock.now() }, newId: () => randomUUID() };

  /**
   * @param options What is missing comes from the environment (`WECOM_*`, `DATA_DIR`, `MONGODB_URI`).
   * @param host The framework shell that runs this channel's turns.
   */
  constructor(options: WeComAdapterOptions, protected readonly host: TurnHost) {
    this.options = resolveAdapterOptions(options);
    this.corpId = this.options.corpId;
    this.logger = this.options.logger;
    this.operations = new OperationEvents(this.logger);
    if (!this.options.provider) this.crypto = new WeComCrypto({
      token: this.options.token, encodingAesKey: this.options.encodingAesKey, receiveIds: [this.corpId], settingName: 'WECOM_ENCODING_AES_KEY',
      // A replayed callback (signed long ago) is refused; the clock is read late, once the store's is known.
      maxTimestampSkewSeconds: this.options.maxCallbackAgeSeconds > 0 ? this.options.maxCallbackAgeSeconds : undefined,
      clock: { now: () => this.clock.now(), aheadMs: () => this.clock.aheadMs?.() ?? 0 },
    });
    const transport = new WeComTransport({ baseUrl: this.options.apiBaseUrl, timeoutMs: this.options.requestTimeoutMs, connections: this.options.apiConnections, proxyUrl: this.options.httpProxy, logger: this.logger });
    const cap = (kind: keyof InboundMediaLimits['maxBytes']): number => this.options.maxInboundMediaBytes?.[kind] ?? DEFAULT_MAX_INBOUND_MEDIA_BYTES;
    this.mediaLimits = { maxBytes: { image: cap('image'), voice: cap('voice'), video: cap('video'), file: cap('file') } };
    this.mediaSlots = new Semaphore(this.options.mediaDownloadConcurrency);
    const sharedTokens: SharedTokenStore = this.options.sharedTokens ?? {
      get: async (key) => (await this.ready()).tokens.get(key),
      set: async (key, token) => (await this.ready()).tokens.set(key, token, { ttlMs: Math.max(1, token.expiresAt - this.clock.now()) }),
    };
    this.directory = this.options.provider?.corps;
    if (!this.directory) this.ownClient = new WeComClient({ corpId: this.corpId, secret: this.options.secret, transport, sharedTokens, clock: { now: () => this.clock.now() } });
    if (this.options.autoStart) {
      // After the constructor, so a subclass and the shell are complete and the caller can still set onTurnError.
      setImmediate(() => {
        this.startBackground().catch((e: unknown) => this.logger.error({ err: e }, 'start-up failed; the first callback or start() tries again'));
      });
    }
  }

  /**
   * Self-built mode's kf client. In provider mode there is one per corp: use {@link clientFor}.
   *
   * @throws AdapterStateError in provider mode
   */
  get client(): WeComClient {
    if (!this.ownClient) throw new AdapterStateError('a provider-mode adapter serves many corps: use clientFor(corpId)');
    return this.ownClient;
  }

  /** Whether the adapter serves many corps (provider mode). */
  get isProviderMode(): boolean {
    return this.directory !== undefined;
  }

  /**
   * The kf client of one corp: its calls carry that corp's own access token. Self-built mode serves
   * its one corp; provider mode every corp that authorised the suite (tokens cached per suite and corp).
   *
   * @example
   * const { account_list } = await adapter.clientFor('wwCorpA').listAccounts();
   * @throws CorpNotServedError in self-built mode for a corp other than `corpId`
   */
  clientFor(corpId: string): WeComClient {
    if (this.directory) return this.directory.clientFor(corpId);
    if (corpId !== this.corpId) throw new CorpNotServedError(corpId, 'unknown');
    return this.ownClient!;
  }

  /**
   * The corps served now, with the kf accounts granted to the app: in provider mode every corp
   * whose authorisation is active; in self-built mode the one corp (`openKfIds` undefined: all).
   *
   * @example
   * for (const { corpId, openKfIds } of await adapter.corps()) console.log(corpId, openKfIds);
   */
  async corps(): Promise<readonly ServedCorp[]> {
    return this.directory ? this.directory.activeCorps() : [{ corpId: this.corpId }];
  }

  /**
   * Every corp the adapter has known: in provider mode those that cancelled too (`active: false`),
   * so an admin sees them rather than an unknown id; in self-built mode its one corp.
   *
   * @example
   * const cancelled = (await adapter.knownCorps()).filter((c) => !c.active);
   */
  async knownCorps(): Promise<readonly KnownCorp[]> {
    return this.directory ? this.directory.knownCorps() : [{ corpId: this.corpId, active: true }];
  }

  /** The ids of {@link corps}: whose accounts the sweep, catch-up and recovery look at. */
  protected async servedCorpIds(): Promise<string[]> {
    return (await this.corps()).map((c) => c.corpId);
  }

  /** Whether close() was called: background work must not start anything new. */
  protected get isClosing(): boolean {
    return this.closing;
  }

  /** The clock every rule sees: the store's (the test clock in the sandbox). */
  get clock(): Clock {
    return this.services?.store.clock ?? this.options.store?.clock ?? this.options.clock ?? systemClock;
  }

  /** Opens the store and creates indexes once; later calls share the first. */
  ready(): Promise<ChannelServices> {
    this.initialising ??= this.initialise().then(
      (s) => (this.services = s),
      (e: unknown) => {
        this.initialising = undefined; // a store that was down at first use is tried again next time
        throw e;
      },
    );
    return this.initialising;
  }

  /** The store the adapter runs on (opened on first use). */
  async store(): Promise<Store> {
    return (await this.ready()).store;
  }

  /**
   * Starts the inbound side without waiting for a callback: what the background start does, then
   * turns run. Pending turns left by a crash run at once. `process` calls it on first use, so a
   * bot that calls it at start-up answers what waited while it was down without waiting for
   * WeCom's next callback. The shell sets the bot's logic first (see {@link TurnHost.hasLogic}).
   *
   * @example
   * // in a shell's start(logic):
   * this.logic = logic;
   * await this.channel.start();
   */
  async start(): Promise<void> {
    this.starting ??= (async () => {
      await this.startBackground();
      if (this.closing) return;
      const { pipeline } = await this.ready();
      pipeline.startTurns();
      await pipeline.recover(await this.servedCorpIds());
    })().catch((e: unknown) => {
      this.starting = undefined; // try again on the next call
      throw e;
    });
    await this.starting;
  }

  /**
   * What needs no bot logic, started when the adapter is made (unless `autoStart: false`): the
   * store, the periodic sweep, and one pull of every known account (wake-ups no pull answered after a
   * crash or an outage, and callbacks that failed while no process was up), whose messages wait in
   * the inbox for the bot.
   */
  protected startBackground(): Promise<void> {
    this.background ??= (async () => {
      if (this.closing) return; // closed before it started: open nothing
      const services = await this.ready();
      if (this.closing) return;
      if (this.options.sweepIntervalMs > 0 && !this.sweepTimer) {
        this.sweepTimer = setInterval(() => void this.sweep(this.options.sweepStaleMs), this.options.sweepIntervalMs);
        this.sweepTimer.unref();
      }
      await services.pipeline.catchUp(await this.servedCorpIds());
    })().catch((e: unknown) => {
      this.background = undefined; // the store may be back next time
      throw e;
    });
    return this.background;
  }

  /**
   * Pulls every known account not pulled for `staleMs` (default 0: all of them) and restarts
   * stranded turns. The periodic sweep calls it with `sweepStaleMs`.
   */
  async sweep(staleMs = 0): Promise<void> {
    if (this.closing) return;
    try {
      await (await this.ready()).pipeline.sweep(await this.servedCorpIds(), staleMs);
    } catch (e) {
      this.logger.warn({ err: e }, 'sweep failed; it runs again at the next interval');
    }
  }

  /**
   * Handles WeCom's callback request: `GET` answers the URL check, `POST` verifies, decrypts,
   * answers 200 at once and pulls the messages in the background. Bad requests get a 4xx. The
   * shell sets the bot's logic first (see {@link TurnHost.hasLogic}).
   *
   * @example
   * // in a shell's process(req, res, logic):
   * this.logic = logic;
   * await this.channel.process(req, res);
   */
  async process(req: CallbackHttpRequest, res: CallbackHttpResponse): Promise<void> {
    try {
      await this.start();
      const body = req.method === 'POST' ? await readRawBody(req, { limit: this.options.maxCallbackBytes }) : undefined;
      const query = new URL(req.url ?? '/', 'http://callback.invalid').searchParams;
      const opened = await this.openDataCallback(req.method, query, body);
      if (opened.kind === 'url_verification') {
        this.operations.report({ kind: 'callback', result: 'verified' });
        return respond(res, 200, opened.echo);
      }
      const { event, corpId } = opened;
      if (event.kind === 'kf_msg_or_event') {
        // Shutting down: nothing would store the wake-up, so let WeCom deliver it again later.
        if (this.closing) {
          this.operations.report({ kind: 'callback', result: 'error' });
          return respond(res, 503, 'shutting down');
        }
        // The wake-up (and its sync token) is stored before WeCom hears 200: should we crash right
        // after, the sweep still knows the account. A store that is down answers 500, and WeCom retries.
        const { pipeline } = await this.ready();
        await pipeline.wake(corpId, event.openKfId, event.token, signedAtOf(query));
        this.operations.report({ kind: 'callback', result: 'ok' });
        respond(res, 200, 'success');
        this.pullInBackground(corpId, event.openKfId);
      } else if (event.kind === 'kf_account_auth_change' && this.directory) {
        // Stored before WeCom hears 200, so a failure is retried by WeCom rather than lost.
        await this.directory.kfAccountsChanged(corpId, { added: event.added, removed: event.removed });
        this.operations.report({ kind: 'callback', result: 'ok' });
        respond(res, 200, 'success');
        this.logger.info({ corpId, added: event.added, removed: event.removed }, 'kf accounts granted to the app changed');
        // A granted account may hold messages written before (while the corp was away, say), and
        // messages held while it was not granted go to the bot now, in order.
        const { pipeline } = await this.ready();
        if (event.added.length > 0) await pipeline.releaseHeld(corpId);
        for (const openKfId of event.added) {
          await pipeline.wake(corpId, openKfId);
          this.pullInBackground(corpId, openKfId);
        }
      } else {
        this.operations.report({ kind: 'callback', result: 'ok' });
        respond(res, 200, 'success');
        this.logger.info({ kind: event.kind }, 'callback event acknowledged');
      }
    } catch (e) {
      const status = callbackErrorStatus(e);
      this.operations.report({ kind: 'callback', result: status >= 500 ? 'error' : 'rejected' });
      // A 5xx is our fault (the store, most often): WeCom retries it, but someone has to look.
      this.logger[status >= 500 ? 'error' : 'warn']({ err: e, status, method: req.method }, 'callback refused');
      if (!res.headersSent) respond(res, status, status >= 500 ? 'internal error' : (e as Error).message);
    }
  }

  /**
   * Opens a data callback and says whose it is. Self-built mode: the one corp's crypto. Provider
   * mode: the suite's crypto, the corp from the envelope's ToUserName (case kept), which must have
   * an active authorisation — an unknown or cancelled corp is refused with {@link CorpNotServedError} (403).
   */
  private async openDataCallback(method: string | undefined, query: URLSearchParams, body: Buffer | undefined): Promise<
    { kind: 'url_verification'; echo: string } | { kind: 'data'; corpId: string; event: DataCallbackEvent }
  > {
    const provider = this.options.provider;
    if (!provider) {
      const result = openCallback({ method, query, body, crypto: this.crypto!, maxBodyBytes: this.options.maxCallbackBytes });
      if (result.kind === 'url_verification') return result;
      return { kind: 'data', corpId: this.corpId, event: result.event as DataCallbackEvent };
    }
    const result = provider.callbacks.openData({ method, query, body, maxBodyBytes: this.options.maxCallbackBytes });
    if (result.kind === 'url_verification') return result;
    const status = await provider.corps.statusOf(result.corpId);
    if (status !== 'active') throw new CorpNotServedError(result.corpId, status);
    return result;
  }

  /** Pulls an account after a callback; `idle()` and `close()` wait for it. */
  private pullInBackground(corpId: string, openKfId: string): void {
    if (!this.services) return;
    const pull = this.services.pipeline.pullAccount(corpId, openKfId)
      .catch((e: unknown) => this.logger.error({ err: e, corpId, openKfId }, 'pull after callback failed'))
      .finally(() => this.callbackPulls.delete(pull));
    this.callbackPulls.add(pull);
  }

  /**
   * Listens to what the adapter does (callbacks, pulls, sends, turns), e.g. to count it for metrics.
   * Returns a function that stops listening. A listener must be quick: it runs inline.
   *
   * @example
   * adapter.onOperation((event) => { if (event.kind === 'send' && event.result === 'error') alert(event.errcode); });
   */
  onOperation(listener: OperationListener): () => void {
    return this.operations.on(listener);
  }

  /**
   * How many inbox messages of this adapter's corps are in each status now: `pending` waiting for
   * their turn, `held` kept while the licence is not valid, `failed` parked after every attempt,
   * `refused` refused for good (finished messages are not counted).
   *
   * @example
   * const { pending, held } = await adapter.inboxCounts(); // { pending: 0, held: 2, failed: 0, refused: 0 }
   */
  async inboxCounts(): Promise<Record<Exclude<InboxStatus, 'done'>, number>> {
    const { inbox } = await this.ready();
    // Provider mode counts every corp ever served: a cancelled corp's held messages still count.
    const corpFilter = this.directory ? {} : { corpId: this.corpId };
    const [pending, held, failed, refused] = await Promise.all(
      (['pending', 'held', 'failed', 'refused'] as const).map((status) => inbox.count({ ...corpFilter, status })),
    );
    return { pending: pending!, held: held!, failed: failed!, refused: refused! };
  }

  /** Held messages of a corp reach the bot, in order (its licence became valid). */
  async releaseHeld(corpId: string): Promise<void> {
    await (await this.ready()).pipeline.releaseHeld(corpId);
  }

  /**
   * Runs the bot on an `event` activity the channel raises itself (licence status, for instance),
   * queued behind the conversation's other turns. Without bot logic yet, nothing runs.
   */
  async emitEvent(activity: CoreActivity & { conversation: { id: string } }): Promise<void> {
    // Provider mode: the corp is the conversation's tenant (the adapter's corpId is the suite's).
    const corpId = activity.conversation.tenantId ?? this.corpId;
    // Stamped and addressed (from and recipient the corp unless given), so both frameworks' validation and state keys accept it.
    // Read by name, never spread: an Agents SDK Activity's channelId is an accessor a spread loses.
    const stamp = stampOf(this.stamp);
    const given = activity.timestamp === undefined ? undefined : new Date(activity.timestamp);
    const event = {
      type: activity.type ?? ActivityTypes.Event,
      ...(activity.name === undefined ? {} : { name: activity.name }),
      ...(activity.value === undefined ? {} : { value: activity.value }),
      ...(activity.text === undefined ? {} : { text: activity.text }),
      id: activity.id || stamp.id, timestamp: given && !Number.isNaN(given.getTime()) ? given : stamp.timestamp,
    };
    await this.enqueueTurn(activity.conversation.id, addressLike(event, activity, { corpId }));
  }

  /** Waits for pulls and turns in flight (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.callbackPulls.size > 0) await Promise.all([...this.callbackPulls]);
    await (await this.ready()).pipeline.idle();
  }

  /**
   * The rules every turn runs through, first, in order: each shell `use()`s them in its constructor,
   * before the developer's own middleware. None here; {@link WeComChannel} has the licence gate,
   * the media rules and the conversation window.
   */
  defaultRules(): TurnRule[] {
    return [];
  }

  /**
   * Sends one activity the bot sent in `turn` (the shells' `sendActivities` call it for each, in
   * order): a message becomes kf messages, exactly once; `handoff.initiate` (an event, or an
   * activity of type `handoff`) moves the session to a human; `delay` waits; everything else
   * (typing, trace, endOfConversation...) has nothing to show on WeChat and answers `{ id: '' }`.
   *
   * @example
   * async sendActivities(context, activities) {
   *   const out = [];
   *   for (const a of activities) out.push(await this.channel.sendActivity(context, a));
   *   return out;
   * }
   */
  async sendActivity(turn: CoreTurn, activity: CoreActivity): Promise<ResourceId> {
    const { sender, handoff } = await this.ready();
    switch (activity.type) {
      case ActivityTypes.Message:
        return sender.send(turn, activity);
      case ActivityTypes.Event:
        return activity.name === 'handoff.initiate' ? handoff.initiate(turn.activity, activity) : { id: '' };
      case ActivityTypes.Handoff:
        return handoff.initiate(turn.activity, activity);
      case ActivityTypes.Delay:
        await new Promise((resolve) => setTimeout(resolve, typeof activity.value === 'number' ? activity.value : 1000));
        return { id: '' };
      default:
        return { id: '' };
    }
  }

  /** Stops the sweep, drains turns in flight, releases leases and closes what the adapter opened. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (!this.initialising) return;
    const services = await this.initialising;
    await Promise.all([...this.callbackPulls]);
    await services.pipeline.close();
    await this.ownClient?.close();
    if (!this.options.store) await services.store.close();
  }

  /** Runs one inbox entry as a turn. Throws when the bot's turn throws (the pipeline retries). */
  protected async runInboxTurn(entry: InboxEntry, sent: Map<string, string> = new Map()): Promise<void> {
    const media = mediaOf(entry.message);
    // A media turn holds its file (downloaded, then as a data: URL) until it ends: at most
    // mediaDownloadConcurrency of them run at once, so memory follows that, not the files sent.
    // Other turns never wait for these slots.
    return media ? this.mediaSlots.run(() => this.runTurn(entry, media, sent)) : this.runTurn(entry, undefined, sent);
  }

  private async runTurn(entry: InboxEntry, media: ReturnType<typeof mediaOf>, sent: Map<string, string>): Promise<void> {
    if (!this.host.hasLogic()) throw new AdapterStateError('no bot logic yet: call process() or start() first');
    const { handoff, names } = await this.ready();
    const customerName = names(entry.corpId).nameFor(entry.message); // never rejects; looked up while the media downloads
    const resolved = media ? await resolveInboundMedia(this.clientFor(entry.corpId), media, this.mediaLimits) : undefined;
    if (resolved?.status === 'rejected' && resolved.reason === 'too-large') {
      this.logger.info({ conversationId: entry.conversationId, kind: media?.kind, size: resolved.size, limit: resolved.limit }, 'incoming media refused before download: over the size limit');
    }
    const mapped = toActivity(entry.message, { corpId: entry.corpId, media: resolved, locale: this.options.locale, customerName: await customerName });
    // When the customer wrote, on our clock (see localTimeOf): what the conversation window counts from.
    const sentAt = localTimeOf(entry.sendTime * 1000, entry.receivedAt.getTime(), this.clock.aheadMs?.() ?? 0);
    const data = mapped.channelData as WeComChannelData;
    // The channel of the customer's CSA, so the bot can route by channel and department.
    const routing = data.openKfId && this.options.channelOf ? await this.options.channelOf(entry.corpId, data.openKfId) : undefined;
    mapped.channelData = { ...data, sentAt, ...routing };
    const activity = await handoff.beforeTurn(entry.conversationId, entry.message, mapped);
    const welcomeCode = (mapped.channelData as WeComChannelData).welcomeCode;
    const seed = (turn: CoreTurn): void => setTurnInfo(turn, { anchor: entry.msgid, replyIndex: 0, welcomeCode, sent, ...(welcomeCode ? { welcome: { contents: [] } } : {}) });
    // A welcome turn is sent as one message when the bot is done, still inside the middleware, so
    // the send hooks (licence gate) apply and a failure reaches onTurnError.
    await this.host.runTurn(activity, seed, welcomeCode ? (turn, logic) => this.welcomeTurn(turn, logic) : undefined);
  }

  /**
   * Runs a welcome turn's logic, then sends its one message and reports what did not fit. When the
   * logic fails for good (a final error: no retry will come), what it sent before still goes out;
   * when it fails otherwise, the retried turn sends it.
   */
  private async welcomeTurn(context: CoreTurn, logic: CoreLogic): Promise<void> {
    const { sender } = await this.ready();
    try {
      await logic(context);
    } catch (e) {
      if (isChannelError(e) && e.final) {
        await this.sendWelcome(context).catch((err: unknown) => this.logger.warn({ err }, 'could not send the welcome of a failed turn'));
      }
      sender.stopWelcome(context);
      throw e;
    }
    await this.sendWelcome(context);
  }

  private async sendWelcome(context: CoreTurn): Promise<void> {
    const welcome = await (await this.ready()).sender.flushWelcome(context);
    if (welcome && welcome.leftOut.length > 0) {
      const conversationId = context.activity.conversation?.id ?? '';
      this.logger.warn({ conversationId, leftOut: welcome.leftOut.length }, 'the welcome did not fit one message: the rest goes to the bot as wecom.welcomeOverflow');
      this.runLater(conversationId, welcomeOverflowActivity(context.activity, welcome, this.stamp));
    }
  }

  /** Runs `activity` as a turn after the conversation's current one (handoff.status, for instance). */
  private runLater(conversationId: string, activity: InboundCoreActivity): void {
    this.enqueueTurn(conversationId, activity)
      .catch((e: unknown) => this.logger.error({ err: e, conversationId, name: activity.name }, 'a follow-up turn failed'));
  }

  /** Runs `activity` as a turn in the conversation's queue; without bot logic yet, nothing runs. */
  private async enqueueTurn(conversationId: string, activity: InboundCoreActivity): Promise<void> {
    if (!this.host.hasLogic()) return;
    await (await this.ready()).pipeline.enqueue(conversationId, () => this.host.runTurn(activity, noSeed));
  }

  private initialise(): Promise<ChannelServices> {
    return openChannelServices({
      options: this.options, logger: this.logger, directory: this.directory, report: this.operations.report, stamp: this.stamp,
      clientFor: (corpId) => this.clientFor(corpId),
      runInboxTurn: (entry, sent) => this.runInboxTurn(entry, sent),
      runLater: (id, activity) => this.runLater(id, activity),
    });
  }
}

/** A channel-raised turn has no turn info: its sends get fresh msgids, each written to the outbox. */
function noSeed(): void {}

