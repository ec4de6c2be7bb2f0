import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { silentLogger, type Clock, type Logger } from '../common';
import { LeaseRepository, type Store } from '../store';
import { nextEventAt } from './advance';
import { newCorpLicence, type CorpLicence, type LicenceYear } from './corpLicence';
import { DueJobRunner, type DueRunResult } from './dueJobRunner';
import { IdempotencyKeyReusedError, InvalidAgentCountError, LicenceInactiveError, UnknownCorpError } from './errors';
import { balanceOf, ledgerKeys, type LedgerEntry } from './ledger';
import { LedgerRepository } from './ledgerRepository';
import { LicenceRepository, toLicence, type LicenceDoc } from './licenceRepository';
import { LicensingEvents, type StatusChangeListener, type WarningListener } from './licensingEvents';
import { resolvePolicy, type LicensingPolicy } from './policy';
import { assertValidPurchase, withPurchasedYear } from './purchase';
import { statusView, type LicenceStatusView } from './statusView';

export interface LicensingServiceOptions {
  /** Where licences, the ledger and the jobs' lease live. */
  store: Store;
  /** The time every rule sees. Default: the store's clock (the admin test clock moves both). */
  clock?: Clock;
  /** Overrides of the commercial rules (warning days in tests). Default {@link defaultPolicy}. */
  policy?: Partial<LicensingPolicy>;
  /** Default: silent. */
  logger?: Logger;
  /** Names this process in the jobs' lease. Default `hostname:pid`. */
  instanceId?: string;
  /** Corps read per batch by the due jobs. Default 500. */
  batchSize?: number;
  /** The jobs' lease, renewed after every batch. Default 5 minutes. */
  leaseMs?: number;
}

/** What a purchase did. */
export interface PurchaseResult {
  /** The year this purchase scheduled (the same one when the idempotency key was used before). */
  year: { id: string; startsAt: string; endsAt: string };
  /** True when the idempotency key had been used: nothing new was recorded. */
  duplicate: boolean;
  status: LicenceStatusView;
}

const maxWriteAttempts = 10;

/**
 * Trials, IM credits, licence years and the jobs that move them — the whole licensing module behind
 * one object. Every rule runs on the injected clock; every state lives in the store.
 *
 * @example
 * const licensing = await LicensingService.create({ store, logger });
 * await licensing.recordAuthorisation('ww123');          // trial: 90 days
 * await licensing.purchase('ww123', 8, 'order-42');      // schedules one year after the trial
 * licensing.onStatusChange((corpId, from, to) => adapter.announceLicence(corpId, to));
 * if (!(await licensing.isValid('ww123'))) holdMessage();
 * await licensing.runDueJobs();                          // what the cron and the test clock call
 */
export class LicensingService {
  readonly policy: LicensingPolicy;
  /** Purchases in flight per corp, chained (see purchase). */
  private readonly purchasing = new Map<string, Promise<unknown>>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly licences: LicenceRepository;
  private readonly ledger: LedgerRepository;
  private readonly events: LicensingEvents;
  private readonly runner: DueJobRunner;
  /** corp → validUntil, for valid corps only. Safe to keep: validity only ever extends (nothing revokes a year). */
  private readonly validCache = new Map<string, number>();

  private constructor(options: LicensingServiceOptions) {
    this.policy = resolvePolicy(options.policy);
    this.clock = options.clock ?? options.store.clock;
    this.logger = options.logger ?? silentLogger;
    this.licences = new LicenceRepository(options.store);
    this.ledger = new LedgerRepository(options.store);
    this.events = new LicensingEvents(this.logger);
    this.runner = new DueJobRunner({
      licences: this.licences,
      ledger: this.ledger,
      events: this.events,
      policy: this.policy,
      logger: this.logger,
      leases: new LeaseRepository(options.store),
      clock: this.clock,
      instanceId: options.instanceId ?? `${os.hostname()}:${process.pid}`,
      batchSize: options.batchSize ?? 500,
      leaseMs: options.leaseMs ?? 5 * 60_000,
    });
  }

