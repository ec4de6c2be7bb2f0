import { localTimeOf } from '../common/clock';
import { isChannelError } from '../common/errors';
import type { Logger } from '../common/logger';
import { LeaseKeeper, type LeaseRepository, type Store } from '../store';
import { WeComApiError } from '../wecom/errors';
import type { WeComClient } from '../wecom/client';
import { kfMessageParties } from '../wecom/kfMessages';
import { accountConversationIdOf, conversationIdOf } from './conversationId';
import { type CursorDoc, type CursorRepository, hasUnansweredWakeup, usableSyncToken } from './cursorRepository';
import type { InboxEntry, InboxRepository, NewInboxEntry } from './inboxRepository';
import { type ReportOperation, secondsSince } from './operationEvents';
import { isTransient, LeaseLostError, PipelineClosedError } from './pipelineErrors';
import { TurnScheduler } from './turnScheduler';

/** Decides whether a corp's customer traffic may reach the bot now (the licence gate plugs in here). */
export interface InboundGate {
  /** `openKfId`: the account of the message about to run (provider mode admits granted accounts only); absent for a corp-wide look. */
  admits(corpId: string, openKfId?: string): Promise<boolean>;
}

/** A customer's message as pulled: the newest one of a conversation in a page. */
export interface PulledCustomerMessage {
  readonly conversationId: string;
  readonly msgid: string;
  /** When the customer sent it, in ms on our clock. */
  readonly sentAt: number;
  /** Older messages of the page sent in the same second (WeCom's `send_time` has whole seconds). */
  readonly sameSecondMsgids: readonly string[];
}

/**
 * Learns of customer messages as soon as they are pulled, before any turn of theirs runs: WeCom
 * counts every reply against the customer's newest message, so the conversation window must follow
 * the newest pulled message rather than the message a turn answers.
 */
export interface InboundObserver {
  /** Called once per page, before its cursor is saved (a failure fails the pull, which is retried). */
  customerMessagesPulled(messages: readonly PulledCustomerMessage[]): Promise<void>;
  /**
   * Optional, the same in two steps: reads what it needs now, and returns a function that issues its
   * writes the moment it is called (then resolves when they are done). The pipeline calls it together
   * with the page's inbox insert, so an engine that commits a tick's writes together (SQLite) makes
   * one commit of them.
   */
  preparePulled?(messages: readonly PulledCustomerMessage[]): Promise<() => Promise<void>>;
}

/** {@link InboundObserver.preparePulled} of any observer: one without it writes when the returned function is called. */
export function prepareObserver(observer: InboundObserver, messages: readonly PulledCustomerMessage[]): Promise<() => Promise<void>> {
  return observer.preparePulled ? observer.preparePulled(messages) : Promise.resolve(() => observer.customerMessagesPulled(messages));
}

export interface InboundPipelineOptions {
  readonly store: Store;
  readonly inbox: InboxRepository;
  readonly cursors: CursorRepository;
  readonly leases: LeaseRepository;
  readonly clientFor: (corpId: string) => WeComClient;
  /**
   * Runs an entry's turn. `sent` holds the replies earlier attempts sent (outbox id → WeCom's msgid);
   * the turn adds its own, and the pipeline keeps them with the entry should the turn not finish.
   */
  readonly runTurn: (entry: InboxEntry, sent: Map<string, string>) => Promise<void>;
  readonly logger: Logger;
  /** Identifies this process in leases. */
  readonly instanceId: string;
  /** On the very first pull of an account, older messages are skipped rather than replayed. */
  readonly backfillMs: number;
  /** Cap on turns at once across conversations; Infinity for none. */
  readonly turnConcurrency: number;
  readonly maxTurnAttempts: number;
  /** First retry delay of a failed turn; doubles each attempt (capped at 30 s). */
  readonly retryDelayMs: number;
  /** First wait before a failed pull is tried again (doubles per failure, up to 30 s). Default 1 000 ms. */
  readonly pullRetryBaseMs: number;
  readonly leaseTtlMs: number;
  /**
   * How long a sync or turns lease no pull or turn uses is kept before it is given up (see
   * {@link LeaseKeeper}): a burst of pulls or turns takes it once. Another instance wanting it meanwhile
   * waits up to this long. Default: a quarter of `leaseTtlMs`, at most 1 s.
   */
  readonly leaseIdleMs?: number;
  readonly gate?: InboundGate;
  readonly observer?: InboundObserver;
  /** Learns how pulls and turns end (metrics). */
  readonly report?: ReportOperation;
  /**
   * Whether this process alone uses the store, so no other process can pull an account or run a
   * conversation's turns: then the sync and turns leases are not taken (two writes each), since
   * this pipeline already runs one pull per account and one turn at a time per conversation.
   * Default: true for the embedded store (its `DATA_DIR` lock lets one process open it), false
   * otherwise (MongoDB is shared by instances, which take the leases).
   */
  readonly exclusiveStore?: boolean;
}

