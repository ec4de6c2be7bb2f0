import { ActivityTypes, type CoreAccount, type CoreActivity, type CoreAttachment, type CoreConversation, type CoreEntity, WECOM_CHANNEL_ID } from './activity';
import { type ActivityStamp, nonEmpty, stampOf, systemStamp } from './channelEvents';

/**
 * The handoff event names of botbuilder's convention (its `HandoffEventNames`), which both shells
 * speak: the Agents SDK has no handoff events of its own.
 */
export const HandoffEventNames = {
  /** The bot asks for a human: `value` `{ servicerUserId? }` on WeCom kf. */
  InitiateHandoff: 'handoff.initiate',
  /** The channel tells the bot how a handoff went: `value` {@link HandoffStatusValue}. */
  HandoffStatus: 'handoff.status',
} as const;

/** How a handoff went: WeCom moved the session, refused to, or the human ended it. */
export type HandoffState = 'accepted' | 'failed' | 'completed';

/** `value` of a `handoff.status` event; `message` says why a handoff failed. */
export interface HandoffStatusValue {
  state: HandoffState;
  message?: string;
}

/** A `handoff.status` event, shaped as botbuilder's `EventFactory.createHandoffStatus` makes it. */
export interface HandoffStatusActivity {
  type: typeof ActivityTypes.Event;
  name: typeof HandoffEventNames.HandoffStatus;
  value: HandoffStatusValue;
  id: string;
  timestamp: Date;
  conversation: CoreConversation;
  attachments: CoreAttachment[];
  entities: CoreEntity[];
}

/**
 * A `handoff.status` event for `conversation`, with the fields botbuilder's
 * `EventFactory.createHandoffStatus(conversation, state, message)` gives (`localTimezone` aside:
 * the timestamp is UTC). `id` and `timestamp` come from `stamp`. Not yet addressed: the channel
 * gives it `from`, `recipient`, `channelId` and `serviceUrl` (see `addressLike`) before a bot sees it.
 *
 * @example
 * handoffStatusActivity({ id: 'ww1:wk1:wm1' }, 'failed', '95019: the servicer is not receiving', stamp)
 * // { type: 'event', name: 'handoff.status', value: { state: 'failed', message: '95019: …' },
 * //   id: 'ev-1', timestamp: Date, conversation: { id: 'ww1:wk1:wm1' }, attachments: [], entities: [] }
 */
export function handoffStatusActivity(conversation: CoreConversation, state: HandoffState, message?: string, stamp: ActivityStamp = systemStamp): HandoffStatusActivity {
  const { id, timestamp } = stampOf(stamp);
  return { type: ActivityTypes.Event, name: HandoffEventNames.HandoffStatus, value: { state, message }, id, timestamp, conversation, attachments: [], entities: [] };
}

/** Where a `handoff.initiate` event comes from, as botbuilder's `TurnContext.getConversationReference` gives it. */
export interface HandoffReference {
  activityId?: string;
  user?: CoreAccount;
  /** botbuilder's name for the bot's account. */
  bot?: CoreAccount;
  /** The Agents SDK's name for the same account. */
  agent?: CoreAccount;
  conversation: CoreConversation;
  channelId: string;
  locale?: string;
  serviceUrl?: string;
}

/** A `handoff.initiate` event, shaped as botbuilder's `EventFactory.createHandoffInitiation` makes it. */
export interface HandoffInitiateActivity {
  type: typeof ActivityTypes.Event;
  name: typeof HandoffEventNames.InitiateHandoff;
  value: unknown;
  id: string;
  timestamp: Date;
  conversation?: CoreConversation;
  attachments: CoreAttachment[];
  entities: CoreEntity[];
  from?: CoreAccount;
  relatesTo?: HandoffReference;
  replyToId?: string;
  serviceUrl?: string;
  channelId: string;
}

/**
 * A `handoff.initiate` event answering the turn's activity `source`, with the fields botbuilder's
 * `EventFactory.createHandoffInitiation(context, handoffContext, transcript)` gives: for bots of
 * the Microsoft 365 Agents SDK, which has no handoff builder. On WeCom kf, `handoffContext` is
 * `{ servicerUserId }` (a named servicer) or `{}` (WeCom's queue). Fields the source leaves empty
 * are left out, so the Agents SDK's validation accepts the event.
 *
 * @example
 * // Agents SDK bot:
 * import { Activity } from '@microsoft/agents-activity';
 * await context.sendActivity(Activity.fromObject(handoffInitiateActivity(context.activity, { servicerUserId: 'zhangsan' })));
 */
export function handoffInitiateActivity(source: CoreActivity, handoffContext: unknown = {}, transcript?: unknown, stamp: ActivityStamp = systemStamp): HandoffInitiateActivity {
  const { id, timestamp } = stampOf(stamp);
  const conversation = source.conversation;
  const channelId = nonEmpty(source.channelId) ?? WECOM_CHANNEL_ID;
  const replyToId = nonEmpty(source.id);
  const serviceUrl = nonEmpty(source.serviceUrl);
  const locale = nonEmpty(source.locale);
  const relatesTo: HandoffReference | undefined = conversation && {
    ...(replyToId === undefined ? {} : { activityId: replyToId }),
    ...(source.from ? { user: { ...source.from } } : {}),
    ...(source.recipient ? { bot: { ...source.recipient }, agent: { ...source.recipient } } : {}),
    conversation: { ...conversation },
    channelId,
    ...(locale === undefined ? {} : { locale }),
    ...(serviceUrl === undefined ? {} : { serviceUrl }),
  };
  return {
    type: ActivityTypes.Event,
    name: HandoffEventNames.InitiateHandoff,
    value: handoffContext,
    id,
    timestamp,
    ...(conversation ? { conversation } : {}),
    attachments: !transcript ? [] : [{ content: transcript, contentType: 'application/json', name: 'Transcript' }],
    entities: [],
    ...(source.from ? { from: source.from } : {}),
    ...(relatesTo ? { relatesTo } : {}),
    ...(replyToId === undefined ? {} : { replyToId }),
    ...(serviceUrl === undefined ? {} : { serviceUrl }),
    channelId,
  };
}