  /** Creates the service and declares its indexes. */
  static async create(options: LicensingServiceOptions): Promise<LicensingService> {
    const service = new LicensingService(options);
    await Promise.all([service.licences.init(), service.ledger.init()]);
    return service;
  }

  /**
   * The corp authorised the app (or, in self-built mode, started with it). The first call ever starts
   * the trial; later ones (re-authorisation) never move it.
   *
   * @example
   * await licensing.recordAuthorisation('ww123'); // day 1; removed day 50, back day 70 → 20 days left
   */
  async recordAuthorisation(corpId: string): Promise<LicenceStatusView> {
    const initial = newCorpLicence(corpId, this.clock.now(), this.policy);
    initial.nextDueAt = nextEventAt(initial, this.policy);
    const doc = await this.licences.authorise(initial);
    return this.view(toLicence(doc));
  }

  /** The corp removed the app. Its trial clock and licence years keep running (removal pauses nothing). */
  async recordDeauthorisation(corpId: string): Promise<void> {
    await this.mutate(corpId, (l) => ({ ...l, authorised: false }));
  }

  /** The licence as the admin API shows it. Throws {@link UnknownCorpError} for a corp never authorised. */
  async status(corpId: string): Promise<LicenceStatusView> {
    return this.view(toLicence(await this.load(corpId)));
  }

  /**
   * Records a purchase of `credits` IM credits and schedules one licence year (see
   * {@link withPurchasedYear}). Credits are deducted only when the year activates. With an
   * `idempotencyKey` (an order id), a repeated call records nothing and returns the first result.
   * A year that starts at once (after expiry) is activated before this returns, unless a job run
   * elsewhere holds the lease; then that run or the next one activates it.
   *
   * @throws InvalidPurchaseError fewer than 4 or more than 100 000 credits, a fraction, not a number
   * @throws IdempotencyKeyReusedError the key was used before for another number of credits
   * @throws UnknownCorpError
   * @example
   * await licensing.purchase('ww123', 4, 'order-42');
   */
  async purchase(corpId: string, credits: number, idempotencyKey: string = randomUUID()): Promise<PurchaseResult> {
    assertValidPurchase(credits, this.policy);
    // One purchase of a corp at a time in this process: concurrent ones (a client retrying at once)
    // would otherwise race on the licence's compare-and-set until some gave up.
    const previous = this.purchasing.get(corpId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.purchaseNow(corpId, credits, idempotencyKey));
    const tail = run.catch(() => undefined);
    this.purchasing.set(corpId, tail);
    void tail.then(() => {
      if (this.purchasing.get(corpId) === tail) this.purchasing.delete(corpId);
    });
    return run;
  }

  private async purchaseNow(corpId: string, credits: number, idempotencyKey: string): Promise<PurchaseResult> {
    await this.load(corpId);
    const key = ledgerKeys.purchase(corpId, idempotencyKey);
    const now = this.clock.now();
    const duplicate = !(await this.ledger.append({ key, corpId, kind: 'purchase', credits, at: now }));
    if (duplicate) {
      const recorded = await this.ledger.get(key);
      if (recorded && recorded.credits !== credits) throw new IdempotencyKeyReusedError(corpId, credits, recorded.credits);
    }
    // The year's id is the purchase's key: a retry after a crash between these two writes adds it once.
    let year: LicenceYear | undefined;
    await this.mutate(corpId, (l) => {
      const next = withPurchasedYear(l, key, this.clock.now());
      year = next.year;
      return next.licence;
    });
    if (year!.state === 'scheduled' && year!.startsAt <= this.clock.now()) await this.runDueJobs();
    return { year: { id: year!.id, startsAt: new Date(year!.startsAt).toISOString(), endsAt: new Date(year!.endsAt).toISOString() }, duplicate, status: await this.status(corpId) };
  }

