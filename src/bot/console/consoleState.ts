import type { InboxStatus } from '../../adapter';
import { parseConversationId } from '../../adapter';
import type { LicenceStatusView, LicensingService } from '../../licensing';
import { type LockedReason, WindowRepository } from '../../middleware';
import type { Store } from '../../store';
import type { WeComAdapter } from '../../botbuilder';

/** Who serves a conversation, in words (WeCom's service_state 0–4). */
export type ServedBy = 'new' | 'bot' | 'queued' | 'human' | 'ended';
const servedBy: readonly ServedBy[] = ['new', 'bot', 'queued', 'human', 'ended'];

/** A conversation as the agent view lists it. Times are ISO 8601 UTC. */
export interface ConversationSummary {
  id: string;
  corpId: string;
  openKfId: string;
  customer: string;
  servedBy: ServedBy;
  servicer?: string;
  lastCustomerMessageAt: string | null;
  window: { open: boolean; repliesLeft: number; closesAt: string | null; lockedReason?: LockedReason; lockedAt?: string };
}

/** Everything the console's views show, read in one go (the page refetches it on each live event). */
export interface ConsoleSnapshot {
  mode: string;
  sandbox: boolean;
  /** The app's clock (the test clock when one runs). */
  now: string;
  testClock: boolean;
  corps: LicenceStatusView[];
  inbox: Record<Exclude<InboxStatus, 'done'>, number>;
  conversations: ConversationSummary[];
}

// The adapter's own collections, read (never written) for the lists: the repositories answer one
// conversation at a time and have no "list" of their own.
interface WindowListDoc { _id: string; lastCustomerMessageAt: number }
interface SessionListDoc { _id: string; state: number; servicerUserId?: string }
interface LicenceListDoc { _id: string }

/** How many conversations the agent view lists (the newest customer messages first). */
export const CONVERSATION_LIST_LIMIT = 100;

export async function readSnapshot(o: { adapter: WeComAdapter; mode: string; sandbox: boolean; testClock: boolean }): Promise<ConsoleSnapshot> {
  const store = await o.adapter.store();
  const licensing = await o.adapter.licensing();
  const now = store.clock.now();
  const [corps, inbox, conversations] = await Promise.all([readCorps(store, licensing, o.adapter.corpId), o.adapter.inboxCounts(), readConversations(store, now)]);
  return { mode: o.mode, sandbox: o.sandbox, now: new Date(now).toISOString(), testClock: o.testClock, corps, inbox, conversations };
}

async function readCorps(store: Store, licensing: LicensingService, ownCorp: string): Promise<LicenceStatusView[]> {
  const known = await store.collection<LicenceListDoc>('licences').find({}, { limit: 200 });
  const ids = [...new Set([ownCorp, ...known.map((d) => d._id)])].sort();
  return Promise.all(ids.map((id) => licensing.status(id)));
}

async function readConversations(store: Store, now: number): Promise<ConversationSummary[]> {
  const windows = new WindowRepository(store);
  const [docs, sessions] = await Promise.all([
    store.collection<WindowListDoc>('conversationWindows').find({}, { sort: { lastCustomerMessageAt: -1 }, limit: CONVERSATION_LIST_LIMIT }),
    store.collection<SessionListDoc>('kf_sessions').find({}, { limit: 1000 }),
  ]);
  const sessionOf = new Map(sessions.map((s) => [s._id, s]));
  return Promise.all(docs.map(async (doc): Promise<ConversationSummary> => {
    const parties = parseConversationId(doc._id);
    const session = sessionOf.get(doc._id);
    const w = await windows.get(doc._id, now);
    return {
      id: doc._id,
      corpId: parties.corpId,
      openKfId: parties.openKfId,
      customer: parties.externalUserId,
      servedBy: servedBy[session?.state ?? 0] ?? 'new',
      ...(session?.servicerUserId ? { servicer: session.servicerUserId } : {}),
      lastCustomerMessageAt: iso(doc.lastCustomerMessageAt),
      window: {
        open: w.open, repliesLeft: w.repliesLeft, closesAt: iso(w.closesAt),
        ...(w.lockedReason ? { lockedReason: w.lockedReason } : {}),
        ...(w.lockedAt !== undefined ? { lockedAt: iso(w.lockedAt)! } : {}),
      },
    };
  }));
}

const iso = (ms: number | null | undefined): string | null => (typeof ms === 'number' ? new Date(ms).toISOString() : null);
