/**
 * WeCom kf messages as `kf/sync_msg` returns them (wecom-kf-api.md §3–§5), with WeCom's own field
 * names. Unknown message and event types are kept opaque rather than dropped.
 */

import { jsonId, jsonNumber } from './jsonFields';

/** 3 customer, 4 system event, 5 servicer via the WeCom client. */
export type KfOrigin = 3 | 4 | 5;

interface KfMessageBase {
  readonly msgid: string;
  readonly send_time: number;
  readonly origin: KfOrigin;
  /** Absent on `msgtype=event` (it is inside `event`). */
  readonly open_kfid?: string;
  readonly external_userid?: string;
  /** Only when origin is 5. */
  readonly servicer_userid?: string;
}

export interface KfMenuItemClick { readonly type: 'click'; readonly click: { readonly id: string; readonly content: string } }
export interface KfMenuItemView { readonly type: 'view'; readonly view: { readonly url: string; readonly content: string } }
export interface KfMenuItemMiniprogram { readonly type: 'miniprogram'; readonly miniprogram: { readonly appid: string; readonly pagepath: string; readonly content: string } }
export interface KfMenuItemText { readonly type: 'text'; readonly text: { readonly content: string; readonly no_newline?: 0 | 1 } }
export type KfMenuItem = KfMenuItemClick | KfMenuItemView | KfMenuItemMiniprogram | KfMenuItemText;

export interface KfMenuPayload { readonly head_content?: string; readonly list: readonly KfMenuItem[]; readonly tail_content?: string }
export interface KfMediaPayload { readonly media_id: string }
export interface KfLocationPayload { readonly latitude: number; readonly longitude: number; readonly name?: string; readonly address?: string }
export interface KfLinkPayload { readonly title: string; readonly desc?: string; readonly url: string; readonly pic_url?: string }
export interface KfMiniprogramPayload { readonly title?: string; readonly appid: string; readonly pagepath: string; readonly thumb_media_id: string }

export type KfTextMessage = KfMessageBase & { readonly msgtype: 'text'; readonly text: { readonly content: string; readonly menu_id?: string } };
export type KfImageMessage = KfMessageBase & { readonly msgtype: 'image'; readonly image: KfMediaPayload };
export type KfVoiceMessage = KfMessageBase & { readonly msgtype: 'voice'; readonly voice: KfMediaPayload };
export type KfVideoMessage = KfMessageBase & { readonly msgtype: 'video'; readonly video: KfMediaPayload };
export type KfFileMessage = KfMessageBase & { readonly msgtype: 'file'; readonly file: KfMediaPayload };
export type KfLocationMessage = KfMessageBase & { readonly msgtype: 'location'; readonly location: KfLocationPayload };
export type KfLinkMessage = KfMessageBase & { readonly msgtype: 'link'; readonly link: KfLinkPayload };
export type KfBusinessCardMessage = KfMessageBase & { readonly msgtype: 'business_card'; readonly business_card: { readonly userid: string } };
export type KfMiniprogramMessage = KfMessageBase & { readonly msgtype: 'miniprogram'; readonly miniprogram: KfMiniprogramPayload };
export type KfMenuMessage = KfMessageBase & { readonly msgtype: 'msgmenu'; readonly msgmenu: KfMenuPayload };
export type KfChannelsMessage = KfMessageBase & { readonly msgtype: 'channels'; readonly channels: { readonly sub_type?: number; readonly nickname?: string; readonly title?: string } };
export type KfChannelsShopProductMessage = KfMessageBase & {
  readonly msgtype: 'channels_shop_product';
  readonly channels_shop_product: { readonly product_id: string; readonly head_img?: string; readonly title?: string; readonly sales_price?: string | number; readonly shop_nickname?: string; readonly shop_head_img?: string };
};
export type KfChannelsShopOrderMessage = KfMessageBase & {
  readonly msgtype: 'channels_shop_order';
  readonly channels_shop_order: { readonly order_id: string; readonly product_titles?: string; readonly price_wording?: string; readonly state?: string; readonly image_url?: string; readonly shop_nickname?: string };
};
export type KfMergedMessage = KfMessageBase & {
  readonly msgtype: 'merged_msg';
  readonly merged_msg: { readonly title?: string; readonly item: readonly { readonly send_time: number; readonly msgtype: string; readonly sender_name: string; readonly msg_content: string }[] };
};

