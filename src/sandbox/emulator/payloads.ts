/**
 * Checks of what the app sends (§6, §7): each msgtype's payload, its byte limits and its media.
 * Returns the payload as it is recorded for `received()`.
 */
import { errcodes, refuse } from './errors';
import { type Json, isObject, num, obj, optArray, optInt, optStr, str } from './fields';
import type { MediaType } from './media';

export interface PayloadContext {
  /** Whether `mediaId` is a live media of the corp, of the given type (any type if undefined). */
  mediaExists(mediaId: string, type?: MediaType): boolean;
  menuClickIdMaxBytes: number;
}

/** The msgtypes send_msg accepts. `business_card` is only in [S15] and is accepted (unconfirmed). */
export const sendMsgTypes = ['text', 'image', 'voice', 'video', 'file', 'link', 'miniprogram', 'msgmenu', 'location', 'ca_link', 'business_card'] as const;

function media(p: Json, field: string, ctx: PayloadContext, type?: MediaType): void {
  const id = str(p, field, { maxBytes: 256 });
  if (!ctx.mediaExists(id, type)) refuse(errcodes.invalidMediaId, `${field} unknown, expired or not ${type ?? 'media'}`);
}

function url(p: Json, field: string, maxBytes: number): string {
  const u = str(p, field, { maxBytes });
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(u)) refuse(errcodes.invalidParameter, `${field} needs a scheme`);
  return u;
}

function menuItem(item: unknown, ctx: PayloadContext): void {
  if (!isObject(item)) refuse(errcodes.invalidParameter, 'menu item must be an object');
  const type = item.type;
  if (type === 'click') {
    const click = obj(item, 'click');
    optStr(click, 'id', { maxBytes: ctx.menuClickIdMaxBytes });
    str(click, 'content', { maxBytes: 128 });
  } else if (type === 'view') {
    const view = obj(item, 'view');
    url(view, 'url', 2048);
    str(view, 'content', { maxBytes: 1024 });
  } else if (type === 'miniprogram') {
    const mp = obj(item, 'miniprogram');
    str(mp, 'appid', { maxBytes: 32 });
    str(mp, 'pagepath', { maxBytes: 1024 });
    str(mp, 'content', { maxBytes: 1024 });
  } else if (type === 'text') {
    const text = obj(item, 'text');
    str(text, 'content', { maxBytes: 256 });
    optInt(text, 'no_newline', 0, 1);
  } else {
    refuse(errcodes.invalidMenuItemType, `menu item type ${String(type)}`);
  }
}

/**
 * Validates `body[msgtype]` for a msgtype in `allowed`; refuses with WeCom's codes (40008 unknown
 * type, 40058 bad field, 40007 bad media, 95008/95009 menus).
 */
export function validatePayload(msgtype: string, body: Json, allowed: readonly string[], ctx: PayloadContext): Json {
  if (!allowed.includes(msgtype)) refuse(errcodes.invalidMessageType, `msgtype ${msgtype}`);
  const p = obj(body, msgtype);
  switch (msgtype) {
    case 'text':
      str(p, 'content', { maxBytes: 2048 });
      break;
    case 'image':
    case 'voice':
    case 'video':
    case 'file':
      media(p, 'media_id', ctx, msgtype);
      break;
    case 'link':
      // title and desc over their limits are truncated by WeCom, not refused.
      str(p, 'title');
      optStr(p, 'desc');
      url(p, 'url', 2048);
      media(p, 'thumb_media_id', ctx, 'image');
      break;
    case 'miniprogram':
      str(p, 'appid', { maxBytes: 32 });
      optStr(p, 'title');
      str(p, 'pagepath', { maxBytes: 1024 });
      media(p, 'thumb_media_id', ctx, 'image');
      break;
    case 'msgmenu': {
      optStr(p, 'head_content', { maxBytes: 1024 });
      optStr(p, 'tail_content', { maxBytes: 1024 });
      for (const item of optArray(p, 'list', 10, errcodes.tooManyMenuItems)) menuItem(item, ctx);
      break;
    }
    case 'location':
      num(p, 'latitude', -90, 90);
      num(p, 'longitude', -180, 180);
      optStr(p, 'name');
      optStr(p, 'address');
      break;
    case 'ca_link': {
      const link = str(p, 'link_url', { maxBytes: 2048 });
      if (!link.startsWith('https://work.weixin.qq.com/ca/')) refuse(errcodes.invalidParameter, 'link_url must be a customer-acquisition link');
      break;
    }
    case 'business_card':
      str(p, 'userid', { maxBytes: 64 });
      break;
  }
  return p;
}
