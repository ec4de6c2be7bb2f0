import { isChannelError } from '../common/errors';
import type { Logger } from '../common/logger';
import type { LeaseRepository, Store } from '../store';
import { WeComApiError } from '../wecom/errors';
import type { WeComClient } from '../wecom/client';
import { kfMessageParties } from '../wecom/kfMessages';
import { accountConversationIdOf, conversationIdOf } from './conversationId';
import type { CursorRepository } from './cursorRepository';
import type { InboxEntry, InboxRepository } from './inboxRepository';
import { TurnScheduler } from './turnScheduler';

/** Decides whether a corp's customer traffic may reach the bot now (the licence gate plugs in here). */
export interface InboundGate {
  admits(corpId: string): Promise<boolean>;
}

export interface InboundPipelineOptions {
  readonly store: Store;
  readonly inbox: InboxRepository;
  readonly cursors: CursorRepository;
  readonly leases: LeaseRepository;
  readonly clientFor: (corpId: string) => WeComClient;
  readonly runTurn: (entry: InboxEntry) => Promise<void>;
  readonly logger: Logger;
  /** Identifies this process in leases. */
  readonly instanceId: string;
  /** On the very first pull of an account, older messages are skipped rather than replayed. */
  readonly backfillMs: number;
  readonly turnConcurrency: number;
  readonly maxTurnAttempts: number;
  /** First retry delay of a failed turn; doubles each attempt (capped at 30 s). */
  readonly retryDelayMs: number;
  readonly leaseTtlMs: number;
  readonly gate?: InboundGate;
}

/** WeCom's sync token lives 10 minutes; stop using it a little before. */
const SYNC_TOKEN_TTL_MS = 9 * 60_000;

/**
 * WeCom → inbox → turns. One puller per (corp, open_kfid) across instances (a store lease); every
 * pulled message is in the inbox before the cursor moves; turns run in order per conversation and
 * in parallel across conversations; a failed turn is retried; nothing is dropped.
 */
