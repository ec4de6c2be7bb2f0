/**
 * What the instruction URL's events do (wecom-provider.md §8), after the route has answered
 * `success`: WeCom gives 1000 ms, and an exchange of an auth code can take longer. Events run one
 * at a time per suite; a step that fails where WeCom will not send again (an answered callback is
 * never resent) is retried here with back-off.
 */
import { type Logger, WeComChannelError } from '../common';
import type { Store } from '../store';
import { type InstructionCallbackEvent, type PermanentCodeGrant, type SuiteClient, WeComApiError } from '../wecom';
import { AuthCodeRepository } from './authCodeRepository';
import { ProviderEvents } from './providerEvents';
import type { SecretBox } from './secretBox';
import { SuiteAuthRepository } from './suiteAuthRepository';
import { SuiteTicketRepository } from './suiteTicketRepository';

export interface SuiteInstructionsOptions {
  readonly store: Store;
  readonly suite: SuiteClient;
  /** Seals permanent codes (WECOM_SECRET_KEY). */
  readonly box: SecretBox;
  readonly logger: Logger;
  /** Back-off of failed steps: first delay, cap, and tries in all. Default 1 s, 60 s, 12 (about 7 minutes: an auth code lives 10, and a missing ticket comes within 10). */
  readonly retry?: { readonly baseMs?: number; readonly maxMs?: number; readonly attempts?: number };
}

/**
 * Errors a later try cannot fix: a used or expired auth code (40078), a refused permanent code
 * (40084) or corp (48004), a wrong WECOM_SECRET_KEY, a corp we do not know. A missing or stale
 * ticket (40085) and a wrong suite secret are retried: the next push, or the operator, fixes them.
 */
function isFinal(e: unknown): boolean {
  if (e instanceof WeComApiError) return [40078, 40084, 48004].includes(e.errcode);
  if (e instanceof WeComChannelError) return e.name === 'SecretKeyMismatchError';
  return e instanceof RangeError;
}

/**
 * Runs instruction events for one suite.
 *
 * @example
 * const instructions = new SuiteInstructions({ store, suite, box, logger });
 * instructions.events.on('corpAuthorised', ({ corpId, first }) => ...);
 * res.end('success'); instructions.accept(result.event);
 */
export class SuiteInstructions {
  readonly events: ProviderEvents;
  readonly tickets: SuiteTicketRepository;
  readonly auths: SuiteAuthRepository;
  readonly codes: AuthCodeRepository;
  private readonly suite: SuiteClient;
  private readonly logger: Logger;
  private readonly retry: { baseMs: number; maxMs: number; attempts: number };
  private queue: Promise<void> = Promise.resolve();
  private outstanding = 0;
  private waiters: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(options: SuiteInstructionsOptions) {
    this.suite = options.suite;
    this.logger = options.logger;
    this.events = new ProviderEvents(options.logger);
    this.tickets = new SuiteTicketRepository(options.store);
    this.auths = new SuiteAuthRepository(options.store, options.box);
    this.codes = new AuthCodeRepository(options.store);
    this.retry = { baseMs: options.retry?.baseMs ?? 1000, maxMs: options.retry?.maxMs ?? 60_000, attempts: options.retry?.attempts ?? 12 };
  }

  get suiteId(): string {
    return this.suite.suiteId;
  }

  /** Queues one event from the instruction URL. Never throws: failures are logged (and retried where that helps). */
  accept(event: InstructionCallbackEvent): void {
    this.enqueue(event.kind, () => this.handle(event), 1);
  }

  /** After a restart: exchanges auth codes that arrived but were not exchanged yet. */
  async resume(): Promise<void> {
    for (const code of await this.codes.pending(this.suiteId)) {
      this.enqueue(code.kind, () => this.exchange(code.authCode, code.kind, []), 1);
    }
  }