/**
 * Waits before the tries of a failed pull (for a 1 s base): quick at first, so a short outage costs
 * the customer seconds, then slower up to 30 s, so a long one costs fewer than 10 pulls a minute.
 */
const PULL_RETRY_STEPS = [1000, 1500, 2000, 2500, 3000, 5000, 8000, 13000, 20000, 30000];
/** Inbox entries a conversation's turn loop reads at once (in order; few conversations have more waiting). */
const ENTRIES_PER_READ = 10;

/** Least wait before a failed pull is tried again without a sync token: WeCom allows about 10 token-less pulls a minute. */
const TOKENLESS_PULL_SPACING_MS = 6_500;

/**
 * WeCom → inbox → turns. One puller per (corp, open_kfid) across instances (a store lease); every
 * pulled message is in the inbox before the cursor moves; turns run in order per conversation and
 * in parallel across conversations; a failed turn is retried; nothing is dropped.
 */
export class InboundPipeline {
  private readonly scheduler: TurnScheduler;
  /** Accounts being pulled by this process, and whether another callback came meanwhile. */
  private readonly pulling = new Map<string, PullState>();
  /** Conversations waiting out a failed turn's back-off: nothing dispatches them early. */
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  /** Accounts whose pull failed, waiting for their next try; and failures in a row (should the store be down too). */
  private readonly pullRetryTimers = new Map<string, NodeJS.Timeout>();
  /** Conversations whose turns lease another instance holds: looked at again when it expires. */
  private readonly turnsLeaseTimers = new Map<string, NodeJS.Timeout>();
  private readonly pullFailures = new Map<string, number>();
  private closed = false;
  private turnsStarted = false;
  private readonly exclusive: boolean;
  /** The sync and turns leases this process holds across bursts (a shared store only). */
  private readonly keeper: LeaseKeeper;

  constructor(private readonly o: InboundPipelineOptions) {
    this.scheduler = new TurnScheduler(o.turnConcurrency);
    this.exclusive = o.exclusiveStore ?? o.store.kind === 'embedded';
    this.keeper = new LeaseKeeper(o.store, o.leases, {
      owner: o.instanceId, ttlMs: o.leaseTtlMs, idleMs: o.leaseIdleMs,
      onError: (e, name) => o.logger.warn({ err: e, lease: name }, 'giving up a lease, or looking for work left behind, failed; it expires by itself'),
    });
  }

  /** A callback said there is something to pull. Resolves when the pull (not the turns) is done. */
  async notify(corpId: string, openKfId: string, syncToken?: string): Promise<void> {
    await this.wake(corpId, openKfId, syncToken);
    return this.pullAccount(corpId, openKfId);
  }

  /** Stores a callback's wake-up and sync token (`signedAt`: its signed timestamp, ms), so whoever pulls next goes round again. */
  async wake(corpId: string, openKfId: string, syncToken?: string, signedAt?: number): Promise<void> {
    if (this.closed) return;
    await this.o.cursors.wake(corpId, openKfId, syncToken, signedAt);
  }

  /** Pulls the account now, or has the pull in flight go round again. Resolves when the pull is done. */
  pullAccount(corpId: string, openKfId: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const key = `${corpId}:${openKfId}`;
    const running = this.pulling.get(key);
    if (running) {
      running.again = true;
      running.onAgain?.(); // a pull storing its pages fetches the next one now
      return running.done;
    }
    const state: PullState = { again: false, done: Promise.resolve() };
    state.done = this.pullWhileWoken(corpId, openKfId, state).finally(() => this.pulling.delete(key));
    this.pulling.set(key, state);
    return state.done;
  }

  /**
   * Pulls accounts not pulled for `staleMs` (a missed callback is caught here) and restarts
   * stranded turns. Fresh accounts are left alone: pulls without a sync token are rate-limited
   * by WeCom (about 10 a minute), and a callback brings a token with it.
   */
  async sweep(corpIds: readonly string[], staleMs: number): Promise<void> {
    const now = this.o.store.clock.now();
    const accounts = (await this.o.cursors.accounts()).filter((a) => corpIds.includes(a.corpId) && (a.pulledAt ?? 0) <= now - staleMs);
    await Promise.all(accounts.map((a) => this.notify(a.corpId, a.openKfId)));
    await this.resumePulls(corpIds);
    await this.recover(corpIds);
  }