export class InboundPipeline {
  private readonly scheduler: TurnScheduler;
  /** Accounts being pulled by this process, and whether another callback came meanwhile. */
  private readonly pulling = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly o: InboundPipelineOptions) {
    this.scheduler = new TurnScheduler(o.turnConcurrency);
  }

  /** A callback said there is something to pull. Resolves when the pull (not the turns) is done. */
  async notify(corpId: string, openKfId: string, syncToken?: string): Promise<void> {
    if (this.closed) return;
    await this.o.cursors.wake(corpId, openKfId, syncToken);
    const key = `${corpId}:${openKfId}`;
    const running = this.pulling.get(key);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = this.pullWhileWoken(corpId, openKfId, state).finally(() => this.pulling.delete(key));
    this.pulling.set(key, state);
    return state.done;
  }

  /** Pulls every known account (a missed callback is caught here) and restarts stranded turns. */
  async sweep(corpIds: readonly string[]): Promise<void> {
    const accounts = await this.o.cursors.accounts();
    await Promise.all(accounts.filter((a) => corpIds.includes(a.corpId)).map((a) => this.notify(a.corpId, a.openKfId)));
    await this.recover(corpIds);
  }

  /** Dispatches conversations that have pending entries (after a crash or a lost lease). */
  async recover(corpIds: readonly string[]): Promise<void> {
    for (const corpId of corpIds) {
      for (const conversationId of await this.o.inbox.conversationsWith('pending', corpId)) this.dispatch(conversationId);
    }
  }

  /** Held messages of a corp go to the bot, in order (its licence became valid). */
  async releaseHeld(corpId: string): Promise<void> {
    const conversations = await this.o.inbox.conversationsWith('held', corpId);
    await this.o.inbox.releaseHeld(corpId);
    for (const conversationId of conversations) this.dispatch(conversationId);
  }

  /** Queues a conversation's pending turns. Several calls for one conversation coalesce in order. */
  dispatch(conversationId: string): void {
    if (this.closed) return;
    // A run queued behind a running one looks for pending entries again when its turn comes.
    this.scheduler.run(conversationId, () => this.drainConversation(conversationId)).catch(this.logFailure(conversationId));
  }

  /** Runs a job in the conversation's queue (e.g. a handoff.status turn after the current one). */
  enqueue(conversationId: string, job: () => Promise<void>): Promise<void> {
    return this.scheduler.run(conversationId, job);
  }

  /** Waits for queued turns and pulls; then nothing new starts. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    await Promise.all([...this.pulling.values()].map((p) => p.done.catch(() => undefined)));
    await this.scheduler.idle();
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

  private async pullWhileWoken(corpId: string, openKfId: string, state: { again: boolean }): Promise<void> {
    const leaseName = `sync:${corpId}:${openKfId}`;
    const lease = await this.o.leases.acquire(leaseName, this.o.instanceId, this.o.leaseTtlMs);
    if (!lease) {
      // Another instance pulls this account; the wake-up we stored tells it to go round again.
      this.o.logger.debug({ corpId, openKfId }, 'another instance holds the sync lease');
      return;
    }
    try {
      for (;;) {
        state.again = false;
        const wakeupsBefore = (await this.o.cursors.get(corpId, openKfId))?.wakeups ?? 0;
        const touched = await this.pull(corpId, openKfId, leaseName);
        for (const conversationId of touched) this.dispatch(conversationId);
        const wakeupsAfter = (await this.o.cursors.get(corpId, openKfId))?.wakeups ?? 0;
        if (!state.again && wakeupsAfter === wakeupsBefore) break;
      }
    } catch (e) {
      this.o.logger.error({ err: e, corpId, openKfId }, 'pulling kf messages failed; the next callback or sweep tries again');
    } finally {
      await this.o.leases.release(leaseName, this.o.instanceId).catch(() => undefined);
    }
  }

  /** Pulls pages until has_more is 0. Each page's messages are in the inbox before its cursor is saved. */
  private async pull(corpId: string, openKfId: string, leaseName: string): Promise<Set<string>> {
    const client = this.o.clientFor(corpId);
    const doc = await this.o.cursors.get(corpId, openKfId);
    const now = this.o.store.clock.now();
    const firstPull = !doc?.cursor;
    let token = doc?.syncToken && doc.syncTokenAt !== undefined && now - doc.syncTokenAt < SYNC_TOKEN_TTL_MS ? doc.syncToken : undefined;
    let cursor = doc?.cursor || undefined;
    let seq = doc?.seq ?? 0;
    const touched = new Set<string>();
    let skipped = 0;
    for (;;) {
      let page;
      try {
        page = await client.syncMsg({ open_kfid: openKfId, cursor, token, limit: 1000 });
      } catch (e) {
        if (e instanceof WeComApiError && e.errcode === 95007 && token) {
          token = undefined; // stale sync token: go on without one (WeCom allows a few such calls a minute)
          continue;
        }
        throw e;
      }
      for (const msg of page.msg_list) {
        seq++;
        if (firstPull && msg.send_time * 1000 < now - this.o.backfillMs) {
          skipped++;
          continue;
        }
        const parties = kfMessageParties(msg);
        const kf = parties.openKfId ?? openKfId;
        const conversationId = parties.externalUserId
          ? conversationIdOf({ corpId, openKfId: kf, externalUserId: parties.externalUserId })
          : accountConversationIdOf({ corpId, openKfId: kf });
        const added = await this.o.inbox.add({ corpId, openKfId: kf, conversationId, msgid: msg.msgid, seq, sendTime: msg.send_time, status: 'pending', message: msg });
        if (added) touched.add(conversationId);
      }
      if (page.next_cursor) cursor = page.next_cursor;
      await this.o.cursors.save(corpId, openKfId, cursor ?? '', seq);
      await this.o.leases.renew(leaseName, this.o.instanceId, this.o.leaseTtlMs);
      if (!page.has_more) break;
    }
    if (skipped > 0) this.o.logger.info({ corpId, openKfId, skipped }, 'first pull: skipped messages older than the backfill window');
    return touched;
  }

  /** Runs the conversation's pending entries in order, under a lease so only one instance does. */
  private async drainConversation(conversationId: string): Promise<void> {
    const leaseName = `turns:${conversationId}`;
    const lease = await this.o.leases.acquire(leaseName, this.o.instanceId, this.o.leaseTtlMs);
    if (!lease) return; // another instance is running this conversation's turns
    const renew = setInterval(() => {
      void this.o.leases.renew(leaseName, this.o.instanceId, this.o.leaseTtlMs).catch(() => undefined);
    }, Math.max(1000, this.o.leaseTtlMs / 3));
    renew.unref();
    try {
      while (!this.closed) {
        const entry = await this.o.inbox.next(conversationId);
        if (!entry) return;
        if (this.o.gate && !(await this.o.gate.admits(entry.corpId))) {
          await this.o.inbox.holdConversation(conversationId);
          return;
        }
        try {
          await this.o.runTurn(entry);
          await this.o.inbox.markDone(entry._id);
        } catch (e) {
          const status = await this.o.inbox.recordFailure(entry._id, describe(e), this.o.maxTurnAttempts);
          if (status === 'failed') {
            this.o.logger.error({ err: e, conversationId, msgid: entry.msgid }, 'turn failed on every attempt; the message is parked as failed in the inbox');
            continue;
          }
          this.o.logger.warn({ err: e, conversationId, msgid: entry.msgid, attempt: entry.attempts + 1 }, 'turn failed; retrying later');
          this.retryLater(conversationId, entry.attempts + 1);
          return;
        }
      }
    } finally {
      clearInterval(renew);
      await this.o.leases.release(leaseName, this.o.instanceId).catch(() => undefined);
    }
  }

  private retryLater(conversationId: string, attempt: number): void {
    const delay = Math.min(30_000, this.o.retryDelayMs * 2 ** (attempt - 1));
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.dispatch(conversationId);
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }

  private logFailure(conversationId: string): (e: unknown) => void {
    return (e) => this.o.logger.error({ err: e, conversationId }, 'dispatching a conversation failed; the sweep retries it');
  }
}

function describe(e: unknown): string {
  if (isChannelError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