  /**
   * Opt in (or out) of auto-renew: at the end of each licence year, the next year is scheduled from
   * spare credits (and refused, with a reason, when they are short). It never starts a year by
   * itself after expiry: a purchase does that.
   */
  async setAutoRenew(corpId: string, enabled: boolean): Promise<LicenceStatusView> {
    return this.view(await this.mutate(corpId, (l) => ({ ...l, autoRenew: enabled })));
  }

  /**
   * Sets how many agents the corp's licence covers. It is read when a year activates (the cost is
   * 4 credits × agents, at least one agent); years already active keep what they paid.
   * The channels layer calls it when agents are added or removed.
   */
  async setAgentCount(corpId: string, agents: number): Promise<LicenceStatusView> {
    if (!Number.isSafeInteger(agents) || agents < 0) throw new InvalidAgentCountError(agents);
    return this.view(await this.mutate(corpId, (l) => ({ ...l, agentCount: agents })));
  }

  /**
   * Whether the corp's customer traffic may pass now: during the trial or an activated year. One
   * read by `_id`, skipped while an earlier read already proved validity beyond now. False for an
   * unknown corp.
   */
  async isValid(corpId: string): Promise<boolean> {
    const now = this.clock.now();
    const cached = this.validCache.get(corpId);
    if (cached !== undefined && now < cached) return true;
    const doc = await this.licences.get(corpId);
    if (!doc || now >= doc.validUntil) return false;
    this.validCache.set(corpId, doc.validUntil);
    return true;
  }

  /**
   * Throws {@link LicenceInactiveError} (or {@link UnknownCorpError}) unless the corp is valid: what the adapter calls before a send.
   *
   * @example
   * await licensing.assertValid(corpId); // rejects with code 'licence_inactive'
   */
  async assertValid(corpId: string): Promise<void> {
    if (await this.isValid(corpId)) return;
    const view = await this.status(corpId); // UnknownCorpError for a corp never authorised
    throw new LicenceInactiveError(corpId, view.status);
  }

  /** The corp's ledger, oldest first: purchases, activations (deductions) and refusals. */
  async ledgerEntries(corpId: string): Promise<LedgerEntry[]> {
    await this.load(corpId);
    return this.ledger.entries(corpId);
  }

  /**
   * Runs the licensing jobs now, for every corp that is due: what the cron calls, what runs at
   * start-up to catch up after downtime, and what the test clock calls after moving time.
   * Returns `ran: false` when another run holds the lease.
   */
  runDueJobs(): Promise<DueRunResult> {
    return this.runner.run();
  }

  /**
   * Subscribes to status changes (trial → active, active → expired, ...), announced once, after
   * they are stored. Returns the unsubscribe function.
   *
   * @example
   * const off = licensing.onStatusChange((corpId, from, to) => logger.info({ corpId, from, to }));
   */
  onStatusChange(listener: StatusChangeListener): () => void {
    return this.events.onStatusChange(listener);
  }

  /** Subscribes to expiry warnings (30, 7 and 1 days ahead by default), each announced once. */
  onWarning(listener: WarningListener): () => void {
    return this.events.onWarning(listener);
  }

  private async load(corpId: string): Promise<LicenceDoc> {
    const doc = await this.licences.get(corpId);
    if (!doc) throw new UnknownCorpError(corpId);
    return doc;
  }

  private async view(licence: CorpLicence): Promise<LicenceStatusView> {
    const balance = balanceOf(await this.ledger.entries(licence.corpId));
    return statusView(licence, balance, this.clock.now(), this.policy);
  }

  /** Applies `change` with compare-and-set, re-reading on a conflict, and keeps `nextDueAt` in step. */
  private async mutate(corpId: string, change: (licence: CorpLicence) => CorpLicence): Promise<CorpLicence> {
    for (let attempt = 0; attempt < maxWriteAttempts; attempt++) {
      const doc = await this.load(corpId);
      const next = change(toLicence(doc));
      next.nextDueAt = nextEventAt(next, this.policy);
      if (await this.licences.replace(doc.rev, next)) return next;
    }
    throw new Error(`licensing: corp ${corpId} changed ${maxWriteAttempts} times during one update`);
  }
}
