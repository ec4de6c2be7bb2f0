import type { Activity, ConversationReference } from '@microsoft/agents-activity';
import {
  type AttachmentInfo, BaseAdapter, type CloudAdapter, type ResourceResponse, TurnContext,
} from '@microsoft/agents-hosting';
import {
  AdapterStateError, type InboxStatus, type KnownCorp, OperationNotSupportedError, type OperationListener, parseConversationId, type ServedCorp,
} from '../adapter';
import { type CallbackHttpRequest, type CallbackHttpResponse, type ChannelServices, WeComChannel, type WeComChannelOptions } from '../channel';
import type { Clock, Logger } from '../common';
import type { CoreActivity, CoreLogic, CoreTurn, InboundCoreActivity, TurnHost } from '../core';
import type { LicensingService } from '../licensing';
import type { LicenceGate } from '../middleware';
import type { Store } from '../store';
import type { WeComClient } from '../wecom';
import { BotActivityInvalidError } from './agentsErrors';
import { continuationActivity, issuesOf, isValidationError, toAgentsActivity } from './toAgentsActivity';

/** An Agents SDK bot's turn handler: `(context) => app.run(context)`, `(context) => handler.run(context)`. */
export type AgentsLogic = (context: TurnContext) => Promise<void>;

/** Options of the Agents SDK shell: the channel's (WECOM_* settings, store, licensing, rules), as for the Bot Framework shell. */
export type WeComAgentsAdapterOptions = WeComChannelOptions;

/** The app id or JWT claims the Agents SDK passes first to `continueConversation` (unused: WeCom has no Azure auth). */
type AppIdOrIdentity = Parameters<BaseAdapter['continueConversation']>[0];

/**
 * The WeChat channel for Microsoft 365 Agents SDK bots: an `AgentApplication` or an Agents SDK
 * `ActivityHandler` serves WeChat customers through WeCom's kf API, with the same messaging rules,
 * media checks, handoff, licensing and exactly-once sends as the Bot Framework `WeComAdapter`. No
 * Azure Bot registration, client id or JWT: WeCom's signature and encryption authenticate callbacks.
 * Exported from `wecom-kf-botbuilder/agents` as `WeComAdapter` (and `WeComAgentsAdapter`).
 *
 * @example
 * const { WeComAdapter } = require('wecom-kf-botbuilder/agents');
 * const { AgentApplication, MemoryStorage } = require('@microsoft/agents-hosting');
 * const wechat = new WeComAdapter(); // WECOM_* from the environment
 * const app = new AgentApplication({ adapter: wechat.forAgentApplication(), storage: new MemoryStorage() });
 * app.onActivity('message', async (context) => { await context.sendActivity(`You said: ${context.activity.text}`); });
 * app.onTurn('afterTurn', async () => true); // Agents SDK 1.8 saves turn state only with an afterTurn handler
 * const handle = async (req, res) => wechat.process(req, res, (context) => app.run(context));
 * server.get('/api/wecom/callback', handle);
 * server.post('/api/wecom/callback', handle);
 */
export class WeComAgentsAdapter extends BaseAdapter implements TurnHost {
  /**
   * `AgentApplication` hands it to its authorization (Azure connections); WeChat has none.
   */
  readonly connectionManager: undefined = undefined;
  /** The name `AgentApplication` passes from its `agentName` option, if any. */
  agentName?: string;
  /** The channel engine this adapter runs. */
  protected readonly channel: WeComChannel;
  private logic?: AgentsLogic;

  constructor(options: WeComAgentsAdapterOptions = {}) {
    super();
    // BaseAdapter's default handler sends two messages to the customer and swallows the error: on
    // WeChat that spends reply slots and keeps the inbox from retrying the turn. Rethrow instead;
    // `app.onError(handler)` (or setting onTurnError) still replaces this.
    this.onTurnError = async (_context, error) => {
      throw error;
    };
    this.channel = new WeComChannel(options, this);
    // The channel's rules run first, before any middleware the developer adds.
    for (const rule of this.channel.defaultRules()) this.use(rule);
  }

  /**
   * This adapter typed as `AgentApplicationOptions.adapter` wants it. The Agents SDK types that option
   * `CloudAdapter` (a class with private members, so no other adapter type-checks) while it only
   * uses what every adapter has, plus `setAgentName()` and `connectionManager`, which this one
   * provides. JavaScript callers may pass the adapter itself.
   *
   * @example
   * const app = new AgentApplication({ adapter: wechat.forAgentApplication(), storage });
   */
  forAgentApplication(): CloudAdapter {
    return this as unknown as CloudAdapter;
  }

