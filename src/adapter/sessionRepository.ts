import type { Collection, Store } from '../store';
import { KfServiceState } from '../wecom/kfMessages';

/** Who holds a customer's session, as last learned from our own `trans` calls and WeCom's events. */
export interface SessionDoc {
  _id: string;
  state: KfServiceState;
  servicerUserId?: string;
  updatedAt: Date;
}

/**
 * Session state per conversation. The bot must stay silent while a human serves (state 2 or 3):
 * WeCom would refuse with 95018 anyway, and the agent owns the conversation.
 */
export class SessionRepository {
  private readonly sessions: Collection<SessionDoc>;

  constructor(private readonly store: Store) {
    this.sessions = store.collection<SessionDoc>('kf_sessions');
  }

  async get(conversationId: string): Promise<SessionDoc | null> {
    return this.sessions.findOne({ _id: conversationId });
  }

  /** Records a state; returns the previous one (New when unknown). */
  async set(conversationId: string, state: KfServiceState, servicerUserId?: string): Promise<KfServiceState> {
    const before = await this.sessions.findOneAndUpdate(
      { _id: conversationId },
      { $set: { state, updatedAt: new Date(this.store.clock.now()), ...(servicerUserId ? { servicerUserId } : {}) }, ...(servicerUserId ? {} : { $unset: { servicerUserId: '' } }) },
      { upsert: true, returnDocument: 'before' },
    );
    return before?.state ?? KfServiceState.New;
  }
}

/** Whether a human (or the queue for one) holds the session. */
export const humanHolds = (state: KfServiceState | undefined): boolean => state === KfServiceState.Queued || state === KfServiceState.Human;
