import { ActionTypes, ActivityTypes, type CoreActivity, type CoreAttachment } from '../core';
import { z } from 'zod';
import { WeComChannelError } from '../common/errors';
import type { KfMenuItem, KfOutboundMessage } from '../wecom/kfMessages';
import { markdownToPlainText } from './markdown';
import { splitUtf8, truncateUtf8 } from './textSplit';

/**
 * Bot Framework activity → what to send with `kf/send_msg` (wecom-kf-api.md §6). Pure: the
 * adapter does the I/O (fetching and uploading media, thumbnails) for `media` and `link` parts.
 *
 * Decisions:
 * - Order: text, then attachments in order, then the suggested-actions menu(s), then a
 *   `channelData` message. Each part is one WeCom message and spends one of the 5 replies.
 * - Text with suggested actions becomes the menu's `head_content` (one message, not two) when it
 *   fits in 1024 bytes and the activity has no attachments (else text first, menu last).
 * - More than 10 menu items: split into several menus of ≤10, head on the first; nothing dropped.
 * - Click ids: the action's value when ≤64 bytes, else its first bytes + `~` + an 8-hex hash, so
 *   ids stay stable and distinct. Actions that cannot be a menu item (showCard, a non-http URL) are left out.
 * - Cards (hero, thumbnail, signin, receipt, …): with an image and an `openUrl` tap (or, without a
 *   tap, an `openUrl` button) → a `link` part (+ a menu of the other buttons); else the first image as
 *   a media part, then title/subtitle/text with the buttons as a menu (or plain text without buttons).
 * - A card's picture is `optional` next to its text or buttons: the adapter leaves it out (with a
 *   warning) when it cannot be fetched; a link's thumbnail likewise falls back to text. Receipts show
 *   every field: facts, items (title × quantity, price, subtitle, text), tax, VAT, total, buttons.
 * - Adaptive cards: TextBlock, RichTextBlock, FactSet, Table and containers flattened to text;
 *   Action.Submit/Execute → click, Action.OpenUrl → view; images, inputs and ShowCard are left out.
 * - `channelData.wecom` (or `channelData` itself when it has `msgtype`) is a full kf message sent
 *   as it is, in addition to the rest; a malformed one throws {@link UnsupportedActivityError}.
 * - An attachment WeChat cannot show (an unknown card with no text, inbound-only `vnd.wecom.*`)
 *   throws {@link UnsupportedActivityError} rather than vanishing.
 * - Compact mode (`compact: true`, for an activity bigger than the replies left, see
 *   {@link fitToReplies}): the text and every card's title, text, facts, media and link URLs are
 *   merged into as few text messages as fit, one card after another; buttons that open a URL become
 *   `title: url` lines, buttons that answer the bot stay menu items; suggested actions stay a menu,
 *   with the last text as its head when it fits. Card pictures are left out; media attachments,
 *   locations and a `channelData` message are still sent as they are.
 */

/** WeCom limits (§6). */
const LIMITS = { text: 2048, menuHead: 1024, menuItems: 10, clickId: 64, clickContent: 128, viewContent: 1024, textItem: 256, linkTitle: 128, linkDesc: 512 } as const;

export type OutboundMediaType = 'image' | 'voice' | 'video' | 'file' | 'auto';
export interface OutboundAttachment { readonly contentType?: string; readonly contentUrl?: string; readonly content?: unknown; readonly name?: string }

export type OutboundPart =
  /** Ready to send as it is. */
  | { readonly kind: 'send'; readonly message: KfOutboundMessage }
  /**
   * The adapter fetches the bytes, checks them, uploads, then sends by the real type (`auto`: decide
   * from the bytes). `optional`: a card's picture or media next to the card's text or buttons; when
   * its bytes cannot be had or WeChat cannot take them, it is left out with a warning and the rest
   * goes. Attachments the bot sent as such are never optional: their failure fails the send.
   */
  | { readonly kind: 'media'; readonly mediaType: OutboundMediaType; readonly attachment: OutboundAttachment; readonly optional?: boolean }
  /** The adapter uploads the thumbnail and sends msgtype `link`; without a usable thumbnail it sends title, desc and url as text. */
  | { readonly kind: 'link'; readonly title: string; readonly desc?: string; readonly url: string; readonly thumbnailUrl?: string };

