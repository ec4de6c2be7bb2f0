import { type Account, ActionTypes, ActivityTypes, type AddressedActivity, type CoreAttachment, type CoreEntity, nonEmpty, WECOM_CHANNEL_ID } from '../core';
import { kfMessageParties } from '../wecom/kfMessages';
import type { KfEvent, KfEventMessage, KfMenuItem, KfMessage, KfOrigin } from '../wecom/kfMessages';
import { accountConversationIdOf, conversationIdOf } from './conversationId';
import { sendFailReason } from './sendFailReasons';

export { WECOM_CHANNEL_ID };

/** Names of the `event` activities this channel produces. */
export const WeComEventNames = {
  /** A human servicer wrote to the customer from the WeCom client (origin 5); not customer input. */
  servicerMessage: 'wecom.servicerMessage',
  servicerRecall: 'wecom.servicerRecall',
  sessionStatus: 'wecom.sessionStatus',
  servicerStatus: 'wecom.servicerStatus',
  sendFailed: 'wecom.sendFailed',
  rejectSwitch: 'wecom.rejectSwitch',
  unknownEvent: 'wecom.unknownEvent',
} as const;
export type WeComEventName = (typeof WeComEventNames)[keyof typeof WeComEventNames];

/** Attachment content types of kf content that has no Bot Framework equivalent. */
export const WeComContentTypes = {
  /** Media not downloaded yet: content `{ mediaId, kind }`, fetchable with `media/get` for 3 days. */
  media: 'application/vnd.wecom.media',
  /** Media refused by the media rules: content {@link RejectedAttachmentContent}. */
  rejected: 'application/vnd.wecom.rejected-attachment',
  /** A msgtype this version does not know: content = the raw kf message. */
  unknown: 'application/vnd.wecom.unknown',
} as const;

/** `application/vnd.wecom.<msgtype>`, e.g. for `miniprogram` or `channels_shop_order`. */
export const wecomContentType = (msgtype: string): string => `application/vnd.wecom.${msgtype}`;

export type MediaKind = 'image' | 'voice' | 'video' | 'file';

/** What the pipeline learnt about an image/voice/video/file before the turn. */
export type InboundMedia =
  | { readonly status: 'ok'; readonly contentType: string; readonly name: string; readonly contentUrl: string; readonly size: number }
  /** `reason` `too-large` (with `limit`) is the media rules' own: the file was refused before it was downloaded whole. */
  | { readonly status: 'rejected'; readonly reason: string; readonly detectedType?: string; readonly size?: number; readonly limit?: number };

export interface InboundContext {
  readonly corpId: string;
  /** Attachment resolved by the pipeline before the turn (downloaded with media/get, type detected from the bytes), or refused by the media rules. Only for image/voice/video/file messages. */
  readonly media?: InboundMedia;
  /** `locale` of the activity (the adapter's `locale` option). Default none: WeCom does not tell the customer's language. */
  readonly locale?: string;
  /** The customer's WeChat nickname, shown as `from.name` (and in `membersAdded`). Default `''`. */
  readonly customerName?: string;
}

export interface RejectedAttachmentContent { readonly reason: string; readonly kind: MediaKind; readonly detectedType?: string; readonly size?: number; readonly limit?: number }
export interface PendingMediaContent { readonly mediaId: string; readonly kind: MediaKind }

/** `channelData` of every inbound activity. `kf` is always the raw kf message. */
export interface WeComChannelData {
  readonly corpId: string;
  readonly openKfId?: string;
  readonly externalUserId?: string;
  readonly origin: KfOrigin;
  readonly servicerUserId?: string;
  readonly kf: KfMessage;
  /** enter_session only. */
  readonly scene?: string;
  readonly sceneParam?: string;
  /** For `send_msg_on_event` (valid 20 s); present only when WeCom allows a welcome. */
  readonly welcomeCode?: string;
  readonly wechatChannels?: { readonly nickname?: string; readonly shop_nickname?: string; readonly scene?: number };
  /** Events mapped to `messageDelete`: the event's own msgid (the activity id is the recalled message's). */
  readonly eventMsgid?: string;
  /** When the message was sent, in ms on the adapter's clock (differs from `kf.send_time` only under a test clock). */
  readonly sentAt?: number;
  /** The channel of the kf account (set when the adapter has `channelOf` and the account is in a channel). */
  readonly channel?: { readonly id: string; readonly name: string };
  /** The department that handles the channel's chats. */
  readonly department?: string;
}

