import type { Middleware, TurnContext } from 'botbuilder';
import { isChannelError } from './common/errors';
import { type InboundObserver, type ProviderAdapterSetup, WeComAdapterBase, type WeComAdapterOptions as BaseOptions } from './adapter';
import { type LicenceStatusName, LicensingScheduler, LicensingService, type LicensingPolicy } from './licensing';
import { LicenceGate, MEDIA_RULES, MediaMiddleware, WindowMiddleware, WindowRepository } from './middleware';
import { ProviderMode } from './provider';

/** Options of {@link WeComAdapter}: those of the adapter core, plus the product's rules. */
export interface WeComAdapterOptions extends BaseOptions {
  /**
   * Installs the licence gate, the media rules and the conversation window, in that order.
   * Default true. With false, `use()` them yourself (see `src/middleware`), in any order you like.
   */
  readonly defaultMiddleware?: boolean;
  /**
   * The licence gate and its jobs. Default on, with the cron schedule from `LICENSING_CRON`
   * (every minute). `false` turns licensing off — for a bot whose licence is managed elsewhere.
   */
  readonly licensing?: false | { readonly cron?: string; readonly policy?: Partial<LicensingPolicy> };
  /**
   * Replies that turns answering older messages of a backlog leave to the customer's newest message
   * (the default WindowMiddleware's `keepForNewest`). Default 2.
   */
  readonly keepForNewest?: number;
  /**
   * Provider (third-party app) mode: serve every corp that authorised the suite on one callback
   * URL. The adapter follows the suite's authorisation events: a corp's first authorisation ever
   * starts its trial; a cancelled corp's traffic is held (never dropped); re-authorising resumes
   * it without resetting the trial and delivers what was held, in order; a reset permanent code
   * drops the corp's cached token (all this with a {@link ProviderMode}; a bare
   * `{ callbacks, corps }` only routes traffic). Default none: self-built mode.
   *
   * @example
   * const provider = ProviderMode.create({ store, logger, suiteId, suiteSecret, token, encodingAesKey, secretKey });
   * const adapter = new WeComAdapter({ store, provider });
   */
  readonly provider?: ProviderMode | ProviderAdapterSetup;
}

/** Event raised to the bot when a corp's licence status changes (value: `{ corpId, from, to, valid }`). */
export const LICENCE_STATUS_EVENT = 'wecom.licenceStatus';

const validStatuses: ReadonlySet<LicenceStatusName> = new Set(['trial', 'active']);

/**
 * The WeChat channel for Bot Framework: swap it in for `CloudAdapter`, and the bot serves WeChat
 * customers through WeCom's kf API with WeChat's messaging rules, media checks and licensing
 * enforced. Without options it reads the environment (`WECOM_*`, `DATA_DIR`, `MONGODB_URI`).
 *
 * @example
 * const { WeComAdapter, isFinalRefusal } = require('wecom-kf-botbuilder');
 * const adapter = new WeComAdapter();
 * adapter.onTurnError = async (context, error) => { if (!isFinalRefusal(error)) throw error; };
 * // restify 10+ takes a handler that is async (or calls next): an async arrow is both.
 * const handle = async (req, res) => adapter.process(req, res, (context) => bot.run(context));
 * server.get('/api/wecom/callback', handle);
 * server.post('/api/wecom/callback', handle);
 */
export class WeComAdapter extends WeComAdapterBase {
  /** The licence gate this adapter installed, if licensing is on. */
  readonly licenceGate?: LicenceGate;
  private licensingService?: Promise<LicensingService>;
  private scheduler?: LicensingScheduler;
  private windowRepository?: Promise<WindowRepository>;
  private readonly licensingOptions: false | { readonly cron?: string; readonly policy?: Partial<LicensingPolicy> };
  /** Work started by authorisation events, so `idle()` can wait for it. */
  private readonly corpEventWork = new Set<Promise<void>>();

  constructor(options: WeComAdapterOptions = {}) {
    // The gate needs `this`, which does not exist before super(): it reaches the service late.
    const self: { adapter?: WeComAdapter } = {};
    const gate = options.licensing === false ? undefined : new LicenceGate(() => self.adapter!.licensing());
    const withWindow = options.defaultMiddleware !== false;
    // The window learns of customer messages at pull time, so all turns of a backlog share the
    // newest message's 5 slots (WeCom counts them that way), not at each turn.
    const windowObserver: InboundObserver | undefined = withWindow
      ? { customerMessagesPulled: async (messages) => (await self.adapter!.windows()).customerMessagesPulled(messages) }
      : undefined;
    // Inbound files over the media rules' limits are refused before they are downloaded whole.
    const maxInboundMediaBytes = { ...Object.fromEntries(MEDIA_RULES.map((r) => [r.kind, r.maxBytes])), ...options.maxInboundMediaBytes };
    super({ ...options, maxInboundMediaBytes, gate: options.gate ?? gate, observer: bothObservers(windowObserver, options.observer) });
    self.adapter = this;
    this.licensingOptions = options.licensing ?? {};
    this.licenceGate = gate;
    if (withWindow) {
      if (gate) this.use(gate);
      this.use(new MediaMiddleware({ logger: this.logger }));
      this.use(new DeferredMiddleware(async () => new WindowMiddleware(await this.windows(), { clock: this.clock, logger: this.logger, keepForNewest: options.keepForNewest })));
    }
    if (options.provider instanceof ProviderMode) this.followAuthorisations(options.provider);
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

  /** The conversation windows of this adapter's store (WeChat's 48 h / 5-reply rules). */
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


  /** The licensing service of this adapter's store (trial, credits, licence years). */
  licensing(): Promise<LicensingService> {
    if (this.licensingOptions === false) return Promise.reject(new Error('licensing is turned off for this adapter'));
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
    // super.close() marks the adapter closing before its first await, so a background start still
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
    await this.emitEvent({ name: LICENCE_STATUS_EVENT, value: { corpId, from, to, valid }, conversation })
      .catch((e: unknown) => this.logger.error({ err: e, corpId }, 'the bot failed on the licence status event'));
  }
}

/**
 * Whether a turn's error is a final refusal (a rule said no, WeCom refused for good) rather than a
 * failure worth retrying. An `onTurnError` that swallows only these lets the adapter retry the turn
 * after outages, so no reply is lost.
 *
 * @example
 * adapter.onTurnError = async (context, error) => { if (!isFinalRefusal(error)) throw error; };
 */
export function isFinalRefusal(error: unknown): boolean {
  return isChannelError(error) && error.final;
}

/** Both observers, when there are two (the window's and the caller's). */
function bothObservers(a: InboundObserver | undefined, b: InboundObserver | undefined): InboundObserver | undefined {
  if (!a || !b) return a ?? b;
  return { customerMessagesPulled: async (messages) => void (await Promise.all([a.customerMessagesPulled(messages), b.customerMessagesPulled(messages)])) };
}

/** A middleware built on first use, for parts that need the store the adapter opens lazily. */
class DeferredMiddleware implements Middleware {
  private loading?: Promise<Middleware>;

  constructor(private readonly build: () => Promise<Middleware>) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    this.loading ??= this.build().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    await (await this.loading).onTurn(context, next);
  }
}
