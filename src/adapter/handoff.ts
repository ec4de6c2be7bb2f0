import {
  type ActivityStamp, ActivityTypes, type AddressedActivity, addressLike, type CoreActivity, type HandoffState, handoffStatusActivity,
  type ResourceId, systemStamp,
} from '../core';
import type { Logger } from '../common/logger';
import type { WeComClient } from '../wecom/client';
import { WeComApiError } from '../wecom/errors';
import { type KfMessage, KfServiceState } from '../wecom/kfMessages';
import { parseConversationId } from './conversationId';
import { humanHolds, type SessionRepository } from './sessionRepository';
import type { WeComActivity } from './toActivity';

/** Event name of customer messages that arrive while a human servicer holds the session. */
export const HANDOFF_MESSAGE_EVENT = 'wecom.handoffMessage';

export type { HandoffState };

export interface HandoffOptions {
  /** The kf client of the conversation's corp. */
  readonly clientFor: (corpId: string) => WeComClient;
  readonly sessions: SessionRepository;
  readonly logger: Logger;
  /** Runs an activity as a turn after the conversation's current one (never awaited from inside it). */
  readonly runLater: (conversationId: string, activity: AddressedActivity) => void;
  /** Where `handoff.status` events get their id and time. Default {@link systemStamp} (system clock, random UUIDs). */
  readonly stamp?: ActivityStamp;
}

/**
 * botbuilder's handoff convention on WeCom kf: `handoff.initiate` moves the session to a servicer or
 * WeCom's queue with `kf/service_state/trans`; the bot hears back through `handoff.status`; while a
 * human holds the session the customer's messages reach the bot as {@link HANDOFF_MESSAGE_EVENT}.
 */
export class Handoff {
  constructor(private readonly o: HandoffOptions) {}

  /** Moves the session to `value.servicerUserId`, or to the queue; reports the outcome as `handoff.status`. */
  async initiate(source: CoreActivity, activity: CoreActivity): Promise<ResourceId> {
    const conversationId = activity.conversation?.id ?? source.conversation?.id ?? '';
    const parties = parseConversationId(conversationId);
    const handoff = (activity.value ?? {}) as { servicerUserId?: unknown };
    const servicer = typeof handoff.servicerUserId === 'string' && handoff.servicerUserId ? handoff.servicerUserId : undefined;
    const target = servicer ? KfServiceState.Human : KfServiceState.Queued;
    let state: HandoffState = 'accepted';
    let message: string | undefined;
    try {
      const known = await this.o.sessions.get(conversationId);
      // A retried turn asks again: the session already moved, so WeCom would refuse (95016).
      const done = known?.state === target && (target === KfServiceState.Queued || known.servicerUserId === servicer);
      if (!done) {
        await this.o.clientFor(parties.corpId).transServiceState({ open_kfid: parties.openKfId, external_userid: parties.externalUserId, service_state: target, servicer_userid: servicer });
        await this.o.sessions.set(conversationId, target, servicer);
      }
    } catch (e) {
      state = 'failed';
      message = e instanceof WeComApiError ? `${e.errcode}: ${e.hint}` : (e as Error).message;
      this.o.logger.warn({ err: e, conversationId }, 'handoff refused');
    }
    this.o.runLater(conversationId, this.statusActivity(source, state, message));
    return { id: activity.id ?? '' };
  }

  /**
   * Applies what an inbound kf message says about the session before its turn runs, and returns
   * the activity the bot should see: a customer message becomes {@link HANDOFF_MESSAGE_EVENT} while
   * a human holds the session; a servicer ending the session is followed by `handoff.status` completed.
   */
  async beforeTurn(conversationId: string, message: KfMessage, activity: WeComActivity): Promise<WeComActivity> {
    const data = activity.channelData;
    const { sessions } = this.o;
    if (data.origin === 3 && message.msgtype !== 'event') {
      const state = await this.stateForCustomerMessage(conversationId);
      if (!humanHolds(state)) return activity;
      return { ...activity, type: ActivityTypes.Event, name: HANDOFF_MESSAGE_EVENT, value: { text: activity.text, attachments: activity.attachments, value: activity.value } };
    }
    if (data.origin === 5) {
      await sessions.set(conversationId, KfServiceState.Human, data.servicerUserId);
    } else if (message.msgtype === 'event' && message.event.event_type === 'session_status_change') {
      const ev = message.event;
      const next = ev.change_type === 3 ? KfServiceState.Ended : KfServiceState.Human;
      const before = await sessions.set(conversationId, next, ev.new_servicer_userid);
      if (next === KfServiceState.Ended && humanHolds(before)) this.o.runLater(conversationId, this.statusActivity(activity, 'completed'));
    }
    return activity;
  }

  /** A `handoff.status` event for the conversation of `source`, addressed like the turn it answers. */
  private statusActivity(source: CoreActivity, state: HandoffState, message?: string): AddressedActivity {
    return addressLike(handoffStatusActivity(source.conversation ?? {}, state, message, this.o.stamp ?? systemStamp), source);
  }

  /** A customer wrote: an ended session starts anew; a session we think a human holds is checked with WeCom. */
  private async stateForCustomerMessage(conversationId: string): Promise<KfServiceState | undefined> {
    const { sessions } = this.o;
    const known = await sessions.get(conversationId);
    if (!known) return undefined;
    if (known.state === KfServiceState.Ended) {
      await sessions.set(conversationId, KfServiceState.New);
      return KfServiceState.New;
    }
    if (!humanHolds(known.state)) return known.state;
    try {
      const parties = parseConversationId(conversationId);
      const live = await this.o.clientFor(parties.corpId).getServiceState({ open_kfid: parties.openKfId, external_userid: parties.externalUserId });
      if (live.service_state !== known.state) await sessions.set(conversationId, live.service_state, live.servicer_userid);
      return live.service_state;
    } catch (e) {
      this.o.logger.warn({ err: e, conversationId }, 'could not confirm the session state; assuming a human still holds it');
      return known.state;
    }
  }
}