export type SessionChangeName = 'taken_from_queue' | 'transferred' | 'ended' | 'reopened' | 'unknown';
export interface SessionStatusValue { readonly changeType: number; readonly changeName: SessionChangeName; readonly oldServicerUserId?: string; readonly newServicerUserId?: string; readonly msgCode?: string }
export interface SendFailedValue { readonly failMsgid: string; readonly failType: number; readonly reason: string }
export interface ServicerStatusValue { readonly servicerUserId: string; readonly status: number; readonly statusName: 'receiving' | 'stopped' | 'unknown'; readonly stopType?: number; readonly stopTypeName?: 'stopped' | 'suspended' | 'unknown' }
export interface ServicerRecallValue { readonly recallMsgid: string; readonly servicerUserId: string }
export interface RejectSwitchValue { readonly servicerUserId: string; readonly rejectSwitch: number; readonly rejecting: boolean }
/** What a human servicer sent (origin 5), mapped as a customer message would be. */
export interface ServicerMessageValue { readonly text: string; readonly value?: string; readonly attachments: CoreAttachment[]; readonly entities?: CoreEntity[] }

/**
 * What a bot receives for a kf message or event: a plain activity, complete for botbuilder's
 * `Activity` type and valid for the Agents SDK's `Activity.fromObject` (no empty ids or names).
 */
export interface WeComActivity extends AddressedActivity {
  channelData: WeComChannelData;
}

const SESSION_CHANGES: Readonly<Record<number, SessionChangeName>> = { 1: 'taken_from_queue', 2: 'transferred', 3: 'ended', 4: 'reopened' };

/**
 * Maps one kf message or event to the activity a bot receives. Never throws: unknown types become
 * an `application/vnd.wecom.unknown` attachment or a `wecom.unknownEvent` event, raw kept.
 *
 * @example
 * toActivity({ msgid: 'm1', send_time: 1700000000, origin: 3, open_kfid: 'wk1', external_userid: 'wm1',
 *   msgtype: 'text', text: { content: '你好' } }, { corpId: 'ww1' })
 * // { type: 'message', id: 'm1', text: '你好', conversation: { id: 'ww1:wk1:wm1', … }, channelData: { kf: … }, … }
 */
export function toActivity(msg: KfMessage, ctx: InboundContext): WeComActivity {
  return msg.msgtype === 'event' ? eventActivity(msg, ctx) : messageActivity(msg, ctx);
}

type KfContentMessage = Exclude<KfMessage, KfEventMessage>;

function messageActivity(msg: KfContentMessage, ctx: InboundContext): WeComActivity {
  const parties = { openKfId: msg.open_kfid, externalUserId: msg.external_userid };
  const content = mapContent(msg, ctx);
  if (msg.origin === 5) {
    const servicerUserId = msg.servicer_userid ?? '';
    return {
      ...envelope(msg, ctx, parties, servicer(servicerUserId, parties, ctx), { servicerUserId }),
      type: ActivityTypes.Event,
      name: WeComEventNames.servicerMessage,
      value: { ...content, attachments: content.attachments ?? [] } satisfies ServicerMessageValue,
    };
  }
  return { ...envelope(msg, ctx, parties, customer(parties, ctx)), type: ActivityTypes.Message, textFormat: 'plain', ...content };
}

