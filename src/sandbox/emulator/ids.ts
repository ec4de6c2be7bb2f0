import { randomBytes } from 'node:crypto';

const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const urlSafe = `${alnum}-_`;

/** A random string over `alphabet` (its bias is irrelevant here: ids must be unique, not secret). */
export function randomString(length: number, alphabet: string = alnum): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Realistic-looking identifiers, shaped like WeCom's own (prefixes and lengths from §1). */
export const ids = {
  corpId: (): string => `ww${randomBytes(8).toString('hex')}`,
  secret: (): string => randomString(43, urlSafe),
  callbackToken: (): string => randomString(24),
  /** 43 characters of base64 that decode (with "=") to 32 bytes, as WeCom's settings page makes them. */
  encodingAesKey: (): string => randomBytes(32).toString('base64').slice(0, 43),
  openKfid: (): string => `wk${randomString(30, urlSafe)}`,
  externalUserid: (): string => `wm${randomString(30, urlSafe)}`,
  /** Inbound msgids are longer than the 32 bytes send_msg accepts, so reusing one outbound fails as on WeCom. */
  inboundMsgid: (): string => randomString(42, urlSafe),
  outboundMsgid: (): string => randomString(32, urlSafe),
  accessToken: (): string => randomString(96, urlSafe),
  syncToken: (): string => `ENC${randomString(40)}`,
  mediaId: (): string => `3${randomString(63, urlSafe)}`,
  eventCode: (): string => randomString(43, urlSafe),
  nonce: (): string => String(randomBytes(4).readUInt32BE()),
  /** A WeChat-like nickname: Chinese or Latin, sometimes with an emoji, as customers pick them. */
  nickname: (): string => {
    const names = ['小明', '阿强', '晓雪', 'Lily', '王小姐', '快乐的鱼', 'Tom Chen', '橘子🍊', '李先生', 'Sunny'];
    return names[randomBytes(1)[0]! % names.length]!;
  },
};
