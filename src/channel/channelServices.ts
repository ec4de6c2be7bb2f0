import type { Logger } from '../common/logger';
import type { ActivityStamp, InboundCoreActivity } from '../core';
import { KeyValueRepository, LeaseRepository, openStore, type Store } from '../store';
import type { CachedToken } from '../wecom/tokenCache';
import type { WeComClient } from '../wecom/client';
import type { ResolvedAdapterOptions } from '../adapter/adapterOptions';
import { parseConversationId } from '../adapter/conversationId';
import type { CorpDirectory } from '../adapter/corpDirectory';
import { CursorRepository } from '../adapter/cursorRepository';
import { type CachedCustomerName, CustomerNames } from '../adapter/customerNames';
import { Handoff } from '../adapter/handoff';
import { InboundPipeline } from '../adapter/inboundPipeline';
import { type InboxEntry, InboxRepository } from '../adapter/inboxRepository';
import type { ReportOperation } from '../adapter/operationEvents';
import { OutboxRepository } from '../adapter/outboxRepository';
import { ReplySender } from '../adapter/replySender';
import { SessionRepository } from '../adapter/sessionRepository';

/** What the channel opens on first use (see {@link WeComChannelCore.ready}). */
export interface ChannelServices {
  readonly store: Store;
  readonly inbox: InboxRepository;
  readonly sessions: SessionRepository;
  readonly pipeline: InboundPipeline;
  readonly sender: ReplySender;
  readonly tokens: KeyValueRepository<CachedToken>;
  readonly handoff: Handoff;
  /** The customer-name lookups of a corp. */
  readonly names: (corpId: string) => CustomerNames;
}

/** What the services need of the channel that opens them. */
export interface ChannelWiring {
  readonly options: ResolvedAdapterOptions;
  readonly logger: Logger;
  /** Provider mode's corps; undefined in self-built mode. */
  readonly directory?: CorpDirectory;
  readonly clientFor: (corpId: string) => WeComClient;
  readonly runInboxTurn: (entry: InboxEntry, sent: Map<string, string>) => Promise<void>;
  readonly runLater: (conversationId: string, activity: InboundCoreActivity) => void;
  readonly report: ReportOperation;
  readonly stamp: ActivityStamp;
}

/** Opens the store (unless one was given), creates the repositories' indexes and wires the pipeline, sender and handoff. */
export async function openChannelServices(w: ChannelWiring): Promise<ChannelServices> {
  const { options: o, logger, directory, clientFor, report } = w;
  const store = o.store ?? (await openStore({ mongodbUri: o.mongodbUri, mongodbDb: o.mongodbDb, dataDir: o.dataDir, clock: o.clock, logger }));
  const inbox = new InboxRepository(store);
  const cursors = new CursorRepository(store);
  const outbox = new OutboxRepository(store);
  const sessions = new SessionRepository(store);
  const leases = new LeaseRepository(store);
  const tokens = new KeyValueRepository<CachedToken>(store, 'kf_tokens');
  // Provider mode: only corps with an active authorisation, and only the kf accounts they granted
  // the app, get their traffic to the bot; the rest is held (never dropped) until the corp
  // authorises the app again and grants the account again.
  const gate = directory
    ? { admits: async (corpId: string, openKfId?: string) => (await directory.serves(corpId, openKfId)) && (!o.gate || (await o.gate.admits(corpId, openKfId))) }
    : o.gate;
  const nameCache = new KeyValueRepository<CachedCustomerName>(store, 'kf_customer_names');
  await Promise.all([inbox.init(), outbox.init(), tokens.init(), nameCache.init()]);
  const pipeline = new InboundPipeline({
    store, inbox, cursors, leases, logger, instanceId: o.instanceId, clientFor,
    runTurn: (entry, sent) => w.runInboxTurn(entry, sent),
    backfillMs: o.backfillMs, turnConcurrency: o.turnConcurrency, maxTurnAttempts: o.maxTurnAttempts,
    retryDelayMs: o.retryDelayMs, pullRetryBaseMs: o.pullRetryBaseMs, leaseTtlMs: 30_000, gate, observer: o.observer, report,
  });
  const sender = new ReplySender({
    clientFor, outbox, sessions, logger, clock: store.clock,
    duplicateMsgidErrcodes: new Set(o.duplicateMsgidErrcodes), maxAttachmentBytes: 20 * 1024 * 1024 + 1, attachmentTimeoutMs: 15_000, sendAttempts: 3, report,
  });
  const handoff = new Handoff({ clientFor, sessions, logger, runLater: w.runLater, stamp: w.stamp });
  // One per corp: batchget asks one corp about its own customers.
  const namesByCorp = new Map<string, CustomerNames>();
  const names = (corpId: string): CustomerNames => {
    let n = namesByCorp.get(corpId);
    if (!n) {
      n = new CustomerNames({
        corpId, client: () => clientFor(corpId), cache: nameCache, clock: store.clock, logger,
        fallback: o.customerNameFallback, enabled: o.lookupCustomerNames,
        waitingCustomers: async () => (await inbox.conversationsWith('pending', corpId)).flatMap((id) => {
          try {
            return [parseConversationId(id).externalUserId];
          } catch {
            return []; // an account-wide conversation (servicer events) has no customer
          }
        }),
      });
      namesByCorp.set(corpId, n);
    }
    return n;
  };
  return { store, inbox, sessions, pipeline, sender, tokens, handoff, names };
}