  /** Resolves once nothing is queued and no retry is waiting (tests, shutdown). */
  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops retries; queued work still runs. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.outstanding -= this.timers.size;
    this.timers.clear();
    this.settle();
  }

  private enqueue(what: string, step: () => Promise<void>, attempt: number): void {
    this.outstanding += 1;
    this.queue = this.queue.then(async () => {
      try {
        await step();
      } catch (e) {
        this.failed(what, step, attempt, e);
      } finally {
        this.outstanding -= 1;
        this.settle();
      }
    });
  }

  private failed(what: string, step: () => Promise<void>, attempt: number, e: unknown): void {
    if (this.closed || isFinal(e) || attempt >= this.retry.attempts) {
      this.logger.error({ err: e, suiteId: this.suiteId, what, attempt }, 'provider instruction failed; not retried');
      return;
    }
    const delay = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1));
    this.logger.warn({ err: e, suiteId: this.suiteId, what, attempt, retryInMs: delay }, 'provider instruction failed; trying again');
    this.outstanding += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.outstanding -= 1;
      this.enqueue(what, step, attempt + 1);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private settle(): void {
    if (this.outstanding > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * The admin's browser came back to the install's `redirect_uri` with the auth code (a site-started
   * install). WeCom also sends `create_auth` with the same code; whichever comes first is exchanged,
   * once. Resolves when the code is queued for its exchange (`seen`: it was already).
   *
   * @example
   * await instructions.acceptRedirect(url.searchParams.get('auth_code')!); // 'queued' | 'seen'
   */
  async acceptRedirect(authCode: string): Promise<'queued' | 'seen'> {
    if (!(await this.codes.claim(this.suiteId, authCode, 'create_auth'))) return 'seen';
    this.enqueue('create_auth (redirect)', () => this.exchange(authCode, 'create_auth', []), 1);
    return 'queued';
  }

  private async grantAfterExchange(authCode: string, granted: string[]): Promise<void> {
    const corpId = await this.codes.corpOf(this.suiteId, authCode);
    if (!corpId) throw new AuthCodeNotExchangedError(); // retried with back-off until the exchange is done
    await this.auths.changeKfAccounts(this.suiteId, corpId, { added: granted, removed: [] });
  }

  private async handle(event: InstructionCallbackEvent): Promise<void> {
    switch (event.kind) {
      case 'suite_ticket': {
        const kept = await this.tickets.save(event.suiteId, event.suiteTicket, event.timestamp * 1000);
        if (!kept) this.logger.info({ suiteId: event.suiteId }, 'an older suite_ticket arrived after a newer one; kept the newer');
        return;
      }
      case 'create_auth':
      case 'reset_permanent_code': {
        // WeCom resends an instruction it thinks unanswered; the code is single use.
        if (!(await this.codes.claim(this.suiteId, event.authCode, event.kind))) {
          this.logger.info({ suiteId: this.suiteId, kind: event.kind }, 'auth code seen already; skipped');
          // The install's redirect may have brought the code first: the accounts this instruction
          // grants are still the corp's, once that exchange is done (the queue runs it first).
          const granted = event.kind === 'create_auth' ? event.authOpenKfIds : [];
          if (granted.length > 0) this.enqueue('create_auth grants', () => this.grantAfterExchange(event.authCode, granted), 1);
          return;
        }
        // Its own step, so a retry exchanges again instead of claiming (and skipping) again.
        const kfIds = event.kind === 'create_auth' ? event.authOpenKfIds : [];
        this.enqueue(event.kind, () => this.exchange(event.authCode, event.kind, kfIds), 1);
        return;
      }
      case 'change_auth': {
        const corpId = event.authCorpId;
        await this.refreshAuthInfo(corpId, event.authOpenKfIds.length > 0 ? event.authOpenKfIds : undefined);
        this.events.emit('corpChanged', { suiteId: this.suiteId, corpId, reason: 'change_auth' });
        return;
      }
      case 'cancel_auth': {
        if (await this.auths.cancelled(this.suiteId, event.authCorpId)) this.events.emit('corpCancelled', { suiteId: this.suiteId, corpId: event.authCorpId });
        return;
      }
      default:
        this.logger.debug({ suiteId: this.suiteId, kind: event.kind }, 'instruction acknowledged; nothing to do');
    }
  }

  /**
   * get_permanent_code once per code: the code is marked exchanged right after the answer, and a
   * failure of what follows is retried from the grant kept in memory, never by exchanging again.
   */
  private async exchange(authCode: string, kind: 'create_auth' | 'reset_permanent_code', authOpenKfIds: string[]): Promise<void> {
    const claimed = await this.codes.attempt(this.suiteId, authCode);
    if (!claimed) {
      this.logger.warn({ suiteId: this.suiteId, kind }, 'auth code expired or exchanged already; not exchanged');
      return;
    }
    const grant = await this.suite.getPermanentCode(authCode);
    const saved = (): Promise<void> => this.saveGrant(grant, kind, authOpenKfIds, authCode);
    try {
      await saved();
    } catch (e) {
      // The exchange is done: only the saving is retried.
      this.failed(`${kind} save`, saved, 1, e);
    }
  }

  private async saveGrant(grant: PermanentCodeGrant, kind: 'create_auth' | 'reset_permanent_code', authOpenKfIds: string[], authCode: string): Promise<void> {
    const corpId = grant.authCorpId;
    if (kind === 'reset_permanent_code' && (await this.auths.replacePermanentCode(this.suiteId, corpId, grant.permanentCode))) {
      await this.codes.exchanged(this.suiteId, authCode, corpId);
      this.events.emit('corpChanged', { suiteId: this.suiteId, corpId, reason: 'reset_permanent_code' });
    } else {
      const { first } = await this.auths.authorised(this.suiteId, corpId, { permanentCode: grant.permanentCode, corpName: grant.corpName, authOpenKfIds });
      await this.codes.exchanged(this.suiteId, authCode, corpId);
      this.logger.info({ suiteId: this.suiteId, corpId, first }, 'corp authorised the suite');
      this.events.emit('corpAuthorised', { suiteId: this.suiteId, corpId, first });
    }
    // The agent id comes from get_auth_info; its failure is retried on its own.
    this.enqueue('get_auth_info', () => this.refreshAuthInfo(corpId), 1);
  }

  private async refreshAuthInfo(corpId: string, authOpenKfIds?: string[]): Promise<void> {
    const info = await this.suite.getAuthInfo(corpId, await this.auths.permanentCode(this.suiteId, corpId));
    await this.auths.update(this.suiteId, corpId, { agentId: info.agents[0]?.agentId, corpName: info.corpName, authOpenKfIds });
  }
}

/** A create_auth's grants wait for the exchange of its code, which the redirect started and has not finished. */
export class AuthCodeNotExchangedError extends WeComChannelError {
  override readonly name = 'AuthCodeNotExchangedError' as const;
  readonly code = 'auth_code_not_exchanged' as const;

  constructor() {
    super('the auth code is not exchanged yet: the accounts create_auth grants are applied once it is');
  }
}
