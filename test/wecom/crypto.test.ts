import { createCipheriv, randomBytes } from 'node:crypto';
import * as wecom from '@wecom/crypto';
import { ManualClock } from '../../src/common/clock';
import { computeSignature, parseEncodingAesKey, signaturesEqual, WeComCrypto } from '../../src/wecom/crypto';

// Tencent's official callback samples (wecom-kf-api.md §2).
const TOKEN = 'QDG6eK';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CORP = 'wx5823bf96d3bd56c7';
const URL_CHECK = {
  msgSignature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
};
const MESSAGE = {
  msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
  timestamp: '1409659813',
  nonce: '1372623149',
  encrypt:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
};
const OTHER_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

const official = (options: Partial<ConstructorParameters<typeof WeComCrypto>[0]> = {}) =>
  new WeComCrypto({ token: TOKEN, encodingAesKey: AES_KEY, receiveIds: [CORP], ...options });
const params = (v: { msgSignature: string; timestamp: string; nonce: string }) => ({
  msgSignature: v.msgSignature,
  timestamp: v.timestamp,
  nonce: v.nonce,
});
const code = (c: string) => expect.objectContaining({ code: c });

/** Encrypts an arbitrary plaintext with the official key, to craft structurally broken payloads. */
function rawEncrypt(plain: Buffer, key = parseEncodingAesKey(AES_KEY)): string {
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}
function frame(message: Buffer, receiveId: Buffer, declaredLength = message.length): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(declaredLength);
  const body = Buffer.concat([randomBytes(16), length, message, receiveId]);
  const pad = 32 - (body.length % 32);
  return Buffer.concat([body, Buffer.alloc(pad, pad)]);
}

describe('official test vectors', () => {
  it('answers the URL check with the bare plaintext', () => {
    expect(official().verifyUrl(params(URL_CHECK), URL_CHECK.echostr)).toEqual({ echo: '1616140317555161061', receiveId: CORP });
  });

  it('accepts an echostr whose "+" a form decoder turned into spaces', () => {
    const decodedByUrlSearchParams = new URLSearchParams(`echostr=${URL_CHECK.echostr}`).get('echostr') ?? '';
    expect(decodedByUrlSearchParams).toContain(' ');
    expect(official().verifyUrl(params(URL_CHECK), decodedByUrlSearchParams).echo).toBe('1616140317555161061');
  });

  it('decrypts the message to the sample XML', () => {
    const { message, receiveId } = official().open(params(MESSAGE), MESSAGE.encrypt);
    expect(receiveId).toBe(CORP);
    expect(message).toContain('<Content><![CDATA[hello]]></Content>');
    expect(message).toContain('<MsgId>4561255354251345929</MsgId>');
  });

  it('re-encrypts with the recovered random prefix to the same ciphertext, bit for bit', () => {
    const crypto = official();
    const { message, receiveId, random } = crypto.decrypt(MESSAGE.encrypt);
    expect(random).toHaveLength(16);
    expect(crypto.encrypt(message, receiveId, random)).toBe(MESSAGE.encrypt);
    const echo = crypto.decrypt(URL_CHECK.echostr);
    expect(crypto.encrypt(echo.message, echo.receiveId, echo.random)).toBe(URL_CHECK.echostr);
  });

  it('computes the given signatures', () => {
    expect(computeSignature(TOKEN, MESSAGE.timestamp, MESSAGE.nonce, MESSAGE.encrypt)).toBe(MESSAGE.msgSignature);
    expect(official().sign(URL_CHECK.timestamp, URL_CHECK.nonce, URL_CHECK.echostr)).toBe(URL_CHECK.msgSignature);
  });
});

describe('agreement with @wecom/crypto', () => {
  const samples = ['<xml><Content><![CDATA[你好, 世界 🌏 — café]]></Content></xml>', '', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(1000)];

  it.each(samples.map((s) => [s.slice(0, 20), s]))('ours → theirs and theirs → ours: %j', (_label, message) => {
    const crypto = official();
    const ours = crypto.encrypt(message, CORP);
    expect(wecom.decrypt(AES_KEY, ours)).toMatchObject({ message, id: CORP });
    const theirs = wecom.encrypt(AES_KEY, message, CORP);
    expect(crypto.decrypt(theirs)).toMatchObject({ message, receiveId: CORP });
  });

  it('produces the same ciphertext for the same random bytes', () => {
    const random = randomBytes(16);
    expect(official().encrypt('同じ', CORP, random)).toBe(wecom.encrypt(AES_KEY, '同じ', CORP, random));
  });

  it('signs like @wecom/crypto', () => {
    expect(official().sign('1700000000', 'n0nce', 'abc+/=')).toBe(wecom.getSignature(TOKEN, '1700000000', 'n0nce', 'abc+/='));
  });
});