/** A link part as plain text (title, description, URL): what goes when a link message cannot. */
export function linkAsText(part: Extract<OutboundPart, { kind: 'link' }>): string {
  return [part.title, part.desc, part.url].filter(Boolean).join('\n');
}

export interface FromActivityOptions {
  /** Largest text message in UTF-8 bytes (at least 4); longer text is split. Default 2048 (WeCom's limit). */
  readonly maxTextBytes?: number;
  /** Render with as few kf messages as possible (cards merged into text). Default false. */
  readonly compact?: boolean;
}

/** The activity holds something that cannot be sent to WeChat; the message says what and how to fix it. */
export class UnsupportedActivityError extends WeComChannelError {
  override readonly name = 'UnsupportedActivityError' as const;
  readonly code = 'activity_unsupported' as const;

  override get final(): boolean {
    return true;
  }

  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${problem}. Fix: ${fix}`);
  }
}

/**
 * The WeCom messages for one outgoing activity; `[]` for activity types other than `message`
 * (typing, handoff and other events are the adapter's business).
 *
 * @example
 * fromActivity({ type: 'message', text: 'Pick one', suggestedActions: { to: [], actions: [
 *   { type: 'imBack', title: 'Tea', value: 'tea' }, { type: 'openUrl', title: 'Menu', value: 'https://x.cn/m' }] } })
 * // [{ kind: 'send', message: { msgtype: 'msgmenu', msgmenu: { head_content: 'Pick one', list: [
 * //   { type: 'click', click: { id: 'tea', content: 'Tea' } }, { type: 'view', view: { url: 'https://x.cn/m', content: 'Menu' } }] } } }]
 */
export function fromActivity(activity: CoreActivity, options: FromActivityOptions = {}): OutboundPart[] {
  if ((activity.type ?? ActivityTypes.Message) !== ActivityTypes.Message) return [];
  const maxTextBytes = options.maxTextBytes ?? LIMITS.text;
  if (options.compact) return compactParts(activity, maxTextBytes);
  const passthrough = channelDataMessage(activity.channelData);
  const text = plainText(activity.text, activity.textFormat);
  const attachmentParts = (activity.attachments ?? []).flatMap((a) => attachmentToParts(a, maxTextBytes));
  const placeParts = (activity.entities ?? []).flatMap(placeToParts);
  const items = (activity.suggestedActions?.actions ?? []).flatMap(menuItemOf);

  const parts: OutboundPart[] = [];
  const alone = attachmentParts.length === 0 && placeParts.length === 0;
  parts.push(...textWithMenu(text, items, maxTextBytes, alone));
  if (!alone) {
    parts.push(...attachmentParts, ...placeParts);
    parts.push(...menus(items, undefined));
  }
  if (passthrough) parts.push({ kind: 'send', message: passthrough });
  return parts;
}

// ── text and menus ────────────────────────────────────────────────────────────────────────────

function plainText(text: string | undefined, format: string | undefined): string {
  if (text === undefined || text === '') return '';
  return format === 'plain' || format === 'xml' ? text : markdownToPlainText(text);
}

/** Text parts; whitespace-only parts are never sent (WeCom shows them as empty bubbles). */
function textParts(text: string, maxTextBytes: number): OutboundPart[] {
  return splitUtf8(text, maxTextBytes)
    .filter((content) => content.trim() !== '')
    .map((content) => ({ kind: 'send', message: { msgtype: 'text', text: { content } } }));
}

/** Text and menu items; with `menuNow` false only the text (the menu goes after the attachments). */
function textWithMenu(text: string, items: readonly KfMenuItem[], maxTextBytes: number, menuNow: boolean): OutboundPart[] {
  if (!menuNow || items.length === 0) return textParts(text, maxTextBytes);
  if (text.trim() !== '' && utf8(text) <= LIMITS.menuHead) return menus(items, text);
  return [...textParts(text, maxTextBytes), ...menus(items, undefined)];
}

function menus(items: readonly KfMenuItem[], head: string | undefined): OutboundPart[] {
  const parts: OutboundPart[] = [];
  for (let i = 0; i < items.length; i += LIMITS.menuItems) {
    const list = items.slice(i, i + LIMITS.menuItems);
    const msgmenu = i === 0 && head !== undefined ? { head_content: head, list } : { list };
    parts.push({ kind: 'send', message: { msgtype: 'msgmenu', msgmenu } });
  }
  return parts;
}

/** Shape shared by Bot Framework `CardAction` and what bots actually pass (loosely typed JSON). */
interface ActionLike { readonly type?: unknown; readonly title?: unknown; readonly value?: unknown; readonly text?: unknown; readonly displayText?: unknown }

const URL_ACTIONS = new Set<string>([ActionTypes.OpenUrl, ActionTypes.Signin, ActionTypes.DownloadFile, ActionTypes.ShowImage, ActionTypes.PlayAudio, ActionTypes.PlayVideo]);
const CLICK_ACTIONS = new Set<string>([ActionTypes.ImBack, ActionTypes.PostBack, ActionTypes.MessageBack]);

function menuItemOf(action: ActionLike): KfMenuItem[] {
  const type = str(action.type);
  const title = str(action.title);
  if (CLICK_ACTIONS.has(type)) {
    const id = valueString(action.value) || str(action.text) || title;
    const content = str(action.displayText) || title || id;
    return clickItem(id, content);
  }
  const url = str(action.value);
  if (URL_ACTIONS.has(type) && /^https?:\/\//i.test(url)) return [viewItem(url, title || url)];
  if (type === ActionTypes.Call && url !== '') {
    return [{ type: 'text', text: { content: truncateUtf8(line(title, url.replace(/^tel:/i, '')), LIMITS.textItem) } }];
  }
  return [];
}

function clickItem(id: string, content: string): KfMenuItem[] {
  if (id === '' || content.trim() === '') return [];
  return [{ type: 'click', click: { id: clickId(id), content: truncateUtf8(content, LIMITS.clickContent) } }];
}

const viewItem = (url: string, content: string): KfMenuItem => ({ type: 'view', view: { url, content: truncateUtf8(content, LIMITS.viewContent) } });

/** ≤64 bytes and stable: long values keep their start (readable) and a hash (distinct). */
function clickId(value: string): string {
  if (utf8(value) <= LIMITS.clickId) return value;
  return `${truncateUtf8(value, LIMITS.clickId - 9, '')}~${fnv1a(value)}`;
}

/** FNV-1a 32-bit as 8 hex digits: enough to tell menu items apart, no crypto needed. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function valueString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return '';
  return JSON.stringify(value) ?? '';
}

// ── attachments ───────────────────────────────────────────────────────────────────────────────

const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';
const CARD_PREFIX = 'application/vnd.microsoft.card.';

function attachmentToParts(a: CoreAttachment, maxTextBytes: number): OutboundPart[] {
  const contentType = (a.contentType ?? '').trim().toLowerCase();
  if (contentType === ADAPTIVE) return adaptiveToParts(a.content, maxTextBytes);
  if (contentType.startsWith(CARD_PREFIX)) return cardToParts(contentType.slice(CARD_PREFIX.length), a.content, maxTextBytes);
  if ((contentType === 'text/plain' || contentType === 'text/markdown') && !a.contentUrl && typeof a.content === 'string') {
    return textParts(contentType === 'text/plain' ? a.content : markdownToPlainText(a.content), maxTextBytes);
  }
  if (isMedia(contentType, a)) return [mediaPart(mediaTypeOf(contentType || dataUrlType(a.contentUrl)), a)];
  throw new UnsupportedActivityError(
    `Attachment "${a.contentType}" cannot be sent to WeChat`,
    'send an image, video, AMR audio or file (contentUrl http(s): or data:), a hero/thumbnail/adaptive card, or a kf message in channelData.wecom',
  );
}

function isMedia(contentType: string, a: CoreAttachment): boolean {
  if (contentType.startsWith('application/vnd.wecom.') || contentType.startsWith('application/vnd.microsoft.')) return false;
  if (/^(data:|https?:\/\/)/i.test(a.contentUrl ?? '')) return true;
  const hasBytes = a.content !== undefined && a.content !== null;
  return hasBytes && /^(image|audio|video|application|text)\//.test(contentType);
}

const mediaPart = (mediaType: OutboundMediaType, a: OutboundAttachment, optional = false): OutboundPart => ({
  kind: 'media',
  mediaType,
  attachment: { contentType: a.contentType, contentUrl: a.contentUrl, content: a.content, name: a.name },
  ...(optional ? { optional } : {}),
});

/** By the declared type; the adapter still checks the bytes and sends by the real type. */
function mediaTypeOf(contentType: string): OutboundMediaType {
  const ct = contentType.split(';')[0]!.trim().toLowerCase();
  if (ct === '' || ct === 'application/octet-stream' || !ct.includes('/')) return 'auto';
  if (ct.startsWith('image/')) return 'image';
  if (ct === 'audio/amr') return 'voice';
  if (ct.startsWith('video/')) return 'video';
  return 'file';
}

const dataUrlType = (url: string | undefined): string => /^data:([^;,]*)/i.exec(url ?? '')?.[1] ?? '';

interface CardLike {
  readonly title?: unknown; readonly subtitle?: unknown; readonly text?: unknown;
  readonly images?: unknown; readonly image?: unknown; readonly media?: unknown;
  readonly buttons?: unknown; readonly tap?: unknown;
  readonly facts?: unknown; readonly items?: unknown; readonly total?: unknown; readonly tax?: unknown; readonly vat?: unknown;
}

/** hero, thumbnail, signin, oauth, receipt, animation, audio, video cards. */
function cardToParts(kind: string, content: unknown, maxTextBytes: number): OutboundPart[] {
  const card: CardLike = isRecord(content) ? content : {};
  const title = str(card.title);
  // Receipt lines are data (prices, codes), not Markdown: they are not run through the converter.
  const body = cardBody(card);
  const buttons = asArray(card.buttons).filter(isRecord) as ActionLike[];
  const image = firstImageUrl(card);
  const tap: ActionLike | undefined = isRecord(card.tap) ? card.tap : undefined;
  const isUrlAction = (b: ActionLike | undefined): boolean => b !== undefined && str(b.type) === ActionTypes.OpenUrl && /^https?:\/\//i.test(str(b.value));

  const text = [title, body].filter((s) => s !== '').join('\n');
  const items = buttons.flatMap(menuItemOf);
  if (isUrlAction(tap) && !items.some((i) => i.type === 'view' && i.view.url === str(tap!.value))) {
    items.push(viewItem(str(tap!.value), str(tap!.title) || title || str(tap!.value)));
  }
  // A card's picture is optional only next to text or buttons: a card that is nothing but its
  // picture fails like an attachment would, since leaving it out would send nothing at all.
  const pictureOptional = text !== '' || items.length > 0;
  const mediaParts = cardMedia(kind, card, pictureOptional);

  const linkAction = isUrlAction(tap) ? tap : tap === undefined ? buttons.find(isUrlAction) : undefined;
  if (image !== '' && linkAction !== undefined && mediaParts.length === 0) {
    const url = str(linkAction.value);
    const link: OutboundPart = {
      kind: 'link',
      title: truncateUtf8(title || str(linkAction.title) || url, LIMITS.linkTitle),
      ...(body === '' ? {} : { desc: truncateUtf8(body, LIMITS.linkDesc) }),
      url,
      thumbnailUrl: image,
    };
    return [link, ...menus(buttons.filter((b) => b !== linkAction).flatMap(menuItemOf), undefined)];
  }

  const imagePart: OutboundPart[] = image !== '' && mediaParts.length === 0 ? [mediaPart('image', { contentUrl: image }, pictureOptional)] : [];
  if (text === '' && items.length === 0 && imagePart.length === 0 && mediaParts.length === 0) {
    throw new UnsupportedActivityError(`A "${kind}" card without title, text, image or buttons cannot be shown in WeChat`, 'give the card a title or text');
  }
  return [...mediaParts, ...imagePart, ...textWithMenu(text, items, maxTextBytes, true)];
}

function firstImageUrl(card: CardLike): string {
  const first = asArray(card.images)[0];
  const url = isRecord(first) ? str(first.url) : isRecord(card.image) ? str(card.image.url) : '';
  return /^(https?:\/\/|data:)/i.test(url) ? url : '';
}

/** Video, audio and animation cards carry their media in `media[].url`. */
function cardMedia(kind: string, card: CardLike, optional: boolean): OutboundPart[] {
  const first = asArray(card.media)[0];
  const url = isRecord(first) ? str(first.url) : '';
  if (!/^(https?:\/\/|data:)/i.test(url)) return [];
  return [mediaPart(kind === 'video' ? 'video' : 'auto', { contentUrl: url }, optional)];
}

/**
 * Every field of a receipt card as lines: facts, then each item as `title × quantity  price` with its
 * subtitle and text indented below, then tax, VAT and total. Item images cannot go inline and are left out.
 */
/** Subtitle and text (Markdown the bot means), then a receipt's lines (data: never read as Markdown). */
function cardBody(card: CardLike): string {
  return [markdownToPlainText([str(card.subtitle), str(card.text)].filter((s) => s !== '').join('\n')), ...receiptLines(card)].filter((s) => s !== '').join('\n');
}

function receiptLines(card: CardLike): string[] {
  const facts = asArray(card.facts).filter(isRecord).map((f) => line(`${str(f.key)}:`, str(f.value)));
  const items = asArray(card.items).filter(isRecord).flatMap((i) => {
    const quantity = str(i.quantity);
    const price = str(i.price);
    const head = [line(str(i.title), quantity === '' ? '' : `× ${quantity}`), price].filter((s) => s !== '').join('  ');
    const details = [str(i.subtitle), str(i.text)].filter((s) => s !== '').map((s) => `  ${s}`);
    return head === '' ? details : [head, ...details];
  });
  const amount = (label: string, value: unknown): string[] => (str(value) === '' ? [] : [`${label}: ${str(value)}`]);
  return [...facts, ...items, ...amount('Tax', card.tax), ...amount('VAT', card.vat), ...amount('Total', card.total)];
}

// ── adaptive cards (best effort) ──────────────────────────────────────────────────────────────

function adaptiveToParts(content: unknown, maxTextBytes: number): OutboundPart[] {
  const { text, items } = adaptiveContent(content);
  return textWithMenu(text, items, maxTextBytes, true);
}

/** An adaptive card's text and actions; throws when it has neither. */
function adaptiveContent(content: unknown): { text: string; items: KfMenuItem[] } {
  const lines: string[] = [];
  const items: KfMenuItem[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isRecord(node) || node.isVisible === false) return;
    switch (str(node.type)) {
      case 'TextBlock': lines.push(markdownToPlainText(str(node.text))); break;
      case 'RichTextBlock': lines.push(asArray(node.inlines).map((i) => (typeof i === 'string' ? i : isRecord(i) ? str(i.text) : '')).join('')); break;
      case 'FactSet': asArray(node.facts).filter(isRecord).forEach((f) => lines.push(line(`${str(f.title)}:`, str(f.value)))); break;
      case 'Table': asArray(node.rows).filter(isRecord).forEach((r) => lines.push(asArray(r.cells).map(cellText).join(' | '))); break;
      case 'ActionSet': items.push(...asArray(node.actions).flatMap(adaptiveAction)); break;
      default: walk(node.items ?? node.columns ?? node.body);
    }
  };
  const card = isRecord(content) ? content : {};
  walk(card.body);
  items.push(...asArray(card.actions).flatMap(adaptiveAction));
  const text = lines.filter((l) => l.trim() !== '').join('\n');
  if (text === '' && items.length === 0) {
    throw new UnsupportedActivityError('An adaptive card with no text and no actions cannot be shown in WeChat', 'add a TextBlock, or send the image as an attachment');
  }
  return { text, items };
}

function cellText(cell: unknown): string {
  if (!isRecord(cell)) return '';
  return asArray(cell.items).filter(isRecord).map((i) => str(i.text)).filter((t) => t !== '').join(' ');
}

function adaptiveAction(action: unknown): KfMenuItem[] {
  if (!isRecord(action)) return [];
  const title = str(action.title);
  switch (str(action.type)) {
    case 'Action.OpenUrl': {
      const url = str(action.url);
      return /^https?:\/\//i.test(url) ? [viewItem(url, title || url)] : [];
    }
    case 'Action.Submit':
    case 'Action.Execute':
      return clickItem(valueString(action.data) || str(action.verb) || title, title || valueString(action.data));
    default:
      return [];
  }
}

// ── locations and channelData ────────────────────────────────────────────────────────────────

/** A schema.org `Place` entity with `GeoCoordinates` (the shape inbound locations have) → a location message. */
function placeToParts(entity: unknown): OutboundPart[] {
  if (!isRecord(entity) || entity.type !== 'Place' || !isRecord(entity.geo)) return [];
  const { latitude, longitude } = entity.geo;
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return [];
  const name = str(entity.name);
  const address = str(entity.address);
  return [{ kind: 'send', message: { msgtype: 'location', location: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) } } }];
}

const nonEmpty = z.string().min(1);
const media = z.object({ media_id: nonEmpty });
const menuItem = z.discriminatedUnion('type', [
  z.object({ type: z.literal('click'), click: z.object({ id: nonEmpty, content: nonEmpty }) }),
  z.object({ type: z.literal('view'), view: z.object({ url: nonEmpty, content: nonEmpty }) }),
  z.object({ type: z.literal('miniprogram'), miniprogram: z.object({ appid: nonEmpty, pagepath: nonEmpty, content: nonEmpty }) }),
  z.object({ type: z.literal('text'), text: z.object({ content: nonEmpty, no_newline: z.union([z.literal(0), z.literal(1)]).optional() }) }),
]);
const outboundSchema = z.discriminatedUnion('msgtype', [
  z.object({ msgtype: z.literal('text'), text: z.object({ content: nonEmpty }) }),
  z.object({ msgtype: z.literal('image'), image: media }),
  z.object({ msgtype: z.literal('voice'), voice: media }),
  z.object({ msgtype: z.literal('video'), video: media }),
  z.object({ msgtype: z.literal('file'), file: media }),
  z.object({ msgtype: z.literal('link'), link: z.object({ title: nonEmpty, desc: z.string().optional(), url: nonEmpty, thumb_media_id: nonEmpty }) }),
  z.object({ msgtype: z.literal('miniprogram'), miniprogram: z.object({ appid: nonEmpty, title: z.string().optional(), thumb_media_id: nonEmpty, pagepath: nonEmpty }) }),
  z.object({ msgtype: z.literal('msgmenu'), msgmenu: z.object({ head_content: z.string().optional(), list: z.array(menuItem).max(LIMITS.menuItems), tail_content: z.string().optional() }) }),
  z.object({ msgtype: z.literal('location'), location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180), name: z.string().optional(), address: z.string().optional() }) }),
  z.object({ msgtype: z.literal('ca_link'), ca_link: z.object({ link_url: nonEmpty }) }),
]);

/** The escape hatch: a complete kf message in `channelData.wecom`, or `channelData` itself. */
function channelDataMessage(channelData: unknown): KfOutboundMessage | undefined {
  if (!isRecord(channelData)) return undefined;
  const candidate = channelData.wecom !== undefined ? channelData.wecom : 'msgtype' in channelData ? channelData : undefined;
  if (candidate === undefined) return undefined;
  const checked = outboundSchema.safeParse(candidate);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UnsupportedActivityError(
      `channelData holds a malformed kf message (${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'})`,
      'give a complete kf/send_msg body without touser/open_kfid, e.g. { msgtype: "location", location: { latitude, longitude, name } } (wecom-kf-api.md §6)',
    );
  }
  // Sent as the bot wrote it (zod would drop fields it does not know, and WeCom may know them).
  return candidate as KfOutboundMessage;
}

