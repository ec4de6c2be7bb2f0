/**
 * The activity shapes the channel's core speaks, with no framework behind them. botbuilder's and the
 * Microsoft 365 Agents SDK's activities and turn contexts both fit these structurally, so one core
 * serves both shells (see docs/design/agents-sdk.md).
 *
 * Rules for core code: read activity fields by name; never spread or serialise a framework's
 * activity object (the Agents SDK's `channelId` is an accessor, lost by `{...activity}`); build new
 * plain objects; treat `timestamp` as `Date | string`.
 */

/** The activity types the core uses (botbuilder's and the Agents SDK's enums have these values). */
export const ActivityTypes = {
  Message: 'message',
  Event: 'event',
  ConversationUpdate: 'conversationUpdate',
  MessageDelete: 'messageDelete',
  Typing: 'typing',
  Trace: 'trace',
  Handoff: 'handoff',
  Delay: 'delay',
  EndOfConversation: 'endOfConversation',
} as const;

/** Card action types (the values of botbuilder's and the Agents SDK's `ActionTypes`). */
export const ActionTypes = {
  OpenUrl: 'openUrl',
  ImBack: 'imBack',
  PostBack: 'postBack',
  MessageBack: 'messageBack',
  Call: 'call',
  Signin: 'signin',
  DownloadFile: 'downloadFile',
  ShowImage: 'showImage',
  PlayAudio: 'playAudio',
  PlayVideo: 'playVideo',
} as const;

/** `channelId` of every activity this channel produces. */
export const WECOM_CHANNEL_ID = 'wecom';

/** An account as the core reads it (from, recipient, a member). */
export interface CoreAccount {
  id?: string;
  name?: string;
  role?: string;
  aadObjectId?: string;
  properties?: unknown;
}

/** A conversation as the core reads it. */
export interface CoreConversation {
  id?: string;
  name?: string;
  isGroup?: boolean;
  conversationType?: string;
  tenantId?: string;
}

/** An attachment as both frameworks carry it. */
export interface CoreAttachment {
  contentType: string;
  contentUrl?: string;
  content?: unknown;
  name?: string;
  thumbnailUrl?: string;
}

/** An entity (mentions, places, schema.org things). */
export interface CoreEntity {
  type: string;
  [key: string]: unknown;
}

/** A card action (suggested actions, card buttons). */
export interface CoreCardAction {
  type: string;
  title?: string;
  value?: unknown;
  text?: string;
  displayText?: string;
  image?: string;
}

/** What the core READS: outgoing activities and the turn's activity. Every framework's activity fits. */
export interface CoreActivity {
  type?: string;
  id?: string;
  name?: string;
  text?: string;
  textFormat?: string;
  value?: unknown;
  locale?: string;
  channelId?: string;
  serviceUrl?: string;
  timestamp?: Date | string;
  replyToId?: string;
  speak?: string;
  summary?: string;
  inputHint?: string;
  from?: CoreAccount;
  recipient?: CoreAccount;
  conversation?: CoreConversation;
  membersAdded?: CoreAccount[];
  membersRemoved?: CoreAccount[];
  attachments?: CoreAttachment[];
  attachmentLayout?: string;
  entities?: CoreEntity[];
  suggestedActions?: { to?: string[]; actions: CoreCardAction[] };
  channelData?: unknown;
}

/** An account the core produces: id and name always present, the id never empty. */
export interface Account {
  id: string;
  name: string;
  role?: string;
  /** Channel-specific facts about the account, e.g. `{ wecomRole: 'servicer' }`. */
  properties?: unknown;
}

/**
 * What the core PRODUCES inbound: complete for botbuilder's `Activity` type and valid under the
 * Agents SDK's validation (no empty strings anywhere: `Activity.fromObject` refuses them).
 */
export interface InboundCoreActivity {
  type: string;
  id: string;
  channelId: string;
  timestamp: Date;
  serviceUrl: string;
  locale?: string;
  localTimestamp?: Date;
  text?: string;
  textFormat?: string;
  name?: string;
  value?: unknown;
  replyToId?: string;
  from: Account;
  recipient: Account;
  membersAdded?: Account[];
  conversation: { id: string; name?: string; isGroup: boolean; conversationType: string; tenantId?: string };
  attachments?: CoreAttachment[];
  entities?: CoreEntity[];
  channelData: object;
}

/** A conversation the core produces: its name never empty (WeCom gives chats no title: the id stands in). */
export interface NamedConversation {
  id: string;
  name: string;
  isGroup: boolean;
  conversationType: string;
  tenantId?: string;
}

/**
 * An {@link InboundCoreActivity} whose conversation carries a name. Everything the channel raises
 * or maps is one: valid for the Agents SDK's `Activity.fromObject` and, with the name, also a
 * complete botbuilder `Partial<Activity>` (its `ConversationAccount` wants `name`), so neither
 * shell needs a cast.
 */
export interface AddressedActivity extends InboundCoreActivity {
  conversation: NamedConversation;
}

/** The turn state both frameworks keep per turn (a Map underneath; our keys are symbols). */
export interface CoreTurnState {
  get(key: unknown): unknown;
  set(key: unknown, value: unknown): unknown;
}

/** What the core needs of a turn: botbuilder's and the Agents SDK's `TurnContext` both fit. */
export interface CoreTurn {
  readonly activity: CoreActivity;
  readonly turnState: CoreTurnState;
}

/**
 * A rule that runs on every turn (the licence gate, the media rules, the conversation window):
 * structurally a middleware of both botbuilder and the Agents SDK, so both shells `use()` the same
 * instances.
 */
export interface TurnRule {
  onTurn(turn: CoreTurn, next: () => Promise<void>): Promise<void>;
}

/** What a send answers: WeCom's msgid, or `''` when nothing went out (typing, trace...). */
export interface ResourceId {
  id: string;
}