describe('refusals', () => {
  it('refuses a ciphertext made with another key (where @wecom/crypto returns an empty id)', () => {
    const foreign = wecom.encrypt(OTHER_KEY, '<xml/>', CORP);
    expect(() => official().decrypt(foreign)).toThrow(code('decrypt_failed'));
  });

  it('never returns a result for a wrong key, whatever the key', () => {
    const crypto = official();
    for (let i = 0; i < 300; i++) {
      const wrong = new WeComCrypto({ token: TOKEN, encodingAesKey: randomBytes(32).toString('base64').slice(0, 43), receiveIds: [CORP] });
      let error: unknown;
      try {
        wrong.decrypt(crypto.encrypt(`<xml>${i}</xml>`, CORP));
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: expect.stringMatching(/^(decrypt_failed|receive_id_mismatch)$/) });
    }
  });

  it('refuses another receive id and reports which accepted id matched', () => {
    const crypto = official({ receiveIds: ['dk_suite', 'wwprovider'] });
    expect(() => crypto.decrypt(MESSAGE.encrypt)).toThrow(code('receive_id_mismatch'));
    expect(crypto.decrypt(crypto.encrypt('<xml/>', 'wwprovider')).receiveId).toBe('wwprovider');
    expect(crypto.decrypt(crypto.encrypt('<xml/>', 'dk_suite')).receiveId).toBe('dk_suite');
    expect(() => crypto.decrypt(crypto.encrypt('<xml/>', 'wwprovider'), ['wwother'])).toThrow(code('receive_id_mismatch'));
  });

  it('refuses a receive id that is a prefix or extension of an accepted one', () => {
    const crypto = official();
    expect(() => crypto.decrypt(crypto.encrypt('m', CORP.slice(0, -1)))).toThrow(code('receive_id_mismatch'));
    expect(() => crypto.decrypt(crypto.encrypt('m', `${CORP}x`))).toThrow(code('receive_id_mismatch'));
  });

  it('refuses an empty receive id', () => {
    expect(() => official().decrypt(official().encrypt('m', ''))).toThrow(code('receive_id_mismatch'));
  });

  it('refuses truncated ciphertexts', () => {
    const bytes = Buffer.from(MESSAGE.encrypt, 'base64');
    for (const cut of [bytes.subarray(0, 16), bytes.subarray(0, bytes.length - 16), bytes.subarray(0, bytes.length - 32), bytes.subarray(0, bytes.length - 5), Buffer.alloc(0)]) {
      expect(() => official().decrypt(cut.toString('base64'))).toThrow(code('decrypt_failed'));
    }
  });

  it('refuses a tampered tail on decrypt, and any tampering at the signature', () => {
    const bytes = Buffer.from(MESSAGE.encrypt, 'base64');
    bytes[bytes.length - 20] ^= 0x01;
    const tampered = bytes.toString('base64');
    expect(() => official().decrypt(tampered)).toThrow(code('decrypt_failed'));

    const early = Buffer.from(MESSAGE.encrypt, 'base64');
    early[40] ^= 0x01;
    expect(() => official().open(params(MESSAGE), early.toString('base64'))).toThrow(code('signature_mismatch'));
  });

  it.each([['not base64', '@@@@'], ['bad length', 'abc'], ['spaces', 'YWJj ZGVm'], ['empty', '']])('refuses bad base64 (%s)', (_label, input) => {
    expect(() => official().decrypt(input)).toThrow(code('decrypt_failed'));
  });

  it('refuses a length field out of bounds', () => {
    const forged = rawEncrypt(frame(Buffer.from('<xml/>'), Buffer.from(CORP), 0xffffffff));
    expect(() => official().decrypt(forged)).toThrow(code('decrypt_failed'));
    const justOver = rawEncrypt(frame(Buffer.from('<xml/>'), Buffer.from(CORP), 6 + CORP.length + 1));
    expect(() => official().decrypt(justOver)).toThrow(code('decrypt_failed'));
  });

  it('refuses bad padding', () => {
    const good = frame(Buffer.from('<xml/>'), Buffer.from(CORP));
    const zeroPad = Buffer.from(good);
    zeroPad[zeroPad.length - 1] = 0;
    const mixedPad = Buffer.from(good);
    mixedPad[mixedPad.length - 2] ^= 0xff;
    const tooBig = Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([33])]);
    expect(official().decrypt(rawEncrypt(good)).message).toBe('<xml/>');
    for (const bad of [zeroPad, mixedPad, tooBig]) expect(() => official().decrypt(rawEncrypt(bad))).toThrow(code('decrypt_failed'));
  });

  it('refuses a message that is not UTF-8', () => {
    const forged = rawEncrypt(frame(Buffer.from([0x3c, 0xff, 0xfe, 0x3e]), Buffer.from(CORP)));
    expect(() => official().decrypt(forged)).toThrow(code('decrypt_failed'));
  });

  it('refuses a wrong signature, a wrong token, and a signature of another length without throwing anything else', () => {
    expect(() => official().open({ ...params(MESSAGE), msgSignature: MESSAGE.msgSignature.replace(/^4/, '5') }, MESSAGE.encrypt)).toThrow(code('signature_mismatch'));
    expect(() => official({ token: 'other' }).open(params(MESSAGE), MESSAGE.encrypt)).toThrow(code('signature_mismatch'));
    expect(() => official().open({ ...params(MESSAGE), msgSignature: 'short' }, MESSAGE.encrypt)).toThrow(code('signature_mismatch'));
    expect(() => official().verifyUrl({ ...params(URL_CHECK), nonce: '263014781' }, URL_CHECK.echostr)).toThrow(code('signature_mismatch'));
  });

  it('never puts the token or the key in an error message', () => {
    const messages: string[] = [];
    const attempts = [
      () => official().open({ ...params(MESSAGE), msgSignature: 'x' }, MESSAGE.encrypt),
      () => official().decrypt('@@'),
      () => official({ receiveIds: ['other'] }).decrypt(MESSAGE.encrypt),
      () => new WeComCrypto({ token: TOKEN, encodingAesKey: `${AES_KEY}x`, receiveIds: [CORP] }),
      () => new WeComCrypto({ token: TOKEN, encodingAesKey: AES_KEY.replace('j', '*'), receiveIds: [CORP] }),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
      } catch (e) {
        messages.push(String(e));
      }
    }
    expect(messages).toHaveLength(attempts.length);
    for (const message of messages) {
      expect(message).not.toContain(TOKEN);
      expect(message).not.toContain(AES_KEY.slice(0, 10));
    }
  });
});