export interface KfEnterSessionEvent {
  readonly event_type: 'enter_session';
  readonly open_kfid: string;
  readonly external_userid: string;
  readonly scene?: string;
  readonly scene_param?: string;
  readonly welcome_code?: string;
  readonly wechat_channels?: { readonly nickname?: string; readonly shop_nickname?: string; readonly scene?: number };
}
export interface KfMsgSendFailEvent { readonly event_type: 'msg_send_fail'; readonly open_kfid: string; readonly external_userid: string; readonly fail_msgid: string; readonly fail_type: number }
export interface KfServicerStatusChangeEvent { readonly event_type: 'servicer_status_change'; readonly open_kfid: string; readonly servicer_userid: string; readonly status: number; readonly stop_type?: number }
export interface KfSessionStatusChangeEvent {
  readonly event_type: 'session_status_change';
  readonly open_kfid: string;
  readonly external_userid: string;
  readonly change_type: number;
  readonly old_servicer_userid?: string;
  readonly new_servicer_userid?: string;
  readonly msg_code?: string;
}
export interface KfUserRecallEvent { readonly event_type: 'user_recall_msg'; readonly open_kfid: string; readonly external_userid: string; readonly recall_msgid: string }
export interface KfServicerRecallEvent { readonly event_type: 'servicer_recall_msg'; readonly open_kfid: string; readonly external_userid: string; readonly recall_msgid: string; readonly servicer_userid: string }
export interface KfRejectSwitchEvent { readonly event_type: 'reject_customer_msg_switch_change'; readonly open_kfid: string; readonly external_userid: string; readonly servicer_userid: string; readonly reject_switch: number }
/** An event type this version does not know; `raw` keeps everything WeCom sent. */
export interface KfUnknownEvent { readonly event_type: 'unknown'; readonly original_event_type: string; readonly open_kfid?: string; readonly external_userid?: string; readonly raw: Readonly<Record<string, unknown>> }

export type KfEvent =
  | KfEnterSessionEvent | KfMsgSendFailEvent | KfServicerStatusChangeEvent | KfSessionStatusChangeEvent
  | KfUserRecallEvent | KfServicerRecallEvent | KfRejectSwitchEvent | KfUnknownEvent;

export type KfEventMessage = KfMessageBase & { readonly msgtype: 'event'; readonly event: KfEvent };
/** A message type this version does not know; `raw` keeps everything WeCom sent. */
export type KfUnknownMessage = KfMessageBase & { readonly msgtype: 'unknown'; readonly original_msgtype: string; readonly raw: Readonly<Record<string, unknown>> };

/** One item of `kf/sync_msg`'s `msg_list`. */
export type KfMessage =
  | KfTextMessage | KfImageMessage | KfVoiceMessage | KfVideoMessage | KfFileMessage | KfLocationMessage
  | KfLinkMessage | KfBusinessCardMessage | KfMiniprogramMessage | KfMenuMessage | KfChannelsMessage
  | KfChannelsShopProductMessage | KfChannelsShopOrderMessage | KfMergedMessage | KfEventMessage | KfUnknownMessage;

