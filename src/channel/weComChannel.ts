import { isChannelError } from '../common/errors';
import { AdapterStateError } from '../adapter/adapterErrors';
import type { TurnHost, TurnRule } from '../core';
import { type InboundObserver, prepareObserver } from '../adapter/inboundPipeline';
import { type LicenceStatusName, LicensingScheduler, LicensingService, type LicensingPolicy } from '../licensing';
import { LicenceGate, MEDIA_RULES, MediaMiddleware, WindowMiddleware, WindowRepository } from '../middleware';
import { ProviderMode } from '../provider';
import { WeComChannelCore } from './channelCore';
import type { WeComChannelOptions } from './channelOptions';
import { DeferredRule } from './deferredRule';
import { LICENCE_STATUS_EVENT, type LicenceStatusChange } from './licenceStatusEvent';

const validStatuses: ReadonlySet<LicenceStatusName> = new Set(['trial', 'active']);

/**
 * The WeChat channel engine with the product's rules: the channel core plus licensing (trial,
 * licence gate, scheduler, the licence status event), WeChat's messaging rules and WeCom's media
 * limits as default rules, and, in provider mode with a {@link ProviderMode}, what each corp's
 * authorisation events mean. Both shells' `WeComAdapter` hold one; a shell `use()`s
 * {@link defaultRules} first and implements {@link TurnHost}.
 *
 * @example
 * class WeComAdapter extends BotAdapter implements TurnHost {
 *   readonly channel = new WeComChannel(options, this);
 *   constructor(options) { super(); for (const rule of this.channel.defaultRules()) this.use(rule); }
 * }
 */
export class WeComChannel extends WeComChannelCore {
  /** The licence gate this channel installs, if licensing is on. */
  readonly licenceGate?: LicenceGate;
  private readonly rules: readonly TurnRule[];
  private licensingService?: Promise<LicensingService>;
  private scheduler?: LicensingScheduler;
  private windowRepository?: Promise<WindowRepository>;
  private readonly licensingOptions: false | { readonly cron?: string; readonly policy?: Partial<LicensingPolicy> };
  /** Work started by authorisation events, so `idle()` can wait for it. */
  private readonly corpEventWork = new Set<Promise<void>>();

  constructor(options: WeComChannelOptions, host: TurnHost) {
    // The gate needs `this`, which does not exist before super(): it reaches the service late.
    const self: { channel?: WeComChannel } = {};
    const gate = options.licensing === false ? undefined : new LicenceGate(() => self.channel!.licensing());
    const withRules = options.defaultMiddleware !== false;
    // The window learns of customer messages at pull time, so all turns of a backlog share the
    // newest message's 5 slots (WeCom counts them that way), not at each turn.
    const windowObserver: InboundObserver | undefined = withRules
      ? {
        customerMessagesPulled: async (messages) => (await self.channel!.windows()).customerMessagesPulled(messages),
        preparePulled: async (messages) => (await self.channel!.windows()).preparePulled(messages),
      }
      : undefined;
    // Inbound files over the media rules' limits are refused before they are downloaded whole.
    const maxInboundMediaBytes = { ...Object.fromEntries(MEDIA_RULES.map((r) => [r.kind, r.maxBytes])), ...options.maxInboundMediaBytes };
    super({ ...options, maxInboundMediaBytes, gate: options.gate ?? gate, observer: bothObservers(windowObserver, options.observer) }, host);
    self.channel = this;
    this.licensingOptions = options.licensing ?? {};
    this.licenceGate = gate;
    this.rules = withRules
      ? [
        ...(gate ? [gate] : []),
        new MediaMiddleware({ logger: this.logger }),
        new DeferredRule(async () => new WindowMiddleware(await this.windows(), { clock: this.clock, logger: this.logger, keepForNewest: options.keepForNewest })),
      ]
      : [];
    if (options.provider instanceof ProviderMode) this.followAuthorisations(options.provider);
  }

  /**
   * The licence gate, the media rules and the conversation window, in that order (none with
   * `defaultMiddleware: false`). The same instances on every call: a shell `use()`s them once, first.
   */
  override defaultRules(): TurnRule[] {
    return [...this.rules];
  }