describe('configuration', () => {
  it.each([['42 characters', AES_KEY.slice(1)], ['44 characters', `${AES_KEY}=`], ['not base64', `${AES_KEY.slice(0, 42)}*`], ['empty', '']])(
    'refuses an EncodingAESKey of %s with a ConfigError',
    (_label, key) => {
      expect(() => new WeComCrypto({ token: TOKEN, encodingAesKey: key, receiveIds: [CORP] })).toThrow(
        expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('43 characters') }),
      );
    },
  );

  it('refuses no receive ids, an empty one, an empty token and a bad skew', () => {
    expect(() => official({ receiveIds: [] })).toThrow(code('config_invalid'));
    expect(() => official({ receiveIds: [CORP, ''] })).toThrow(code('config_invalid'));
    expect(() => official({ token: '' })).toThrow(code('config_invalid'));
    expect(() => official({ maxTimestampSkewSeconds: 0 })).toThrow(code('config_invalid'));
  });

  it('refuses a random prefix that is not 16 bytes', () => {
    expect(() => official().encrypt('m', CORP, Buffer.alloc(15))).toThrow(RangeError);
  });
});

describe('timestamp age', () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);
  const signed = (crypto: WeComCrypto, timestamp: string) => {
    const encrypt = crypto.encrypt('<xml/>', CORP);
    return () => crypto.open({ msgSignature: crypto.sign(timestamp, 'n', encrypt), timestamp, nonce: 'n' }, encrypt);
  };

  it('is off by default: the 2014 vector still opens', () => {
    expect(official({ clock: new ManualClock(now) }).open(params(MESSAGE), MESSAGE.encrypt).receiveId).toBe(CORP);
  });

  it('accepts a fresh timestamp and refuses stale, future and non-numeric ones', () => {
    const crypto = official({ clock: new ManualClock(now), maxTimestampSkewSeconds: 300 });
    const nowSeconds = now / 1000;
    expect(signed(crypto, String(nowSeconds - 300))().message).toBe('<xml/>');
    expect(signed(crypto, String(nowSeconds - 301))).toThrow(code('timestamp_stale'));
    expect(signed(crypto, String(nowSeconds + 301))).toThrow(code('timestamp_stale'));
    expect(signed(crypto, 'soon')).toThrow(code('timestamp_stale'));
  });

  it('under a test clock moved ahead, accepts callbacks signed on the test clock or in real time, nothing older', () => {
    const ahead = 2200 * 3600_000;
    const clock = { now: () => now + ahead, aheadMs: () => ahead };
    const crypto = official({ clock, maxTimestampSkewSeconds: 300 });
    expect(signed(crypto, String((now + ahead) / 1000))().message).toBe('<xml/>'); // the sandbox's WeCom shares the clock
    expect(signed(crypto, String(now / 1000 - 60))().message).toBe('<xml/>'); // a real WeCom keeps real time
    expect(signed(crypto, String(now / 1000 - 301))).toThrow(code('timestamp_stale'));
  });

  it('checks the signature before the age, so forged timestamps are signature errors', () => {
    const crypto = official({ clock: new ManualClock(now), maxTimestampSkewSeconds: 300 });
    expect(() => crypto.open(params(MESSAGE), MESSAGE.encrypt)).toThrow(code('timestamp_stale'));
    expect(() => crypto.open({ ...params(MESSAGE), msgSignature: 'f'.repeat(40) }, MESSAGE.encrypt)).toThrow(code('signature_mismatch'));
  });
});

describe('signaturesEqual', () => {
  it('compares without throwing on a length mismatch', () => {
    expect(signaturesEqual(MESSAGE.msgSignature, MESSAGE.msgSignature)).toBe(true);
    expect(signaturesEqual(MESSAGE.msgSignature.toUpperCase(), MESSAGE.msgSignature)).toBe(false);
    expect(signaturesEqual('', MESSAGE.msgSignature)).toBe(false);
    expect(signaturesEqual(`${MESSAGE.msgSignature}0`, MESSAGE.msgSignature)).toBe(false);
  });
});
