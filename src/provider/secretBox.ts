/**
 * Encryption at rest of the corps' permanent codes (issue 14): a leaked database alone must not let
 * anyone call WeCom as an authorised corp. AES-256-GCM, so a wrong key is detected, never decoded
 * into garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WeComChannelError } from '../common';

/** The environment variable holding the key; named in every error. */
export const SECRET_KEY_VARIABLE = 'WECOM_SECRET_KEY';

/**
 * A stored secret cannot be opened with the configured key: the key changed (or the data was
 * altered). Nothing stored can be used until the old key is back, or the corp installs again.
 */
export class SecretKeyMismatchError extends WeComChannelError {
  override readonly name = 'SecretKeyMismatchError' as const;
  readonly code = 'secret_key_mismatch' as const;
  readonly variable = SECRET_KEY_VARIABLE;

  constructor(what: string) {
    super(`${what} cannot be decrypted with ${SECRET_KEY_VARIABLE}: the key is not the one it was stored with (or the stored value was altered). Put the previous ${SECRET_KEY_VARIABLE} back, or have the corp install the app again`);
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals and opens short secrets with one 32-byte key.
 *
 * @example
 * const box = new SecretBox(config.suite.secretKey);
 * const stored = box.seal(permanentCode);   // 'v1:…' (base64), different every time
 * box.open(stored, 'permanent code');       // the code; SecretKeyMismatchError with another key
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new TypeError(`${SECRET_KEY_VARIABLE} must be 32 bytes, not ${key.length}`);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** @throws SecretKeyMismatchError when the key differs or `sealed` was altered */
  open(sealed: string, what = 'a stored secret'): string {
    const [version, data] = sealed.split(':', 2);
    const bytes = Buffer.from(data ?? '', 'base64');
    if (version !== VERSION || bytes.length < IV_BYTES + TAG_BYTES) throw new SecretKeyMismatchError(what);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyMismatchError(what);
    }
  }
}