// ── compact rendering ─────────────────────────────────────────────────────────────────────────

/**
 * What an activity says, flattened for the compact rendering: text blocks (the activity's text,
 * then one block per card or text attachment, with link buttons as `title: url` lines), the menu
 * items that need a tap, and what cannot become text (media attachments, locations, channelData).
 */
export interface CompactContent {
  readonly blocks: readonly string[];
  readonly items: readonly KfMenuItem[];
  /** One kf message each, in order: media attachments and locations. */
  readonly rest: readonly OutboundPart[];
  /** A `channelData` kf message, sent last as it is. */
  readonly passthrough?: KfOutboundMessage;
}

/** The activity's content for the compact rendering (see {@link CompactContent}). Pure. */
export function compactContent(activity: CoreActivity): CompactContent {
  const blocks: string[] = [];
  const items: KfMenuItem[] = [];
  const rest: OutboundPart[] = [];
  const addBlock = (lines: readonly string[]): void => {
    const block = lines.filter((l) => l.trim() !== '').join('\n');
    if (block !== '') blocks.push(block);
  };
  addBlock([plainText(activity.text, activity.textFormat)]);
  for (const a of activity.attachments ?? []) {
    const contentType = (a.contentType ?? '').trim().toLowerCase();
    if (contentType === ADAPTIVE) {
      const { text, items: actions } = adaptiveContent(a.content);
      addBlock([text, ...actions.flatMap(linkLine)]);
      items.push(...actions.filter(needsTap));
    } else if (contentType.startsWith(CARD_PREFIX)) {
      const card = compactCard(contentType.slice(CARD_PREFIX.length), a.content);
      addBlock(card.lines);
      items.push(...card.items);
    } else if ((contentType === 'text/plain' || contentType === 'text/markdown') && !a.contentUrl && typeof a.content === 'string') {
      addBlock([contentType === 'text/plain' ? a.content : markdownToPlainText(a.content)]);
    } else {
      rest.push(...attachmentToParts(a, LIMITS.text));
    }
  }
  rest.push(...(activity.entities ?? []).flatMap(placeToParts));
  items.push(...(activity.suggestedActions?.actions ?? []).flatMap(menuItemOf));
  const passthrough = channelDataMessage(activity.channelData);
  return { blocks, items, rest, ...(passthrough ? { passthrough } : {}) };
}

