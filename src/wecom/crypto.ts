import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../common/clock';
import { ConfigError } from '../common/errors';
import { CallbackVerificationError } from './callbackErrors';

/** WeCom pads to 32-byte blocks (PKCS#7 with a 32-byte block), not AES's 16. */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;
const HEADER_BYTES = RANDOM_BYTES + 4;
const AES_KEY_PATTERN = /^[A-Za-z0-9+/]{43}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Refuses bytes that are not UTF-8 instead of turning them into U+FFFD: garbage means a wrong key. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The WeCom callback signature: hex SHA-1 of token, timestamp, nonce and the ciphertext (POST
 * `Encrypt`, GET `echostr`), sorted as strings and concatenated.
 *
 * @example
 * computeSignature('QDG6eK', '1409659813', '1372623149', encrypt) // '477715d1…'
 */
export function computeSignature(token: string, timestamp: string, nonce: string, data: string): string {
  return createHash('sha1').update([token, timestamp, nonce, data].sort().join('')).digest('hex');
}

/**
 * Constant-time comparison of a received signature with the expected one. A length mismatch is
 * a plain `false` (`timingSafeEqual` would throw); the expected length (40) is public anyway.
 */
export function signaturesEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Turns an EncodingAESKey (43 characters of base64) into the AES-256 key.
 *
 * @param settingName names the setting in the error, e.g. `WECOM_ENCODING_AES_KEY`.
 * @throws ConfigError when the key is not 43 characters of base64 (the key itself is never echoed).
 */