  /** `AgentApplication`'s constructor calls it with its `agentName` option. */
  setAgentName(name?: string): void {
    this.agentName = name;
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

  /** The licence gate this adapter installed, if licensing is on. */
  get licenceGate(): LicenceGate | undefined {
    return this.channel.licenceGate;
  }

  /**
   * The licensing service of this adapter's store (trial, credits, licence years).
   *
   * @example
   * await (await adapter.licensing()).purchase('wwCorpA', 4);
   */
  licensing(): Promise<LicensingService> {
    return this.channel.licensing();
  }

  /**
   * Starts the inbound side without waiting for a callback. Pending turns left by a crash run at
   * once; `process` calls it on first use.
   *
   * @example
   * await adapter.start((context) => app.run(context));
   */
  async start(logic: AgentsLogic): Promise<void> {
    this.logic = logic;
    await this.channel.start();
  }

  /**
   * Handles WeCom's callback request: `GET` answers the URL check, `POST` verifies, decrypts,
   * answers 200 at once and pulls the messages in the background; turns then run `logic`. Bad
   * requests get a 4xx. Node's http, express and restify requests and responses all fit.
   *
   * @example
   * server.post('/api/wecom/callback', (req, res) => wechat.process(req, res, (context) => app.run(context)));
   */
  async process(req: CallbackHttpRequest, res: CallbackHttpResponse, logic: AgentsLogic): Promise<void> {
    this.logic = logic;
    await this.channel.process(req, res);
  }

  /** Pulls every known account not pulled for `staleMs` (default 0: all) and restarts stranded turns. */
  sweep(staleMs = 0): Promise<void> {
    return this.channel.sweep(staleMs);
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
  emitEvent(activity: CoreActivity & { conversation: { id: string } }): Promise<void> {
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

  /**
   * {@link TurnHost}: one turn of the engine's activity, as an Agents SDK `TurnContext`, through the
   * middleware and the bot. An activity the SDK refuses fails for good (the inbox keeps it as refused).
   */
  async runTurn(activity: InboundCoreActivity, seed: (turn: CoreTurn) => void, wrap?: (turn: CoreTurn, logic: CoreLogic) => Promise<void>): Promise<void> {
    const logic = this.logic;
    if (!logic) throw new AdapterStateError('no bot logic yet: call process() or start() first');
    const context = new TurnContext(this, toAgentsActivity(activity));
    seed(context);
    try {
      await this.runMiddleware(context, wrap ? (ctx) => wrap(ctx, (turn) => logic(turn as TurnContext)) : logic);
    } catch (e) {
      // The SDK validates what the bot sends before this adapter sees it: the same turn would be
      // refused again, so the message is kept as refused instead of retried until it fails.
      if (isValidationError(e)) throw new BotActivityInvalidError(activity.conversation.id, issuesOf(e), { cause: e });
      throw e;
    }
  }

  /** Sends the bot's activities one by one, in order, through the channel (the rules' hooks, exactly-once). */
  override async sendActivities(context: TurnContext, activities: Activity[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) responses.push(await this.channel.sendActivity(context, activity));
    return responses;
  }

  override async updateActivity(): Promise<void> {
    throw new OperationNotSupportedError('WeCom kf cannot edit a sent message: send a new one instead');
  }

  override async deleteActivity(): Promise<void> {
    throw new OperationNotSupportedError('WeCom kf offers no recall of messages sent through the API in this channel: send a correction instead');
  }

  /**
   * Runs `logic` in a proactive turn of an existing conversation (the messaging rules still apply),
   * on the SDK's continuation event (`ContinueConversation`). The app id or claims are ignored:
   * WeCom has no Azure auth. A reference without a user or agent is addressed from the conversation id.
   *
   * @example
   * const reference = context.activity.getConversationReference(); // kept from an earlier turn
   * await wechat.continueConversation('', reference, async (context) => { await context.sendActivity('Your order shipped'); });
   */
  override async continueConversation(_appIdOrIdentity: AppIdOrIdentity, reference: Partial<ConversationReference>, logic: AgentsLogic): Promise<void> {
    const activity = continuationActivity(reference, partiesOf(reference.conversation?.id));
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  override async uploadAttachment(): Promise<ResourceResponse> {
    throw new OperationNotSupportedError('WeCom kf has no attachment store: send the file in an activity (contentUrl) instead');
  }

  override async getAttachmentInfo(): Promise<AttachmentInfo> {
    throw new OperationNotSupportedError('WeCom kf has no attachment store: a customer\'s file arrives in the activity (contentUrl)');
  }

  override async getAttachment(): Promise<NodeJS.ReadableStream> {
    throw new OperationNotSupportedError('WeCom kf has no attachment store: a customer\'s file arrives in the activity (contentUrl)');
  }
}

/** The customer and kf account a customer conversation's id names (none for anything else). */
function partiesOf(conversationId: string | undefined): { user?: string; agent?: string } {
  try {
    const { openKfId, externalUserId } = parseConversationId(conversationId ?? '');
    return { user: externalUserId, agent: openKfId };
  } catch {
    return {};
  }
}