function eventActivity(msg: KfEventMessage, ctx: InboundContext): WeComActivity {
  const ev: KfEvent = msg.event;
  const parties = kfMessageParties(msg);
  const base = (from: Account, extra?: Partial<WeComChannelData>): Omit<WeComActivity, 'type'> => envelope(msg, ctx, parties, from, extra);
  const event = (from: Account, name: WeComEventName, value: unknown, extra?: Partial<WeComChannelData>): WeComActivity =>
    ({ ...base(from, extra), type: ActivityTypes.Event, name, value });
  const user = customer(parties, ctx);
  const servicerOf = (servicerUserId: string): Account => servicer(servicerUserId, parties, ctx);

  switch (ev.event_type) {
    case 'enter_session':
      return {
        ...base(user, { scene: ev.scene, sceneParam: ev.scene_param, welcomeCode: ev.welcome_code, wechatChannels: ev.wechat_channels }),
        type: ActivityTypes.ConversationUpdate,
        membersAdded: [user],
      };
    case 'user_recall_msg':
      // In Bot Framework a messageDelete's id is the id of the deleted message.
      return { ...base(user, { eventMsgid: msg.msgid }), type: ActivityTypes.MessageDelete, id: nonEmpty(ev.recall_msgid) ?? msg.msgid };
    case 'servicer_recall_msg':
      return event(servicerOf(ev.servicer_userid), WeComEventNames.servicerRecall,
        { recallMsgid: ev.recall_msgid, servicerUserId: ev.servicer_userid } satisfies ServicerRecallValue, { servicerUserId: ev.servicer_userid });
    case 'session_status_change':
      return event(user, WeComEventNames.sessionStatus, {
        changeType: ev.change_type,
        changeName: SESSION_CHANGES[ev.change_type] ?? 'unknown',
        oldServicerUserId: ev.old_servicer_userid,
        newServicerUserId: ev.new_servicer_userid,
        msgCode: ev.msg_code,
      } satisfies SessionStatusValue);
    case 'servicer_status_change':
      return event(servicerOf(ev.servicer_userid), WeComEventNames.servicerStatus, {
        servicerUserId: ev.servicer_userid,
        status: ev.status,
        statusName: ev.status === 1 ? 'receiving' : ev.status === 2 ? 'stopped' : 'unknown',
        stopType: ev.stop_type,
        stopTypeName: ev.stop_type === undefined ? undefined : ev.stop_type === 0 ? 'stopped' : ev.stop_type === 1 ? 'suspended' : 'unknown',
      } satisfies ServicerStatusValue, { servicerUserId: ev.servicer_userid });
    case 'msg_send_fail':
      return event(user, WeComEventNames.sendFailed,
        { failMsgid: ev.fail_msgid, failType: ev.fail_type, reason: sendFailReason(ev.fail_type) } satisfies SendFailedValue);
    case 'reject_customer_msg_switch_change':
      return event(servicerOf(ev.servicer_userid), WeComEventNames.rejectSwitch,
        { servicerUserId: ev.servicer_userid, rejectSwitch: ev.reject_switch, rejecting: ev.reject_switch === 1 } satisfies RejectSwitchValue,
        { servicerUserId: ev.servicer_userid });
    case 'unknown':
      return event(user, WeComEventNames.unknownEvent, ev.raw);
  }
}

function envelope(
  msg: KfMessage,
  ctx: InboundContext,
  parties: { openKfId?: string; externalUserId?: string },
  from: Account,
  extra?: Partial<WeComChannelData>,
): Omit<WeComActivity, 'type'> {
  const { corpId } = ctx;
  const { openKfId, externalUserId } = parties;
  const channelData: WeComChannelData = { corpId, openKfId, externalUserId, origin: msg.origin, ...extra, kf: msg };
  const conversationId = conversationOf(corpId, openKfId, externalUserId);
  const locale = nonEmpty(ctx.locale);
  return {
    channelId: WECOM_CHANNEL_ID,
    id: msg.msgid,
    timestamp: new Date(msg.send_time * 1000),
    serviceUrl: `wecom://${corpId}`,
    ...(locale === undefined ? {} : { locale }),
    // WeCom gives a chat no title; the Agents SDK refuses an empty name, botbuilder's type wants one.
    conversation: { id: conversationId, conversationType: 'personal', isGroup: false, tenantId: corpId, name: conversationId },
    from,
    recipient: kfAccount(parties, ctx),
    channelData,
  };
}