  /**
   * Dispatches conversations with pending entries (after a crash or a lost lease), and those with
   * held entries once their corp is admitted again — whether or not this process saw the licence
   * change, so held messages can never stay held for good.
   */
  async recover(corpIds: readonly string[]): Promise<void> {
    for (const corpId of corpIds) {
      const admitted = !this.o.gate || (await this.o.gate.admits(corpId));
      const held = admitted ? await this.o.inbox.conversationsWith('held', corpId) : [];
      const pending = await this.o.inbox.conversationsWith('pending', corpId);
      for (const conversationId of new Set([...pending, ...held])) this.dispatch(conversationId);
    }
  }

  /** Pulls accounts whose wake-up no pull answered (a failed pull, or a crash before it), now rather than at the next callback. */
  async resumePulls(corpIds: readonly string[]): Promise<void> {
    for (const a of await this.o.cursors.unanswered()) {
      // One waiting out its back-off is left to its timer.
      if (corpIds.includes(a.corpId) && !this.pullRetryTimers.has(`${a.corpId}:${a.openKfId}`)) {
        this.pullAccount(a.corpId, a.openKfId).catch(this.logPullFailure(a.corpId, a.openKfId));
      }
    }
  }

  /**
   * At start-up: pulls every known account of these corps, woken or not. Callbacks that came while no
   * process was up failed, and WeCom does not deliver them again; without this pull their messages
   * would wait for the customer's next message or the sweep. It stores a wake-up first, so a failed
   * pull is retried by itself (and by the next process, should this one die too).
   */
  async catchUp(corpIds: readonly string[]): Promise<void> {
    for (const a of await this.o.cursors.accounts()) {
      // One waiting out its back-off is left to its timer.
      if (!corpIds.includes(a.corpId) || this.pullRetryTimers.has(`${a.corpId}:${a.openKfId}`)) continue;
      await this.wake(a.corpId, a.openKfId);
      this.pullAccount(a.corpId, a.openKfId).catch(this.logPullFailure(a.corpId, a.openKfId));
    }
  }

  /** From now on pulled messages run as turns (the bot's logic is known); until then they wait in the inbox. */
  startTurns(): void {
    this.turnsStarted = true;
  }

  /** Held messages of a corp go to the bot, in order (its licence became valid). */
  async releaseHeld(corpId: string): Promise<void> {
    const conversations = await this.o.inbox.conversationsWith('held', corpId);
    await this.o.inbox.releaseHeld(corpId);
    for (const conversationId of conversations) this.dispatch(conversationId);
  }

  /** Queues a conversation's pending turns. Several calls for one conversation coalesce in order. */
  dispatch(conversationId: string): void {
    // In back-off, the retry timer dispatches it; earlier would spend attempts faster than planned.
    // Before the bot's logic is known, entries wait in the inbox: start() dispatches them.
    if (this.closed || !this.turnsStarted || this.retryTimers.has(conversationId)) return;
    // A run queued behind a running one looks for pending entries again when its turn comes, so one
    // queued run per conversation is enough, however many pulls and callbacks dispatch it meanwhile.
    this.scheduler.run(conversationId, () => this.drainConversation(conversationId), { coalesce: true }).catch(this.logFailure(conversationId));
  }