export function parseEncodingAesKey(encodingAesKey: string, settingName = 'encodingAesKey'): Buffer {
  const fix = 'copy the 43-character EncodingAESKey from the callback settings page';
  if (!AES_KEY_PATTERN.test(encodingAesKey)) {
    throw new ConfigError(settingName, `must be 43 characters of base64 (got ${encodingAesKey.length} characters)`, fix);
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new ConfigError(settingName, 'does not decode to 32 bytes', fix);
  return key;
}

/** The query parameters WeCom signs. `echostr` must already be URL-decoded (see {@link WeComCrypto.verifyUrl}). */
export interface SignedParams {
  msgSignature: string;
  timestamp: string;
  nonce: string;
}

/** What decryption recovered. */
export interface Decrypted {
  /** The inner message (XML for POST, the echo for GET). */
  message: string;
  /** The receive id that followed the message; always one of the accepted ids, never empty. */
  receiveId: string;
  /** The 16 random prefix bytes, for reproducing a ciphertext in tests. */
  random: Buffer;
}

export interface WeComCryptoOptions {
  /** The callback Token from the WeCom console. Required. */
  token: string;
  /** The callback EncodingAESKey (43 characters). Required. */
  encodingAesKey: string;
  /**
   * Receive ids a decrypted message may end with. Required, non-empty. Self-built: `[corpId]`;
   * provider instruction URL: `[suiteId, providerCorpId]` (reports differ on which WeCom uses).
   */
  receiveIds: readonly string[];
  /** Refuse callbacks whose `timestamp` is further than this from now, either way. Default: off (WeCom's spec has no age check). */
  maxTimestampSkewSeconds?: number;
  /** Where "now" comes from for the age check. Default: {@link systemClock}. */
  clock?: Clock;
  /** Name used in ConfigError messages. Default `encodingAesKey`. */
  settingName?: string;
}

/**
 * WeCom callback crypto (signature, AES-256-CBC, receive id) on `node:crypto`.
 *
 * @example
 * const crypto = new WeComCrypto({ token, encodingAesKey, receiveIds: [corpId] });
 * const { message, receiveId } = crypto.open({ msgSignature, timestamp, nonce }, encrypt);
 */
export class WeComCrypto {
  readonly receiveIds: readonly string[];
  private readonly token: string;
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private readonly maxSkewSeconds: number | undefined;
  private readonly clock: Clock;

  constructor(options: WeComCryptoOptions) {
    const settingName = options.settingName ?? 'encodingAesKey';
    if (!options.token) throw new ConfigError('token', 'is empty', 'copy the callback Token from the WeCom console');
    this.token = options.token;
    this.key = parseEncodingAesKey(options.encodingAesKey, settingName);
    this.iv = this.key.subarray(0, 16);
    if (options.receiveIds.length === 0 || options.receiveIds.some((id) => id === '')) {
      throw new ConfigError('receiveIds', 'must list at least one non-empty id', 'pass the corp id (or suite id and provider corp id)');
    }
    this.receiveIds = [...options.receiveIds];
    const skew = options.maxTimestampSkewSeconds;
    if (skew !== undefined && !(Number.isFinite(skew) && skew > 0)) {
      throw new ConfigError('maxTimestampSkewSeconds', 'must be a positive number of seconds', 'leave it unset to turn the check off');
    }
    this.maxSkewSeconds = skew;
    this.clock = options.clock ?? systemClock;
  }

  /** The signature WeCom would send for `data` (an `Encrypt` or `echostr` value). */
  sign(timestamp: string, nonce: string, data: string): string {
    return computeSignature(this.token, timestamp, nonce, data);
  }

  /** @throws CallbackVerificationError `signature_mismatch` */
  verifySignature(params: SignedParams, data: string): void {
    if (!signaturesEqual(params.msgSignature, this.sign(params.timestamp, params.nonce, data))) {
      throw new CallbackVerificationError('signature_mismatch', 'msg_signature does not match the Token and the payload');
    }
  }

  /** @throws CallbackVerificationError `timestamp_stale` when an age limit is set and `timestamp` is outside it. */
  checkTimestamp(timestamp: string): void {
    if (this.maxSkewSeconds === undefined) return;
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
    // A test clock moved ahead of real time: a WeCom keeping real time still signs fresh callbacks.
    const now = this.clock.now();
    const skew = Math.min(Math.abs(now / 1000 - seconds), Math.abs((now - (this.clock.aheadMs?.() ?? 0)) / 1000 - seconds));
    // NaN fails the comparison too, so a non-numeric timestamp is refused rather than waved through.
    if (!(skew <= this.maxSkewSeconds)) {
      throw new CallbackVerificationError('timestamp_stale', `timestamp is not within ${this.maxSkewSeconds} s of now`);
    }
  }

  /**
   * Decrypts an `Encrypt`/`echostr` value and checks its structure and receive id. It does not
   * authenticate: CBC has no integrity, so call {@link open} (signature first) on untrusted input.
   *
   * @param acceptedReceiveIds overrides the configured ids, e.g. the envelope's corp id on a data URL.
   * @throws CallbackVerificationError `decrypt_failed` or `receive_id_mismatch`
   */
  decrypt(encrypted: string, acceptedReceiveIds: readonly string[] = this.receiveIds): Decrypted {
    const plain = this.decipher(encrypted);
    const content = plain.subarray(0, plain.length - checkPadding(plain));
    if (content.length < HEADER_BYTES) fail('decrypt_failed', 'plaintext is shorter than its header');
    const length = content.readUInt32BE(RANDOM_BYTES);
    if (length > content.length - HEADER_BYTES) fail('decrypt_failed', 'message length is out of bounds');
    const idBytes = content.subarray(HEADER_BYTES + length);
    // An empty receive id is what a wrong key often yields with lenient decoders: never accept it.
    if (idBytes.length === 0) fail('receive_id_mismatch', 'decrypted payload has no receive id');
    const message = decodeUtf8(content.subarray(HEADER_BYTES, HEADER_BYTES + length));
    const receiveId = decodeUtf8(idBytes);
    if (!acceptedReceiveIds.includes(receiveId)) {
      fail('receive_id_mismatch', 'decrypted receive id is not one this endpoint accepts (wrong corp, suite or key)');
    }
    return { message, receiveId, random: Buffer.from(content.subarray(0, RANDOM_BYTES)) };
  }

  /**
   * Verifies the signature, then the age, then decrypts: the order means nobody without the Token
   * can probe the decryption (no padding oracle).
   *
   * @example
   * const { message } = crypto.open({ msgSignature, timestamp, nonce }, envelope.encrypt);
   */
  open(params: SignedParams, encrypted: string, acceptedReceiveIds?: readonly string[]): Decrypted {
    this.verifySignature(params, encrypted);
    this.checkTimestamp(params.timestamp);
    return this.decrypt(encrypted, acceptedReceiveIds);
  }

  /**
   * Answers WeCom's URL check (GET): verifies and decrypts `echostr`, returns the bare plaintext
   * to send back as the body.
   *
   * `echostr` is base64, so it may contain `+`. Pass the value your query parser produced (already
   * URL-decoded). If WeCom sent a raw `+`, form-style decoders (`URLSearchParams`, `querystring`)
   * turn it into a space; base64 never contains spaces, so spaces are turned back into `+` here.
   *
   * @example
   * const { echo } = crypto.verifyUrl({ msgSignature, timestamp, nonce }, echostr); // res.end(echo)
   */
  verifyUrl(params: SignedParams, echostr: string, acceptedReceiveIds?: readonly string[]): { echo: string; receiveId: string } {
    const { message, receiveId } = this.open(params, echostr.replace(/ /g, '+'), acceptedReceiveIds);
    return { echo: message, receiveId };
  }

  /**
   * Encrypts `message` for `receiveId` as WeCom does. Pass `random` (16 bytes) to reproduce a
   * known ciphertext; otherwise it is fresh random bytes.
   *
   * @example
   * const encrypt = crypto.encrypt('<xml>…</xml>', corpId);
   */
  encrypt(message: string, receiveId: string, random: Buffer = randomBytes(RANDOM_BYTES)): string {
    if (random.length !== RANDOM_BYTES) throw new RangeError(`random must be ${RANDOM_BYTES} bytes, got ${random.length}`);
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    const unpadded = Buffer.concat([random, length, body, Buffer.from(receiveId, 'utf8')]);
    const pad = PAD_BLOCK - (unpadded.length % PAD_BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([unpadded, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
  }

  private decipher(encrypted: string): Buffer {
    if (!BASE64_PATTERN.test(encrypted)) fail('decrypt_failed', 'ciphertext is not base64');
    const data = Buffer.from(encrypted, 'base64');
    // Shortest valid plaintext: 20-byte header + 1-byte id + padding to 32.
    if (data.length < PAD_BLOCK || data.length % 16 !== 0) fail('decrypt_failed', 'ciphertext is truncated');
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  }
}

/** Returns the pad length after checking every pad byte; a wrong key or a tampered tail fails here. */
function checkPadding(plain: Buffer): number {
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || pad > plain.length) fail('decrypt_failed', 'padding is invalid');
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) fail('decrypt_failed', 'padding is invalid');
  }
  return pad;
}

function decodeUtf8(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    return fail('decrypt_failed', 'decrypted payload is not UTF-8', cause);
  }
}

function fail(code: 'decrypt_failed' | 'receive_id_mismatch', message: string, cause?: unknown): never {
  throw new CallbackVerificationError(code, message, cause === undefined ? undefined : { cause });
}
