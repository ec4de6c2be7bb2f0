import {
  type Activity, ActivityTypes, BotAdapter, type ConversationReference, type ResourceResponse, TurnContext,
} from 'botbuilder';
import { AdapterStateError, OperationNotSupportedError } from '../adapter/adapterErrors';
import type { WeComAdapterOptions } from '../adapter/adapterOptions';
import type { KnownCorp, ServedCorp } from '../adapter/corpDirectory';
import type { InboxStatus } from '../adapter/inboxRepository';
import type { OperationListener } from '../adapter/operationEvents';
import { WECOM_CHANNEL_ID } from '../adapter/toActivity';
import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { CoreActivity, CoreLogic, CoreTurn, InboundCoreActivity, TurnHost } from '../core';
import type { CallbackHttpRequest, CallbackHttpResponse } from '../channel/callbackHttp';
import { WeComChannelCore } from '../channel/channelCore';
import type { ChannelServices } from '../channel/channelServices';
import type { Store } from '../store';
import type { WeComClient } from '../wecom/client';

/** The bot's turn handler, as botbuilder's adapters take it. */
export type BotLogic = (context: TurnContext) => Promise<void>;

/**
 * A Bot Framework adapter for WeCom's WeChat Customer Service (kf) API, without the product's rules
 * (licensing, WeChat's messaging rules, media checks: see `WeComAdapter`): swap it in for
 * `CloudAdapter` and an existing bot serves WeChat customers. The work is the channel engine's
 * (`src/channel`); this class is botbuilder's shell around it: it turns the engine's activities
 * into `TurnContext`s, runs them through botbuilder's middleware and hands the bot's sends back.
 *
 * @example
 * const adapter = new WeComAdapterBase(); // reads WECOM_* from the environment
 * // restify 10+ takes a handler that is async (or calls next): an async arrow is both.
 * const handle = async (req, res) => adapter.process(req, res, (ctx) => bot.run(ctx));
 * server.get('/api/wecom/callback', handle);
 * server.post('/api/wecom/callback', handle);
 *
 * In provider mode (`provider` option) one adapter serves every corp that authorised the suite:
 * callbacks are routed by the envelope's ToUserName, and each corp's calls use its own token.
 */
export class WeComAdapterBase extends BotAdapter implements TurnHost {
  /** The channel engine this adapter runs. */
  protected readonly channel: WeComChannelCore;
  private logic?: BotLogic;

  constructor(options: WeComAdapterOptions = {}) {
    super();
    this.channel = this.createChannel(options);
    // The channel's rules run first, before any middleware the developer adds.
    for (const rule of this.channel.defaultRules()) this.use(rule);
  }

  /** Builds the engine (a subclass builds a richer one); called once, from the constructor. */
  protected createChannel(options: WeComAdapterOptions): WeComChannelCore {
    return new WeComChannelCore(options, this);
  }

  /** The corp served in self-built mode; in provider mode, the suite id (see {@link corps}). */
  get corpId(): string {
    return this.channel.corpId;
  }

  get logger(): Logger {
    return this.channel.logger;
  }

  /**
   * Self-built mode's kf client. In provider mode there is one per corp: use {@link clientFor}.
   *
   * @throws AdapterStateError in provider mode
   */
  get client(): WeComClient {
    return this.channel.client;
  }

  /** Whether the adapter serves many corps (provider mode). */
  get isProviderMode(): boolean {
    return this.channel.isProviderMode;
  }

  /**
   * The kf client of one corp: its calls carry that corp's own access token.
   *
   * @example
   * const { account_list } = await adapter.clientFor('wwCorpA').listAccounts();
   * @throws CorpNotServedError in self-built mode for a corp other than `corpId`
   */
  clientFor(corpId: string): WeComClient {
    return this.channel.clientFor(corpId);
  }

  /**
   * The corps served now, with the kf accounts granted to the app.
   *
   * @example
   * for (const { corpId, openKfIds } of await adapter.corps()) console.log(corpId, openKfIds);
   */
  corps(): Promise<readonly ServedCorp[]> {
    return this.channel.corps();
  }

  /**
   * Every corp the adapter has known (in provider mode those that cancelled too, `active: false`).
   *
   * @example
   * const cancelled = (await adapter.knownCorps()).filter((c) => !c.active);
   */
  knownCorps(): Promise<readonly KnownCorp[]> {
    return this.channel.knownCorps();
  }

  /** The clock every rule sees: the store's (the test clock in the sandbox). */
  get clock(): Clock {
    return this.channel.clock;
  }

  /** Opens the store and creates indexes once; later calls share the first. */
  ready(): Promise<ChannelServices> {
    return this.channel.ready();
  }