/** Never throws: a message missing its ids still reaches the bot, in a conversation nobody can reply to. */
function conversationOf(corpId: string, openKfId?: string, externalUserId?: string): string {
  if (corpId === '') return '';
  if (openKfId === undefined || openKfId === '') return corpId;
  if (externalUserId === undefined || externalUserId === '') return accountConversationIdOf({ corpId, openKfId });
  return conversationIdOf({ corpId, openKfId, externalUserId });
}

type Parties = { readonly openKfId?: string; readonly externalUserId?: string };

/**
 * Who stands in for a missing id: account-wide events have no customer, and both frameworks'
 * state keys need a non-empty `from.id` and `recipient.id`. The kf account, else the corp.
 */
const standIn = (parties: Parties, ctx: InboundContext): string => nonEmpty(parties.openKfId, ctx.corpId) ?? WECOM_CHANNEL_ID;

/** The kf account the bot answers as (the corp for corp-wide events). */
const kfAccount = (parties: Parties, ctx: InboundContext): Account =>
  ({ id: standIn(parties, ctx), name: nonEmpty(parties.openKfId) === undefined ? 'wecom' : 'kf', role: 'bot' });
const customer = (parties: Parties, ctx: InboundContext): Account =>
  ({ id: nonEmpty(parties.externalUserId) ?? standIn(parties, ctx), name: ctx.customerName ?? '', role: 'user' });
const servicer = (servicerUserId: string, parties: Parties, ctx: InboundContext): Account =>
  ({ id: nonEmpty(servicerUserId) ?? standIn(parties, ctx), name: 'servicer', role: 'user', properties: { wecomRole: 'servicer' } });

interface MappedContent { text: string; value?: string; attachments?: CoreAttachment[]; entities?: CoreEntity[] }

/** WeChat's own chat-list labels, so a bot (and its logs) read what the customer saw. */
const LABELS: Readonly<Record<string, string>> = {
  text: '文本', image: '图片', voice: '语音', video: '视频', file: '文件', location: '位置', link: '链接', business_card: '名片',
  miniprogram: '小程序', msgmenu: '菜单', channels: '视频号', channels_shop_product: '视频号商品', channels_shop_order: '视频号订单',
  merged_msg: '聊天记录',
};
const label = (msgtype: string): string => `[${LABELS[msgtype] ?? msgtype}]`;
const line = (...parts: (string | undefined)[]): string => parts.filter((p): p is string => p !== undefined && p !== '').join(' ');
const payload = (msgtype: string, content: unknown): CoreAttachment => ({ contentType: wecomContentType(msgtype), content });

function mapContent(msg: KfContentMessage, ctx: InboundContext): MappedContent {
  switch (msg.msgtype) {
    case 'text':
      return msg.text.menu_id === undefined ? { text: msg.text.content } : { text: msg.text.content, value: msg.text.menu_id };
    case 'image':
      return mediaContent('image', msg.image.media_id, ctx.media);
    case 'voice':
      return mediaContent('voice', msg.voice.media_id, ctx.media);
    case 'video':
      return mediaContent('video', msg.video.media_id, ctx.media);
    case 'file':
      return mediaContent('file', msg.file.media_id, ctx.media);
    case 'location': {
      const { latitude, longitude, name, address } = msg.location;
      const place: CoreEntity = { type: 'Place', name, address, geo: { type: 'GeoCoordinates', latitude, longitude } };
      return { text: [name, address].filter(Boolean).join('\n') || `${latitude},${longitude}`, entities: [place] };
    }
    case 'link': {
      const { title, desc, url, pic_url } = msg.link;
      const open = { type: ActionTypes.OpenUrl, title: title || url, value: url };
      const hero = { title, text: desc, images: pic_url ? [{ url: pic_url }] : [], buttons: [open], tap: open };
      return { text: [title, url].filter(Boolean).join('\n'), attachments: [{ contentType: 'application/vnd.microsoft.card.hero', content: hero }] };
    }
    case 'business_card':
      return { text: line(label('business_card'), msg.business_card.userid), attachments: [payload('business_card', msg.business_card)] };
    case 'miniprogram':
      return { text: line(label('miniprogram'), msg.miniprogram.title), attachments: [payload('miniprogram', msg.miniprogram)] };
    case 'channels': {
      const { nickname, title } = msg.channels;
      return { text: line(label('channels'), nickname && title ? `${nickname}: ${title}` : nickname ?? title), attachments: [payload('channels', msg.channels)] };
    }
    case 'channels_shop_product': {
      const p = msg.channels_shop_product;
      return { text: line(label('channels_shop_product'), p.title, yuan(p.sales_price), p.shop_nickname), attachments: [payload('channels_shop_product', p)] };
    }
    case 'channels_shop_order': {
      const o = msg.channels_shop_order;
      return { text: line(label('channels_shop_order'), o.product_titles, o.price_wording, o.state), attachments: [payload('channels_shop_order', o)] };
    }
    case 'merged_msg':
      return mergedContent(msg.merged_msg);
    case 'msgmenu': {
      const m = msg.msgmenu;
      const items = (m.list ?? []).map(menuItemText).filter((t) => t !== '');
      return { text: [m.head_content, ...items, m.tail_content].filter(Boolean).join('\n') || label('msgmenu'), attachments: [payload('msgmenu', m)] };
    }
    case 'unknown':
      return { text: '', attachments: [{ contentType: WeComContentTypes.unknown, content: msg.raw }] };
  }
}