const payloadTypes = new Set([
  'text', 'image', 'voice', 'video', 'file', 'location', 'link', 'business_card', 'miniprogram', 'msgmenu',
  'channels', 'channels_shop_product', 'channels_shop_order', 'merged_msg',
]);
const eventTypes = new Set([
  'enter_session', 'msg_send_fail', 'servicer_status_change', 'session_status_change', 'user_recall_msg',
  'servicer_recall_msg', 'reject_customer_msg_switch_change',
]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Classifies one raw `msg_list` item. A known type whose payload object is missing, or a type this
 * version does not know, becomes `unknown` with the raw item kept, so nothing is dropped. Returns
 * `undefined` only when the item has no `msgid` (it cannot be deduplicated or acknowledged).
 */
export function toKfMessage(raw: unknown): KfMessage | undefined {
  if (!isRecord(raw)) return undefined;
  // Numbers are tolerated where WeCom documents strings, and the other way round.
  const msgid = jsonId(raw.msgid);
  if (msgid === undefined || msgid === '') return undefined;
  const msgtype = typeof raw.msgtype === 'string' ? raw.msgtype : '';
  const base = { ...withIds(raw), msgid, send_time: jsonNumber(raw.send_time) || 0, origin: jsonNumber(raw.origin) as KfOrigin };
  if (msgtype === 'event' && isRecord(raw.event)) {
    const ev = withIds(withNumbers(raw.event, eventNumberFields));
    const eventType = typeof ev.event_type === 'string' ? ev.event_type : '';
    const event = eventTypes.has(eventType)
      ? (ev as unknown as KfEvent)
      : ({ event_type: 'unknown', original_event_type: eventType, open_kfid: str(ev.open_kfid), external_userid: str(ev.external_userid), raw: ev } satisfies KfUnknownEvent);
    return { ...base, msgtype: 'event', event } as KfEventMessage;
  }
  if (payloadTypes.has(msgtype) && isRecord(raw[msgtype])) return base as unknown as KfMessage;
  return { ...base, msgtype: 'unknown', original_msgtype: msgtype, raw } as KfUnknownMessage;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Event fields that rules compare as numbers (change_type 3 ends a session, ...). */
const eventNumberFields = ['change_type', 'fail_type', 'status', 'stop_type', 'reject_switch'] as const;

/** The ids the pipeline keys conversations on: a number becomes its string, any other non-string is dropped. */
function withIds(record: Record<string, unknown>): Record<string, unknown> {
  const { open_kfid, external_userid, servicer_userid, ...out } = record;
  for (const [field, value] of Object.entries({ open_kfid, external_userid, servicer_userid })) {
    const id = jsonId(value);
    if (id !== undefined) out[field] = id;
  }
  return out;
}

function withNumbers(record: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out = { ...record };
  for (const f of fields) if (typeof out[f] === 'string' && /^-?\d+$/.test(out[f])) out[f] = Number(out[f]);
  return out;
}

/** The (open_kfid, external_userid) a message belongs to, wherever WeCom put them. */
export function kfMessageParties(msg: KfMessage): { openKfId?: string; externalUserId?: string } {
  if (msg.msgtype === 'event') {
    const ev = msg.event;
    return { openKfId: ev.open_kfid, externalUserId: 'external_userid' in ev ? ev.external_userid : undefined };
  }
  return { openKfId: msg.open_kfid, externalUserId: msg.external_userid };
}

/** What the app can send with `kf/send_msg` (§6). */
export type KfOutboundMessage =
  | { readonly msgtype: 'text'; readonly text: { readonly content: string } }
  | { readonly msgtype: 'image'; readonly image: KfMediaPayload }
  | { readonly msgtype: 'voice'; readonly voice: KfMediaPayload }
  | { readonly msgtype: 'video'; readonly video: KfMediaPayload }
  | { readonly msgtype: 'file'; readonly file: KfMediaPayload }
  | { readonly msgtype: 'link'; readonly link: { readonly title: string; readonly desc?: string; readonly url: string; readonly thumb_media_id: string } }
  | { readonly msgtype: 'miniprogram'; readonly miniprogram: { readonly appid: string; readonly title?: string; readonly thumb_media_id: string; readonly pagepath: string } }
  | { readonly msgtype: 'msgmenu'; readonly msgmenu: KfMenuPayload }
  | { readonly msgtype: 'location'; readonly location: KfLocationPayload }
  | { readonly msgtype: 'ca_link'; readonly ca_link: { readonly link_url: string } };

/** What `kf/send_msg_on_event` accepts (§7): text or a menu. */
export type KfEventReply = Extract<KfOutboundMessage, { msgtype: 'text' | 'msgmenu' }>;

/** Session states of `kf/service_state` (§8). */
export enum KfServiceState {
  New = 0,
  Bot = 1,
  Queued = 2,
  Human = 3,
  Ended = 4,
}