  /** The store the adapter runs on (opened on first use). */
  store(): Promise<Store> {
    return this.channel.store();
  }

  /**
   * Starts the inbound side without waiting for a callback. Pending turns left by a crash run at
   * once; `process` calls it on first use.
   *
   * @example
   * const adapter = new WeComAdapter();
   * await adapter.start((context) => bot.run(context));
   */
  async start(logic: BotLogic): Promise<void> {
    this.logic = logic;
    await this.channel.start();
  }

  /** Pulls every known account not pulled for `staleMs` (default 0: all) and restarts stranded turns. */
  sweep(staleMs = 0): Promise<void> {
    return this.channel.sweep(staleMs);
  }

  /**
   * Handles WeCom's callback request: `GET` answers the URL check, `POST` verifies, decrypts,
   * answers 200 at once and pulls the messages in the background. Bad requests get a 4xx.
   */
  async process(req: CallbackHttpRequest, res: CallbackHttpResponse, logic: BotLogic): Promise<void> {
    this.logic = logic;
    await this.channel.process(req, res);
  }

  /**
   * Listens to what the adapter does (callbacks, pulls, sends, turns). Returns a function that stops listening.
   *
   * @example
   * adapter.onOperation((event) => { if (event.kind === 'send' && event.result === 'error') alert(event.errcode); });
   */
  onOperation(listener: OperationListener): () => void {
    return this.channel.onOperation(listener);
  }

  /**
   * How many inbox messages of this adapter's corps are in each status now.
   *
   * @example
   * const { pending, held } = await adapter.inboxCounts(); // { pending: 0, held: 2, failed: 0, refused: 0 }
   */
  inboxCounts(): Promise<Record<Exclude<InboxStatus, 'done'>, number>> {
    return this.channel.inboxCounts();
  }

  /** Held messages of a corp reach the bot, in order (its licence became valid). */
  releaseHeld(corpId: string): Promise<void> {
    return this.channel.releaseHeld(corpId);
  }

  /**
   * Runs the bot on an `event` activity the channel raises itself (licence status, for instance),
   * queued behind the conversation's other turns. Without bot logic yet, nothing runs.
   */
  emitEvent(activity: Partial<Activity> & { conversation: { id: string } }): Promise<void> {
    return this.channel.emitEvent(activity);
  }

  /** Waits for pulls and turns in flight (tests and benchmarks). */
  idle(): Promise<void> {
    return this.channel.idle();
  }

  /** Stops the sweep, drains turns in flight, releases leases and closes what the adapter opened. */
  close(): Promise<void> {
    return this.channel.close();
  }

  /** {@link TurnHost}: whether the bot's logic is known yet. */
  hasLogic(): boolean {
    return this.logic !== undefined;
  }

  /** {@link TurnHost}: one turn of the engine's activity, through botbuilder's middleware and the bot. */
  async runTurn(activity: InboundCoreActivity, seed: (turn: CoreTurn) => void, wrap?: (turn: CoreTurn, logic: CoreLogic) => Promise<void>): Promise<void> {
    const logic = this.logic;
    if (!logic) throw new AdapterStateError('no bot logic yet: call process() or start() first');
    // botbuilder's type wants a conversation name it never reads; the activity is complete otherwise.
    const context = new TurnContext(this, activity as Partial<Activity>);
    seed(context);
    await this.runMiddleware(context, wrap ? (ctx) => wrap(ctx, (turn) => logic(turn as TurnContext)) : logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) responses.push(await this.channel.sendActivity(context, activity as CoreActivity));
    return responses;
  }

  override async updateActivity(): Promise<void> {
    throw new OperationNotSupportedError('WeCom kf cannot edit a sent message: send a new one instead');
  }

  override async deleteActivity(): Promise<void> {
    throw new OperationNotSupportedError('WeCom kf offers no recall of messages sent through the API in this channel: send a correction instead');
  }

  /** Runs `logic` in a proactive turn of an existing conversation (the messaging rules still apply). */
  override async continueConversation(reference: Partial<ConversationReference>, logic: BotLogic): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'continueConversation' }, reference, true);
    activity.channelId ??= WECOM_CHANNEL_ID;
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  /** botbuilder 4.15+ form: the app id or claims are ignored (WeCom has no Bot Framework auth). */
  override async continueConversationAsync(
    _botAppIdOrClaims: unknown, reference: Partial<ConversationReference>, logicOrAudience: BotLogic | string, maybeLogic?: BotLogic,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
    if (!logic) throw new AdapterStateError('continueConversationAsync needs a logic function');
    await this.continueConversation(reference, logic);
  }
}