  /**
   * Runs a job in the conversation's queue (e.g. a handoff.status turn after the current one).
   * Do not await it from inside a turn of the same conversation: it runs after that turn.
   */
  enqueue(conversationId: string, job: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new PipelineClosedError());
    return this.scheduler.run(conversationId, job);
  }

  /** Waits for queued turns and pulls; then nothing new starts. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of [...this.retryTimers.values(), ...this.pullRetryTimers.values(), ...this.turnsLeaseTimers.values()]) clearTimeout(t);
    this.retryTimers.clear();
    this.pullRetryTimers.clear();
    this.turnsLeaseTimers.clear();
    await Promise.all([...this.pulling.values()].map((p) => p.done.catch(() => undefined)));
    await this.scheduler.idle();
    await this.keeper.releaseAll();
  }

  /** Waits until no pull and no turn is in flight (tests, benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all([...this.pulling.values()].map((p) => p.done.catch(() => undefined)));
      await this.scheduler.idle();
      if (this.pulling.size === 0 && this.retryTimers.size === 0) return;
      if (this.pulling.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async pullWhileWoken(corpId: string, openKfId: string, state: PullState): Promise<void> {
    const leaseName = `sync:${corpId}:${openKfId}`;
    let lease;
    try {
      // Alone on the store, `pulling` already keeps this to one pull per account.
      lease = this.exclusive || (await this.keeper.take(leaseName));
    } catch (e) {
      this.o.report?.({ kind: 'pull', result: 'error' });
      await this.retryPullLater(corpId, openKfId, e); // the store is down: the wake-up is not answered yet
      return;
    }
    if (!lease) {
      // Another instance pulls this account; the wake-up we stored tells it to go round again. Should
      // that instance be dead (a crash leaves its lease until it expires), look again then.
      this.o.logger.debug({ corpId, openKfId }, 'another instance holds the sync lease');
      this.o.report?.({ kind: 'pull', result: 'busy' });
      await this.lookAgainWhenLeaseExpires(corpId, openKfId, leaseName).catch(this.logPullFailure(corpId, openKfId));
      return;
    }
    let wakeupsSeen = 0;
    let failure: { error: unknown } | undefined;
    try {
      let firstRound = true;
      for (;;) {
        state.again = false;
        // The lease was just taken for the first round; a later one makes sure it is still ours.
        if (!firstRound) await this.renewOrThrow(leaseName);
        firstRound = false;
        const cursorDoc = await this.o.cursors.get(corpId, openKfId);
        // The pull's last cursor save also records it as a success (the wake-ups it answered).
        // It dispatches each page's conversations as soon as the page is in the inbox.
        const answered = await this.pull(corpId, openKfId, leaseName, cursorDoc, state);
        this.o.report?.({ kind: 'pull', result: 'ok' });
        this.cancelPullRetry(corpId, openKfId);
        wakeupsSeen = (await this.o.cursors.get(corpId, openKfId))?.wakeups ?? 0;
        if (!state.again && wakeupsSeen === answered) break;
      }
    } catch (e) {
      failure = { error: e };
    } finally {
      // Kept for the next pull of a burst; once given up, a wake-up another instance left meanwhile
      // (it found the lease taken and relied on us) is answered.
      if (!this.exclusive) this.keeper.idle(leaseName, () => this.pullIfWokenMeanwhile(corpId, openKfId));
    }
    if (failure) {
      this.o.report?.({ kind: 'pull', result: 'error' });
      // Pages saved before the failure are in the inbox: their turns need not wait for the retry.
      await this.dispatchPending(corpId, openKfId).catch(this.logPullFailure(corpId, openKfId));
      await this.retryPullLater(corpId, openKfId, failure.error);
      return;
    }
    // A callback that came between our last look and now found the lease taken and relied on us:
    // look once more, and go round again if it did.
    const wakeupsNow = (await this.o.cursors.get(corpId, openKfId))?.wakeups ?? 0;
    if ((state.again || wakeupsNow !== wakeupsSeen) && !this.closed) await this.pullWhileWoken(corpId, openKfId, state);
  }

  /**
   * A failed pull is tried again by itself, without waiting for a callback or the sweep: a growing
   * back-off with jitter (about 1 s first, 30 s at most), at least 6.5 s apart without a valid sync
   * token (WeCom allows about 10 token-less pulls a minute). The failure count and the time of the
   * next try are stored with the wake-up, so a restarted process picks them up.
   */
  private async retryPullLater(corpId: string, openKfId: string, error: unknown): Promise<void> {
    if (this.closed) return;
    const key = `${corpId}:${openKfId}`;
    if (this.pullRetryTimers.has(key)) {
      // A callback's pull during the back-off failed too: the planned try still comes, and the
      // back-off grows only with those tries (a burst of callbacks in an outage would else push the
      // next try 30 s out in a second, and keep customers waiting long after the outage ended).
      this.o.logger.debug({ err: error, corpId, openKfId }, 'pull during the back-off failed; the planned retry stands');
      return;
    }
    const now = this.o.store.clock.now();
    let failures = (this.pullFailures.get(key) ?? 0) + 1;
    let doc = null;
    try {
      doc = await this.o.cursors.get(corpId, openKfId);
      failures = Math.max(failures, (doc?.pullFailures ?? 0) + 1);
    } catch {
      // The store is down too: retry on what this process remembers.
    }
    const withToken = usableSyncToken(doc, now) !== undefined;
    const step = PULL_RETRY_STEPS[Math.min(failures, PULL_RETRY_STEPS.length) - 1]! * (this.o.pullRetryBaseMs / 1000);
    const jittered = step * (0.8 + 0.4 * Math.random()); // ±20 %: instances and accounts don't retry in step
    const delay = Math.round(withToken ? jittered : Math.max(jittered, TOKENLESS_PULL_SPACING_MS));
    this.pullFailures.set(key, failures);
    await this.o.cursors.pullFailed(corpId, openKfId, now + delay).catch(() => undefined);
    const level = isTransient(error) ? 'warn' : 'error';
    this.o.logger[level]({ err: error, corpId, openKfId, failures, retryInMs: delay }, 'pulling kf messages failed; trying again by itself');
    clearTimeout(this.pullRetryTimers.get(key));
    const timer = setTimeout(() => {
      this.pullRetryTimers.delete(key);
      this.pullAccount(corpId, openKfId).catch(this.logPullFailure(corpId, openKfId));
    }, delay);
    timer.unref();
    this.pullRetryTimers.set(key, timer);
  }

  /** After the holder's sync lease expires, pulls the account if a wake-up is still unanswered (its holder died). */
  private async lookAgainWhenLeaseExpires(corpId: string, openKfId: string, leaseName: string): Promise<void> {
    await this.whenLeaseExpires(this.pullRetryTimers, `${corpId}:${openKfId}`, leaseName, this.logPullFailure(corpId, openKfId), async () => {
      const doc = await this.o.cursors.get(corpId, openKfId);
      if (doc && hasUnansweredWakeup(doc)) await this.pullAccount(corpId, openKfId);
    });
  }

  /**
   * Runs `check` once another instance's lease `leaseName` has expired (one timer per `key` in
   * `timers`): a live holder renews it and does the work itself, a dead one never lets go.
   */
  private async whenLeaseExpires(
    timers: Map<string, NodeJS.Timeout>, key: string, leaseName: string, onError: (e: unknown) => void, check: () => Promise<void>,
  ): Promise<void> {
    if (this.closed || timers.has(key)) return;
    const held = await this.o.leases.current(leaseName);
    if (this.closed || timers.has(key)) return;
    const delay = Math.max(100, (held?.expiresAt ?? 0) - this.o.store.clock.now() + 100);
    const timer = setTimeout(() => {
      timers.delete(key);
      check().catch(onError);
    }, delay);
    timer.unref();
    timers.set(key, timer);
  }

  private async dispatchPending(corpId: string, openKfId: string): Promise<void> {
    for (const conversationId of await this.o.inbox.conversationsWith('pending', corpId, openKfId)) this.dispatch(conversationId);
  }

  private logPullFailure(corpId: string, openKfId: string): (e: unknown) => void {
    return (e) => this.o.logger.error({ err: e, corpId, openKfId }, 'pulling kf messages failed; the sweep tries again');
  }

  private cancelPullRetry(corpId: string, openKfId: string): void {
    const key = `${corpId}:${openKfId}`;
    clearTimeout(this.pullRetryTimers.get(key));
    this.pullRetryTimers.delete(key);
    this.pullFailures.delete(key);
  }

  /** Before a further fetch: the sync lease must still be ours (renewed once half its TTL is gone). */
  private async renewOrThrow(leaseName: string): Promise<void> {
    if (this.exclusive) return;
    if (!(await this.keeper.keep(leaseName))) throw new LeaseLostError(leaseName);
  }

  /** After the sync lease was given up: pulls the account if a wake-up came that no pull answered (not one waiting out its back-off). */
  private async pullIfWokenMeanwhile(corpId: string, openKfId: string): Promise<void> {
    if (this.closed || this.pullRetryTimers.has(`${corpId}:${openKfId}`)) return;
    const doc = await this.o.cursors.get(corpId, openKfId);
    if (doc && hasUnansweredWakeup(doc)) await this.pullAccount(corpId, openKfId);
  }

  /**
   * Pulls pages until has_more is 0, from the cursor document `doc` the caller just read, and on
   * while callbacks come before its pages are stored. Returns the wake-up count its last cursor save
   * answered.
   *
   * Fetching and storing overlap: each page is stored (inbox, then the observer, then its
   * conversations are dispatched, then its cursor is saved, in page order) while the next page is
   * fetched. A page follows has_more at once; after WeCom's last page, a callback arriving while
   * pages are still being stored fetches the next page then, without waiting for them. The lease is
   * renewed before each further fetch (the caller took or renewed it before the first).
   */
  private async pull(corpId: string, openKfId: string, leaseName: string, doc: CursorDoc | null, state: PullState): Promise<number> {
    const client = this.o.clientFor(corpId);
    let answers = doc?.wakeups ?? 0;
    const now = this.o.store.clock.now();
    const firstPull = !doc?.cursor;
    const fetching = { token: usableSyncToken(doc, now) };
    let cursor = doc?.cursor || undefined;
    let seq = doc?.seq ?? 0;
    let skipped = 0;
    /**
     * The newest page's storing: it settles only after every page before it has (each saves its
     * cursor after the one before), so it stands for them all, and a long pull keeps no list.
     */
    let stored: Promise<void> = Promise.resolve();
    /** Pages with messages still being stored (an empty page's storing is only its cursor). */
    let storingMessages = 0;
    let storeFailed: { error: unknown } | undefined;
    try {
      for (;;) {
        if (storeFailed) throw storeFailed.error; // no more pages over a gap the cursor cannot pass
        const page = await this.fetchPage(client, openKfId, cursor, fetching);
        const pageAnswers = answers;
        const newest = new Map<string, PulledCustomerMessage>();
        const entries: NewInboxEntry[] = [];
        for (const msg of page.msg_list) {
          seq++;
          if (firstPull && localTimeOf(msg.send_time * 1000, now, this.o.store.clock.aheadMs?.() ?? 0) < now - this.o.backfillMs) {
            skipped++;
            continue;
          }
          const parties = kfMessageParties(msg);
          const kf = parties.openKfId ?? openKfId;
          const conversationId = parties.externalUserId
            ? conversationIdOf({ corpId, openKfId: kf, externalUserId: parties.externalUserId })
            : accountConversationIdOf({ corpId, openKfId: kf });
          entries.push({ corpId, openKfId: kf, conversationId, msgid: msg.msgid, seq, sendTime: msg.send_time, status: 'pending', message: msg });
          // Every customer message, also one already in the inbox: a pull that failed after the insert is
          // repeated, and the window must still learn of it (recording is idempotent).
          if (msg.origin === 3 && msg.msgtype !== 'event') {
            const sentAt = localTimeOf(msg.send_time * 1000, now, this.o.store.clock.aheadMs?.() ?? 0);
            const before = newest.get(conversationId);
            if (!before || sentAt >= before.sentAt) {
              const sameSecondMsgids = before?.sentAt === sentAt ? [...before.sameSecondMsgids, before.msgid] : [];
              newest.set(conversationId, { conversationId, msgid: msg.msgid, sentAt, sameSecondMsgids });
            }
          }
        }
        if (page.next_cursor) cursor = page.next_cursor;
        const last = !page.has_more || !page.next_cursor;
        if (page.has_more && !page.next_cursor) this.o.logger.warn({ corpId, openKfId }, 'WeCom said has_more without a next_cursor; stopping this pull');
        stored = this.storePage(corpId, openKfId, entries, newest, { cursor: cursor ?? '', seq, answered: last ? pageAnswers : undefined }, stored);
        stored.catch((error: unknown) => void (storeFailed ??= { error })); // awaited below too: a failure fails the pull
        if (entries.length > 0) {
          storingMessages++;
          const done = (): void => void storingMessages--;
          stored.then(done, done);
        }
        if (!last) {
          await this.renewOrThrow(leaseName);
          continue;
        }
        // WeCom has no more now. A callback that came meanwhile, or comes before the pages are stored,
        // has its message on the next page: fetch it at once rather than after the stores.
        if (!(await this.callbackBefore(stored, state, () => storingMessages > 0))) break;
        state.again = false;
        const woken = await this.o.cursors.get(corpId, openKfId);
        answers = woken?.wakeups ?? answers;
        fetching.token = usableSyncToken(woken, this.o.store.clock.now()) ?? fetching.token;
        await this.renewOrThrow(leaseName);
      }
      await stored;
    } catch (e) {
      // Pages already fetched finish storing (their cursors in order) before the pull reports failure.
      await stored.catch(() => undefined);
      throw e;
    } finally {
      state.onAgain = undefined;
    }
    if (skipped > 0) this.o.logger.info({ corpId, openKfId, skipped }, 'first pull: skipped messages older than the backfill window');
    return answers;
  }

  /** One sync_msg page; a stale sync token is dropped and the call repeated without one. */
  private async fetchPage(client: WeComClient, openKfId: string, cursor: string | undefined, fetching: { token?: string }): ReturnType<WeComClient['syncMsg']> {
    for (;;) {
      try {
        return await client.syncMsg({ open_kfid: openKfId, cursor, token: fetching.token, limit: 1000 });
      } catch (e) {
        if (e instanceof WeComApiError && e.errcode === 95007 && fetching.token) {
          fetching.token = undefined; // stale sync token: go on without one (WeCom allows a few such calls a minute)
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Stores a pulled page: its messages in the inbox in one write, then the observer learns of them,
   * then their conversations are dispatched, then (after the page before it) its cursor is saved.
   */
  private async storePage(
    corpId: string, openKfId: string, entries: readonly NewInboxEntry[], newest: ReadonlyMap<string, PulledCustomerMessage>,
    at: { cursor: string; seq: number; answered?: number }, previous: Promise<void>,
  ): Promise<void> {
    const own = (async () => {
      // The observer reads first, so that its writes go out with the inbox insert (SQLite: one
      // commit). The window may then learn of a message a moment before the inbox holds it: that
      // is WeCom's view too (it counts replies against the newest message), and should the insert
      // fail, the pull fails and is repeated, and recording a message again changes nothing.
      const observe = await this.observe([...newest.values()]);
      const [added] = await Promise.all([this.o.inbox.addMany(entries), observe()]);
      // Turns may start now: their messages are in the inbox and the window knows them. Should the
      // process die before the cursor is saved, the page is pulled again and only new entries count.
      const touched = new Set<string>();
      for (const [i, entry] of entries.entries()) if (added[i]) touched.add(entry.conversationId);
      for (const conversationId of touched) this.dispatch(conversationId);
    })();
    // Settles after the pages before it, whatever happens, so it stands for them all.
    const [mine, before] = await Promise.allSettled([own, previous]);
    if (before.status === 'rejected') throw before.reason;
    if (mine.status === 'rejected') throw mine.reason;
    // Cursors are saved in page order, so a saved cursor never passes a page not yet in the inbox.
    await this.o.cursors.save(corpId, openKfId, at.cursor, at.seq, at.answered);
  }

  /** The observer's part in storing a page: its reads done, its writes issued when the returned function is called. */
  private async observe(messages: readonly PulledCustomerMessage[]): Promise<() => Promise<void>> {
    const observer = this.o.observer;
    if (messages.length === 0 || !observer) return async () => undefined;
    return prepareObserver(observer, messages);
  }

  /**
   * Whether to fetch again: true as soon as a callback asks for another round while pages with
   * messages are still being stored (`storingMessages`); false once `stored` resolves first (rejects
   * with it). With only empty pages storing (a cursor save each), it waits for them: wake-ups alone
   * then go round by round, one fetch per round, instead of one fetch per callback.
   */
  private async callbackBefore(stored: Promise<unknown>, state: PullState, storingMessages: () => boolean): Promise<boolean> {
    if (!storingMessages()) {
      await stored;
      return state.again && !this.closed;
    }
    if (state.again && !this.closed) return true;
    const callback = new Promise<boolean>((resolve) => {
      state.onAgain = () => resolve(!this.closed);
    });
    const storedFirst = stored.then(() => false);
    storedFirst.catch(() => undefined); // when the callback wins, the caller still awaits `stored` itself
    try {
      return await Promise.race([storedFirst, callback]);
    } finally {
      state.onAgain = undefined;
    }
  }

  /**
   * Runs the conversation's pending entries in order. On a shared store it does so under a lease, so
   * only one instance does; alone on the store, the scheduler's one run per conversation is enough.
   */
  private async drainConversation(conversationId: string): Promise<void> {
    if (this.retryTimers.has(conversationId)) return; // queued before a failure put it in back-off
    if (this.exclusive) {
      await this.runEntries(conversationId, () => false);
      return;
    }
    // The account's sync lease does not stand for this one: turns are also dispatched by instances
    // that do not pull the account (the sweep's recover(), a licence release, a failed turn's retry,
    // a dead holder's expiry), and the sync lease can change hands while a turn runs.
    const leaseName = `turns:${conversationId}`;
    // Kept from the conversation's last turns when they were a moment ago (no write), else acquired.
    if (!(await this.keeper.take(leaseName))) {
      // Another instance runs this conversation's turns and dispatches what is pending when it lets
      // go. A dead one (SIGKILL, a crash) never lets go: without a second look its customer would
      // wait for the sweep, minutes after a restart.
      await this.lookAgainWhenTurnsLeaseExpires(conversationId, leaseName);
      return;
    }
    let lost = false;
    // A long turn keeps the lease: renewed once half its TTL is gone.
    const renew = setInterval(() => {
      this.keeper.keep(leaseName).then(
        (held) => void (lost ||= !held),
        () => void (lost = true),
      );
    }, Math.max(500, this.o.leaseTtlMs / 6));
    renew.unref();
    let backingOff: boolean;
    try {
      backingOff = await this.runEntries(conversationId, () => lost);
    } finally {
      clearInterval(renew);
      // Kept for the customer's next message; once given up, an entry another instance added
      // meanwhile (it found the lease taken and relied on us) is dispatched.
      this.keeper.idle(leaseName, async () => {
        if (!this.closed && !this.retryTimers.has(conversationId) && (await this.o.inbox.hasPending(conversationId))) this.dispatch(conversationId);
      });
    }
    // An entry added by another instance while we ran found the lease taken and relied on us.
    if (!backingOff && !lost && !this.closed && (await this.o.inbox.hasPending(conversationId))) this.dispatch(conversationId);
  }

  /** Once the holder's turns lease has expired, dispatches the conversation if entries are still pending. */
  private async lookAgainWhenTurnsLeaseExpires(conversationId: string, leaseName: string): Promise<void> {
    // A live holder drains by itself; then nothing is pending here, or the lease is still taken and
    // this looks again at its next expiry.
    await this.whenLeaseExpires(this.turnsLeaseTimers, conversationId, leaseName, this.logFailure(conversationId), async () => {
      if (await this.o.inbox.hasPending(conversationId)) this.dispatch(conversationId);
    });
  }

  /**
   * The turn loop of one conversation. True when it stopped to retry later.
   *
   * Entries are read a few at a time, and a read that finds fewer than it asked for is the last:
   * an entry added after it is dispatched by whoever added it, which queues another run behind this
   * one (see {@link dispatch}), so looking once more would only find nothing (a read per turn).
   */
  private async runEntries(conversationId: string, leaseLost: () => boolean): Promise<boolean> {
    let batch: InboxEntry[] = [];
    let lastRead = false;
    while (!this.closed) {
      if (leaseLost()) {
        this.o.logger.warn({ conversationId }, 'lost the conversation lease; another instance takes over');
        return false;
      }
      if (batch.length === 0) {
        if (lastRead) return false;
        batch = await this.o.inbox.next(conversationId, ENTRIES_PER_READ);
        lastRead = batch.length < ENTRIES_PER_READ;
      }
      const entry = batch.shift();
      if (!entry) return false;
      if (this.o.gate && !(await this.o.gate.admits(entry.corpId, entry.openKfId))) {
        await this.o.inbox.holdConversation(conversationId);
        // The licence may have become valid while we held: look again rather than strand them.
        if (await this.o.gate.admits(entry.corpId, entry.openKfId)) {
          batch = [];
          lastRead = false;
          continue;
        }
        return false;
      }
      const startedAt = performance.now();
      const sent = new Map((entry.sent ?? []).map((r) => [r.id, r.wecomMsgid]));
      try {
        await this.o.runTurn(entry, sent);
        await this.o.inbox.markDone(entry._id);
        this.o.report?.({ kind: 'turn', result: 'ok', seconds: secondsSince(startedAt) });
      } catch (e) {
        const seconds = secondsSince(startedAt);
        if (isChannelError(e, 'licence_inactive')) {
          // The licence lapsed during the turn: hold the message like the gate would, to answer later.
          this.o.report?.({ kind: 'turn', result: 'held', seconds });
          if (sent.size > (entry.sent?.length ?? 0)) await this.o.inbox.recordSent(entry._id, sent);
          await this.o.inbox.holdConversation(conversationId);
          return false;
        }
        if (isChannelError(e) && e.final) {
          // Refused for good (a messaging rule, a media rule, WeCom's final answer): running the
          // turn again would be refused again, and would hold up the customer's next messages.
          this.o.logger.warn({ err: e, conversationId, msgid: entry.msgid }, 'turn ended with a final refusal; kept as refused, not retried');
          this.o.report?.({ kind: 'turn', result: 'refused', seconds });
          await this.o.inbox.markRefused(entry._id, describe(e));
          continue;
        }
        const transient = isTransient(e);
        const { status, failures } = await this.o.inbox.recordFailure(entry, describe(e), { transient, maxAttempts: this.o.maxTurnAttempts, sent });
        this.o.report?.({ kind: 'turn', result: status === 'failed' ? 'failed' : 'retry', seconds });
        if (status === 'failed') {
          this.o.logger.error({ err: e, conversationId, msgid: entry.msgid }, 'turn failed on every attempt; the message is parked as failed in the inbox');
          continue;
        }
        this.o.logger.warn({ err: e, conversationId, msgid: entry.msgid, failures, transient }, 'turn failed; retrying later');
        this.retryLater(conversationId, failures, transient);
        return true;
      }
    }
    return false;
  }

  private retryLater(conversationId: string, attempt: number, transient: boolean): void {
    // An outage (WeCom or the store unreachable) is waited out for as long as it lasts, up to 5
    // minutes between tries; a bot that throws is retried quicker and parked after maxTurnAttempts.
    const cap = transient ? 300_000 : 30_000;
    const delay = Math.min(cap, this.o.retryDelayMs * 2 ** Math.min(attempt - 1, 20));
    clearTimeout(this.retryTimers.get(conversationId));
    const timer = setTimeout(() => {
      this.retryTimers.delete(conversationId);
      this.dispatch(conversationId);
    }, delay);
    timer.unref();
    this.retryTimers.set(conversationId, timer);
  }

  private logFailure(conversationId: string): (e: unknown) => void {
    return (e) => this.o.logger.error({ err: e, conversationId }, 'dispatching a conversation failed; the sweep retries it');
  }
}

function describe(e: unknown): string {
  if (isChannelError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** A pull in flight for one account. */
interface PullState {
  /** A callback came meanwhile: go round again. */
  again: boolean;
  done: Promise<void>;
  /** Set while the pull waits for its pages to be stored: a callback then fetches the next page at once. */
  onAgain?: () => void;
}
