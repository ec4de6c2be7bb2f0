import { type ActivityStamp, type AddressedActivity, channelEventActivity, type CoreActivity, type CoreAttachment, systemStamp } from '../core';
import type { KfMenuItem, KfOutboundMessage } from '../wecom/kfMessages';
import { type CompactContent, linkAsText, type OutboundPart } from './fromActivity';
import { splitUtf8 } from './textSplit';

/**
 * A welcome turn in one kf message. WeCom's `enter_session` welcome code carries exactly one
 * message (text or msgmenu, wecom-kf-api.md §7), and nothing else may reach the customer before
 * they write; so the adapter buffers what the bot sends in a welcome turn and merges it here.
 *
 * Decisions:
 * - Texts are joined with a blank line between them; a card's text and links come in as text
 *   (the compact rendering, see `compactContent`).
 * - With suggested actions (or card buttons that answer the bot) the message is a `msgmenu`: the
 *   text before the menu is its `head_content`, the text after it its `tail_content`.
 * - WeCom's limits: text ≤2048 bytes, head/tail ≤1024 bytes, ≤10 menu items. The message takes the
 *   turn's content in order as long as it fits; from the first piece that does not fit, everything
 *   is left out (so what the bot sends later still reads in order). A first text longer than 2048
 *   bytes is cut at a line or word break, and its remainder is left out. A menu that cannot go in
 *   takes its own activity's text with it (a question stays with its choices). Two menus with no
 *   text between them share one list while ≤10 items.
 * - What a welcome cannot carry at all (images and other media, locations, kf messages other than
 *   text and menus) is left out without stopping the rest.
 * - What is left out is never dropped silently: it comes back as message activities the bot can
 *   send unchanged once the customer writes, in the {@link WELCOME_OVERFLOW_EVENT} event.
 */

/**
 * Event the bot receives after a welcome turn whose content did not all fit the one welcome
 * message. `value`: `{ sent, leftOut }` — the kf message that went out (or undefined) and the
 * left-out content as message activities, e.g. to send with `context.sendActivities(leftOut)` after
 * the customer's first message.
 */
export const WELCOME_OVERFLOW_EVENT = 'wecom.welcomeOverflow';

export type WelcomeKfMessage = Extract<KfOutboundMessage, { msgtype: 'text' | 'msgmenu' }>;

/** A welcome turn merged: the one message and what did not fit. */
export interface WelcomeMessage {
  /** What the welcome code carries; undefined when nothing of the turn could go in it. */
  readonly message?: WelcomeKfMessage;
  /** What did not fit, as message activities the bot can send later unchanged. */
  readonly leftOut: LeftOutActivity[];
}

/** A left-out piece of a welcome, as a message activity the bot can send unchanged. */
export interface LeftOutActivity {
  type: 'message';
  text?: string;
  textFormat?: string;
  attachments?: CoreAttachment[];
  channelData?: { wecom: KfOutboundMessage };
}

const LIMITS = { text: 2048, head: 1024, tail: 1024, items: 10 } as const;
const SEPARATOR = '\n\n';

/** A piece of the turn's content, with the index of the activity it came from. */
type Piece = { readonly from: number } & (
  | { kind: 'text'; text: string }
  | { kind: 'menu'; items: readonly KfMenuItem[] }
  | { kind: 'other'; part: OutboundPart }
);

/**
 * Merges a welcome turn's activities (as {@link CompactContent}, in the order the bot sent them)
 * into one kf message within WeCom's limits. Pure.
 *
 * @example
 * mergeWelcome([compactContent({ text: 'Welcome!' }), compactContent(MessageFactory.suggestedActions(['Red', 'Blue'], 'Favourite colour?'))])
 * // { message: { msgtype: 'msgmenu', msgmenu: { head_content: 'Welcome!\n\nFavourite colour?', list: [Red, Blue] } }, leftOut: [] }
 */
export function mergeWelcome(contents: readonly CompactContent[]): WelcomeMessage {
  const head: { text: string; from: number }[] = [];
  const tail: string[] = [];
  let list: KfMenuItem[] | undefined;
  let full = false;
  const left: Piece[] = [];
  const fits = (texts: readonly string[], more: string, limit: number): boolean => utf8([...texts, more].join(SEPARATOR)) <= limit;
  const headTexts = (): string[] => head.map((h) => h.text);

  for (const piece of contents.flatMap((content, from) => piecesOf(content, from))) {
    if (piece.kind === 'other' || full) {
      left.push(piece);
    } else if (piece.kind === 'text' && list === undefined) {
      if (fits(headTexts(), piece.text, LIMITS.text)) {
        head.push({ text: piece.text, from: piece.from });
      } else if (head.length === 0) {
        const first = splitUtf8(piece.text, LIMITS.text)[0]!;
        head.push({ text: first, from: piece.from });
        left.push({ kind: 'text', text: piece.text.slice(first.length).trimStart(), from: piece.from });
        full = true;
      } else {
        left.push(piece);
        full = true;
      }
    } else if (piece.kind === 'text') {
      if (fits(tail, piece.text, LIMITS.tail)) tail.push(piece.text);
      else {
        left.push(piece);
        full = true;
      }
    } else if (list === undefined && utf8(headTexts().join(SEPARATOR)) <= LIMITS.head) {
      list = piece.items.slice(0, LIMITS.items);
      if (piece.items.length > LIMITS.items) {
        left.push({ kind: 'menu', items: piece.items.slice(LIMITS.items), from: piece.from });
        full = true;
      }
    } else if (list !== undefined && tail.length === 0 && list.length + piece.items.length <= LIMITS.items) {
      list.push(...piece.items);
    } else {
      // The menu's own question stays with it (left out together), unless it is all the welcome has.
      const own: Piece[] = [];
      while (list === undefined && head.length > 1 && head.at(-1)!.from === piece.from) own.unshift({ kind: 'text', ...head.pop()! });
      left.push(...own, piece);
      full = true;
    }
  }
  return { message: messageOf(headTexts(), list, tail), leftOut: activitiesOf(left) };
}