/** Cards one after another, a blank line between them; the menu last, headed by the last text when it fits. */
function compactParts(activity: CoreActivity, maxTextBytes: number): OutboundPart[] {
  const { blocks, items, rest, passthrough } = compactContent(activity);
  const chunks = splitUtf8(blocks.join('\n\n'), maxTextBytes).filter((c) => c.trim() !== '');
  const last = chunks.at(-1);
  const headed = items.length > 0 && rest.length === 0 && last !== undefined && utf8(last) <= LIMITS.menuHead;
  const text = (content: string): OutboundPart => ({ kind: 'send', message: { msgtype: 'text', text: { content } } });
  const parts: OutboundPart[] = headed
    ? [...chunks.slice(0, -1).map(text), ...menus(items, last)]
    : [...chunks.map(text), ...rest, ...menus(items, undefined)];
  if (passthrough) parts.push({ kind: 'send', message: passthrough });
  return parts;
}

/** A card as text lines (title, text, facts, media and link URLs) and the buttons that answer the bot. */
function compactCard(kind: string, content: unknown): { lines: string[]; items: KfMenuItem[] } {
  const card: CardLike = isRecord(content) ? content : {};
  const body = cardBody(card);
  const media = asArray(card.media).filter(isRecord).map((m) => str(m.url)).filter((u) => /^https?:\/\//i.test(u));
  const buttons = (asArray(card.buttons).filter(isRecord) as ActionLike[]).flatMap(menuItemOf);
  const tap: ActionLike | undefined = isRecord(card.tap) ? card.tap : undefined;
  const tapItem = tap === undefined ? undefined : menuItemOf(tap)[0];
  if (tapItem?.type === 'view' && !buttons.some((b) => b.type === 'view' && b.view.url === tapItem.view.url)) buttons.push(tapItem);
  const lines = [str(card.title), body, ...media, ...buttons.flatMap(linkLine)];
  const items = buttons.filter(needsTap);
  if (lines.every((l) => l.trim() === '') && items.length === 0) {
    const image = firstImageUrl(card);
    if (image === '' || image.startsWith('data:')) {
      throw new UnsupportedActivityError(`A "${kind}" card without title, text, image or buttons cannot be shown in WeChat`, 'give the card a title or text');
    }
    lines.push(image); // a picture alone: its address is all a compact rendering can give
  }
  return { lines, items };
}

/** A menu item that opens a link or shows text, as a text line; `[]` for items that answer the bot. */
function linkLine(item: KfMenuItem): string[] {
  if (item.type === 'view') return [item.view.content === item.view.url ? item.view.url : `${item.view.content}: ${item.view.url}`];
  if (item.type === 'text') return [item.text.content];
  return [];
}

const needsTap = (item: KfMenuItem): boolean => item.type === 'click' || item.type === 'miniprogram';

/** How an activity was fitted to the replies left (see {@link fitToReplies}). */
export interface FittedReply {
  readonly parts: OutboundPart[];
  readonly compact: boolean;
  /** How many of `parts` may go out; the rest exceed the replies left. */
  readonly fits: number;
}

/**
 * Chooses between an activity's normal and compact rendering for `repliesLeft` more kf messages
 * (undefined: no limit known). The normal rendering is kept while it leaves one reply for what the
 * turn sends next (a prompt after a carousel, say); otherwise the compact one is taken when it is
 * smaller. What still does not fit is counted out in `fits`: the sender refuses it, never drops it.
 * With no reply left at all nothing is changed, and the window refuses the send as usual.
 *
 * @example
 * fitToReplies(twelveParts, () => twoParts, 5)   // { parts: twoParts, compact: true, fits: 2 }
 * fitToReplies(twoParts, () => twoParts, 5)      // { parts: twoParts, compact: false, fits: 2 }
 * fitToReplies(sevenTexts, () => sevenTexts, 5)  // { parts: sevenTexts, compact: false, fits: 5 }
 */
export function fitToReplies(normal: OutboundPart[], compact: () => OutboundPart[], repliesLeft: number | undefined): FittedReply {
  if (repliesLeft === undefined || repliesLeft <= 0 || normal.length <= repliesLeft - 1) return { parts: normal, compact: false, fits: normal.length };
  const small = compact();
  const parts = small.length < normal.length ? small : normal;
  return { parts, compact: parts === small, fits: Math.min(parts.length, repliesLeft) };
}

// ── helpers ───────────────────────────────────────────────────────────────────────────────────

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const line = (...parts: string[]): string => parts.filter((p) => p !== '' && p !== ':').join(' ');
const asArray = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