function mediaContent(kind: MediaKind, mediaId: string, media: InboundMedia | undefined): MappedContent {
  if (media === undefined) {
    return { text: '', attachments: [{ contentType: WeComContentTypes.media, content: { mediaId, kind } satisfies PendingMediaContent }] };
  }
  if (media.status === 'rejected') {
    const content: RejectedAttachmentContent = { reason: media.reason, kind, detectedType: media.detectedType, size: media.size, ...(media.limit === undefined ? {} : { limit: media.limit }) };
    return { text: '', attachments: [{ contentType: WeComContentTypes.rejected, content }] };
  }
  // An empty name or type would fail the Agents SDK's validation; WeCom's bytes may say neither.
  const name = nonEmpty(media.name);
  return { text: '', attachments: [{ contentType: nonEmpty(media.contentType) ?? 'application/octet-stream', contentUrl: media.contentUrl, ...(name === undefined ? {} : { name }) }] };
}

/** Prices come in fen, as a string or a number depending on the source (§4). */
function yuan(fen: string | number | undefined): string | undefined {
  if (fen === undefined || fen === '') return undefined;
  const n = Number(fen);
  return Number.isFinite(n) ? `¥${(n / 100).toFixed(2)}` : String(fen);
}

function menuItemText(item: KfMenuItem): string {
  switch (item.type) {
    case 'click': return item.click?.content ?? '';
    case 'view': return item.view?.content ?? '';
    case 'miniprogram': return item.miniprogram?.content ?? '';
    case 'text': return item.text?.content ?? '';
    default: return '';
  }
}

type MergedPayload = Extract<KfContentMessage, { msgtype: 'merged_msg' }>['merged_msg'];

/** `msg_content` is a JSON string (§4): parsed where possible, kept as the string where not. */
function mergedContent(merged: MergedPayload): MappedContent {
  const items = (merged.item ?? []).map((it) => ({ ...it, msg_content: parseJson(it.msg_content) ?? it.msg_content }));
  const lines = items.map((it) => `${it.sender_name}: ${mergedItemSummary(it.msgtype, it.msg_content)}`);
  return { text: [line(label('merged_msg'), merged.title), ...lines].join('\n'), attachments: [payload('merged_msg', { ...merged, item: items })] };
}

function mergedItemSummary(msgtype: string, content: unknown): string {
  if (msgtype === 'text' && isRecord(content)) {
    const text = isRecord(content.text) ? content.text.content : content.content;
    if (typeof text === 'string') return text;
  }
  return label(msgtype);
}

function parseJson(s: unknown): Record<string, unknown> | undefined {
  if (typeof s !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