function messageOf(head: readonly string[], list: KfMenuItem[] | undefined, tail: readonly string[]): WelcomeKfMessage | undefined {
  if (list !== undefined && list.length > 0) {
    return {
      msgtype: 'msgmenu',
      msgmenu: { ...(head.length > 0 ? { head_content: head.join(SEPARATOR) } : {}), list, ...(tail.length > 0 ? { tail_content: tail.join(SEPARATOR) } : {}) },
    };
  }
  const text = [...head, ...tail].join(SEPARATOR);
  return text.trim() === '' ? undefined : { msgtype: 'text', text: { content: text } };
}

/** One activity's content in the order the compact rendering sends it: text, media, menu, channelData. */
function piecesOf(content: CompactContent, from: number): Piece[] {
  const pieces: Piece[] = [];
  const text = content.blocks.join(SEPARATOR);
  if (text.trim() !== '') pieces.push({ kind: 'text', text, from });
  for (const part of content.rest) pieces.push(...piecesOfPart(part, from));
  if (content.items.length > 0) pieces.push({ kind: 'menu', items: content.items, from });
  if (content.passthrough) pieces.push(...piecesOfPart({ kind: 'send', message: content.passthrough }, from));
  return pieces;
}

function piecesOfPart(part: OutboundPart, from: number): Piece[] {
  if (part.kind === 'link') return [{ kind: 'text', text: linkAsText(part), from }];
  if (part.kind === 'send' && part.message.msgtype === 'text') return [{ kind: 'text', text: part.message.text.content, from }];
  if (part.kind === 'send' && part.message.msgtype === 'msgmenu') {
    const { head_content: head, list, tail_content: tail } = part.message.msgmenu;
    const pieces: Piece[] = [];
    if (head) pieces.push({ kind: 'text', text: head, from });
    if (list.length > 0) pieces.push({ kind: 'menu', items: list, from });
    if (tail) pieces.push({ kind: 'text', text: tail, from });
    return pieces;
  }
  return [{ kind: 'other', part, from }];
}

/**
 * Left-out pieces as message activities that send them unchanged: a menu in lists of ≤10, headed
 * by the text just before it from the same activity when that fits 1024 bytes.
 */
function activitiesOf(left: readonly Piece[]): LeftOutActivity[] {
  const out: LeftOutActivity[] = [];
  for (let i = 0; i < left.length; i++) {
    const piece = left[i]!;
    const next = left[i + 1];
    if (piece.kind === 'text' && next?.kind === 'menu' && next.from === piece.from && utf8(piece.text) <= LIMITS.head && next.items.length <= LIMITS.items) {
      out.push({ type: 'message', channelData: { wecom: { msgtype: 'msgmenu', msgmenu: { head_content: piece.text, list: next.items } } } });
      i++;
    } else {
      out.push(...activitiesOfPiece(piece));
    }
  }
  return out;
}

function activitiesOfPiece(piece: Piece): LeftOutActivity[] {
  switch (piece.kind) {
    case 'text':
      return piece.text.trim() === '' ? [] : [{ type: 'message', text: piece.text, textFormat: 'plain' }];
    case 'menu': {
      const out: LeftOutActivity[] = [];
      for (let i = 0; i < piece.items.length; i += LIMITS.items) {
        out.push({ type: 'message', channelData: { wecom: { msgtype: 'msgmenu', msgmenu: { list: piece.items.slice(i, i + LIMITS.items) } } } });
      }
      return out;
    }
    case 'other': {
      const { part } = piece;
      if (part.kind === 'media') return [{ type: 'message', attachments: [{ ...part.attachment, contentType: part.attachment.contentType ?? '' }] }];
      if (part.kind === 'send') return [{ type: 'message', channelData: { wecom: part.message } }];
      return [];
    }
  }
}

/** `value` of the {@link WELCOME_OVERFLOW_EVENT}. */
export interface WelcomeOverflowValue {
  /** The kf message the welcome code carried, if any. */
  readonly sent?: WelcomeKfMessage;
  readonly leftOut: readonly LeftOutActivity[];
}

/**
 * The {@link WELCOME_OVERFLOW_EVENT} for a welcome turn, addressed like the turn's activity `source`
 * (conversation, from, recipient, serviceUrl, channelData), with its own `id` and `timestamp` from
 * `stamp` so it passes the Agents SDK's validation and state keys.
 *
 * @example
 * welcomeOverflowActivity(context.activity, mergeWelcome(contents), { clock, newId: () => randomUUID() })
 * // { type: 'event', name: 'wecom.welcomeOverflow', value: { sent: { msgtype: 'text', … }, leftOut: [{ type: 'message', … }] },
 * //   id: '…', timestamp: Date, channelId: 'wecom', conversation: <the turn's>, from: <the customer>, … }
 */
export function welcomeOverflowActivity(source: CoreActivity, welcome: WelcomeMessage, stamp: ActivityStamp = systemStamp): AddressedActivity {
  const value: WelcomeOverflowValue = { sent: welcome.message, leftOut: welcome.leftOut };
  return channelEventActivity({ name: WELCOME_OVERFLOW_EVENT, value, source, stamp });
}

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