  /** Provider mode: what each corp's authorisation events mean for its licence and its traffic. */
  private followAuthorisations(provider: ProviderMode): void {
    const run = (what: string, corpId: string, work: () => Promise<void>): void => {
      const done = work()
        .catch((e: unknown) => this.logger.error({ err: e, corpId }, `could not apply ${what}; the sweep and the next start catch up`))
        .finally(() => this.corpEventWork.delete(done));
      this.corpEventWork.add(done);
    };
    const events = provider.instructions.events;
    events.on('corpAuthorised', ({ corpId, first }) => run('an authorisation', corpId, async () => {
      // A re-install brings a new permanent code: a token of the old one is refused (48004).
      await provider.corps.forgetToken(corpId);
      // The first authorisation ever starts the trial; a later one keeps it where it was.
      if (this.licensingOptions !== false) await (await this.licensing()).recordAuthorisation(corpId);
      this.logger.info({ corpId, first }, first ? 'corp authorised the app: its trial starts' : 'corp authorised the app again: its traffic resumes');
      await this.releaseHeld(corpId);
      if (this.isClosing) return;
      const { pipeline } = await this.ready();
      // Turns left pending while the corp was away, then what customers wrote meanwhile on the
      // accounts known from before (WeCom sent us no callback for it).
      await pipeline.recover([corpId]);
      await pipeline.catchUp([corpId]);
    }));
    events.on('corpCancelled', ({ corpId }) => run('a cancellation', corpId, async () => {
      await provider.corps.forgetToken(corpId);
      if (this.licensingOptions !== false) await (await this.licensing()).recordDeauthorisation(corpId).catch((e: unknown) => {
        if (!isChannelError(e, 'unknown_corp')) throw e; // never authorised while licensing was on: nothing to mark
      });
      this.logger.info({ corpId }, 'corp cancelled its authorisation: its traffic is held until it authorises again');
    }));
    events.on('corpChanged', ({ corpId, reason }) => {
      if (reason === 'reset_permanent_code') run('a reset permanent code', corpId, () => provider.corps.forgetToken(corpId));
    });
  }

  /** Waits for authorisation events being applied, then for pulls and turns in flight (tests and benchmarks). */
  override async idle(): Promise<void> {
    while (this.corpEventWork.size > 0) await Promise.all([...this.corpEventWork]);
    await super.idle();
  }

  /** The conversation windows of this channel's store (WeChat's 48 h / 5-reply rules). */
  private windows(): Promise<WindowRepository> {
    this.windowRepository ??= this.store().then(
      (store) => new WindowRepository(store),
      (e: unknown) => {
        this.windowRepository = undefined; // the store may be back next time
        throw e;
      },
    );
    return this.windowRepository;
  }

  /**
   * The licensing service of this channel's store (trial, credits, licence years).
   *
   * @example
   * const view = await (await adapter.licensing()).status('wwCorpA');
   * @throws AdapterStateError (rejects) when the adapter was made with `licensing: false`
   */
  licensing(): Promise<LicensingService> {
    if (this.licensingOptions === false) return Promise.reject(new AdapterStateError('licensing is turned off for this adapter (licensing: false)'));
    const policy = this.licensingOptions.policy;
    this.licensingService ??= (async () => {
      const service = await LicensingService.create({ store: await this.store(), policy, logger: this.logger, instanceId: this.options.instanceId });
      service.onStatusChange((corpId, from, to) => void this.licenceChanged(corpId, from, to));
      // Self-built mode: the trial starts at the first start-up with this corp (later calls keep the
      // anchor). Provider mode: at each corp's first authorisation (followAuthorisations).
      if (!this.isProviderMode) await service.recordAuthorisation(this.corpId);
      return service;
    })().catch((e: unknown) => {
      this.licensingService = undefined; // the store may be back next time
      throw e;
    });
    return this.licensingService;
  }

  /** The licensing jobs start with the rest of the background work, whether or not a callback came. */
  protected override async startBackground(): Promise<void> {
    await super.startBackground();
    if (this.licensingOptions === false || this.scheduler) return;
    const service = await this.licensing();
    if (this.scheduler || this.isClosing) return;
    this.scheduler = new LicensingScheduler(service, { schedule: this.licensingOptions.cron ?? process.env.LICENSING_CRON, logger: this.logger });
    await this.scheduler.start();
  }

  override async close(): Promise<void> {
    // super.close() marks the channel closing before its first await, so a background start still
    // on its way cannot start the scheduler after the line below looked for it.
    const closed = super.close();
    await this.scheduler?.stop();
    await closed;
  }

  private async licenceChanged(corpId: string, from: LicenceStatusName, to: LicenceStatusName): Promise<void> {
    const valid = validStatuses.has(to);
    this.logger.info({ corpId, from, to }, valid ? 'licence valid: customer traffic flows' : 'licence not valid: customer traffic is held until renewal');
    // Held messages first: a bot that fails on the status event must not keep them held. (Should
    // this process die before releasing, the next sweep dispatches held messages of an admitted corp.)
    if (valid) await this.releaseHeld(corpId).catch((e: unknown) => this.logger.error({ err: e, corpId }, 'could not release held messages; the sweep will'));
    const conversation = { id: corpId, isGroup: false, conversationType: 'corp', name: corpId, tenantId: corpId };
    const value: LicenceStatusChange = { corpId, from, to, valid };
    await this.emitEvent({ name: LICENCE_STATUS_EVENT, value, conversation })
      .catch((e: unknown) => this.logger.error({ err: e, corpId }, 'the bot failed on the licence status event'));
  }
}

/** Both observers, when there are two (the window's and the caller's). */
function bothObservers(a: InboundObserver | undefined, b: InboundObserver | undefined): InboundObserver | undefined {
  if (!a || !b) return a ?? b;
  return {
    customerMessagesPulled: async (messages) => void (await Promise.all([a.customerMessagesPulled(messages), b.customerMessagesPulled(messages)])),
    preparePulled: async (messages) => {
      const [writeA, writeB] = await Promise.all([prepareObserver(a, messages), prepareObserver(b, messages)]);
      return async () => void (await Promise.all([writeA(), writeB()]));
    },
  };
}
