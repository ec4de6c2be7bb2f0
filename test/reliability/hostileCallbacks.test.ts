/**
 * Property-based hostile input for the callback side: the XML parser, the envelope and event
 * readers, the signature and AES layer, and the whole `openCallback`. Whatever arrives, the answer
 * is a typed result or one of our typed errors (never a TypeError, RangeError or stack overflow,
 * and never a hang: a run that hung would fail on jest's timeout), and a valid round trip holds.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  buildEncryptedCallback, CallbackPayloadError, CallbackVerificationError, computeSignature, openCallback,
  parseCallbackEvent, parseCallbackXml, parseEnvelope, readRawBody, type RawBodyRequest, WeComCrypto,
} from '../../src/wecom';
import { propertyRuns } from './propertyRuns';

const RUNS = propertyRuns(150);
const CORP = 'wwcorp0001';
const TOKEN = 'QDG6eK';
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const crypto = new WeComCrypto({ token: TOKEN, encodingAesKey: KEY, receiveIds: [CORP] });

/** Runs `f`; its outcome is either a value or one of our typed callback errors, else the property fails. */
function typedOutcome<T>(f: () => T): { ok: true; value: T } | { ok: false; error: CallbackPayloadError | CallbackVerificationError } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof CallbackPayloadError || e instanceof CallbackVerificationError) return { ok: false, error: e };
    throw new Error(`untyped failure: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

// ---- Generators ---------------------------------------------------------------------------------

/** Text that is safe inside CDATA and as a receive id (no "]]>"). */
const cdataText = fc.string({ unit: 'grapheme', maxLength: 200 }).filter((s) => !s.includes(']]>'));
const tagName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/);

/** XML that is well-formed, of random shape (nested elements, CDATA, entities of the predefined five). */
const wellFormed: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }).map((s) => s.replace(/[<&]/g, '')),
    cdataText.map((s) => `<![CDATA[${s}]]>`),
    fc.constantFrom('&lt;', '&gt;', '&amp;', '&quot;', '&apos;', '&#60;', '&#x3C;'),
    fc.tuple(tagName, fc.array(tie('node'), { maxLength: 4 })).map(([t, kids]) => `<${t}>${kids.join('')}</${t}>`),
  ),
})).node.map((inner) => `<xml>${inner}</xml>`);

/** Documents built to hurt: huge, deep, entity bombs, external entities, odd encodings, cut short. */
const hostileXml: fc.Arbitrary<string | Buffer> = fc.oneof(
  // Billion laughs and friends: refused before any expansion.
  fc.integer({ min: 1, max: 10 }).map((n) => {
    const defs = Array.from({ length: n }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
    return `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY l0 "lol">${defs}]><xml><A>&l${n};</A></xml>`;
  }),
  fc.constantFrom(
    '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>',
    '<!doctype xml><xml/>',
    '<xml><A>&undefined;</A></xml>',
    '<xml><A>&#xFFFFFFFF;</A></xml>',
    '<xml><A>&#0;</A></xml>',
    '<xml><![CDATA[</xml>',
    '<xml>',
    '</xml>',
    '',
    '<xml></xml><xml></xml>',
    '<xml a="1" a="2"></xml>',
  ),
  // Deep nesting, up to what fits under the size limit and past it.
  fc.integer({ min: 1, max: 12_000 }).map((depth) => `<xml>${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}</xml>`),
  fc.integer({ min: 1, max: 30_000 }).map((depth) => `<xml>${'<a>'.repeat(depth)}`),
  // Huge: just under and over 64 KiB, one value or many elements.
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => `<xml><A><![CDATA[${'x'.repeat(n)}]]></A></xml>`),
  fc.integer({ min: 5_000, max: 12_000 }).map((n) => `<xml>${'<A>1</A>'.repeat(n)}</xml>`),
  // Not UTF-8: UTF-16 with a BOM, Latin-1 bytes, random bytes.
  wellFormed.map((x) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(x, 'utf16le')])),
  wellFormed.map((x) => Buffer.from(`${x.slice(0, -6)}\u00e9\u00ff</xml>`, 'latin1')),
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  // Cut short anywhere.
  fc.tuple(wellFormed, fc.nat()).map(([x, n]) => x.slice(0, n % (x.length + 1))),
  // Anything at all.
  fc.string({ unit: 'binary', maxLength: 500 }),
);

// ---- XML ---------------------------------------------------------------------------------------

describe('callback XML under hostile input', () => {
  it('parseCallbackXml: a record or a CallbackPayloadError, whatever the bytes', () => {
    fc.assert(fc.property(fc.oneof(hostileXml, wellFormed), (input) => {
      const out = typedOutcome(() => parseCallbackXml(input));
      if (out.ok) expect(typeof out.value).toBe('object');
      else expect(out.error).toBeInstanceOf(CallbackPayloadError);
    }), RUNS);
  });

  it('a DOCTYPE or ENTITY declaration is always refused as malformed, never expanded', () => {
    fc.assert(fc.property(fc.string({ maxLength: 50 }), fc.constantFrom('<!DOCTYPE', '<!doctype', '<!ENTITY', '<!Entity'), (filler, decl) => {
      const out = typedOutcome(() => parseCallbackXml(`<xml>${filler.replace(/[<&]/g, '')}${decl} x "y"></xml>`));
      expect(out.ok ? 'parsed' : out.error.code).toBe('payload_malformed');
    }), RUNS);
  });

  it('over the size limit is payload_too_large, whatever it is', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4096 }), fc.oneof(wellFormed, hostileXml), (limit, input) => {
      const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
      fc.pre(size > limit);
      const out = typedOutcome(() => parseCallbackXml(input, limit));
      expect(out.ok ? 'parsed' : out.error.code).toBe('payload_too_large');
    }), RUNS);
  });

  it('parseEnvelope and parseCallbackEvent: typed results or CallbackPayloadError', () => {
    fc.assert(fc.property(fc.oneof(hostileXml, wellFormed), (input) => {
      const env = typedOutcome(() => parseEnvelope(input));
      if (env.ok) expect(typeof env.value.encrypt).toBe('string');
      const ev = typedOutcome(() => parseCallbackEvent(input));
      if (ev.ok) expect(typeof ev.value.kind).toBe('string');
      else expect(ev.error).toBeInstanceOf(CallbackPayloadError);
    }), RUNS);
  });
});

// ---- Raw body ----------------------------------------------------------------------------------

describe('reading a callback body under hostile input', () => {
  it('the exact bytes when within the limit, else payload_too_large or body_read_failed, whatever the stream, headers and parsers did', async () => {
    const chunk = fc.oneof(fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)), fc.string({ maxLength: 500 }));
    const headerLength = fc.option(fc.oneof(fc.nat({ max: 20_000 }).map(String), fc.string({ maxLength: 12 })), { nil: undefined });
    const parsedBody = fc.option(fc.oneof(fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)), fc.string({ maxLength: 300 }), fc.jsonValue({ maxDepth: 1 })), { nil: undefined });
    await fc.assert(fc.asyncProperty(
      fc.array(chunk, { maxLength: 12 }), fc.boolean(), headerLength, parsedBody, parsedBody, fc.integer({ min: 0, max: 10_000 }),
      async (chunks, abort, contentLength, body, rawBody, limit) => {
        const stream = Readable.from((function* () {
          yield* chunks;
          if (abort) throw new Error('client aborted');
        })(), { objectMode: false }) as RawBodyRequest;
        Object.assign(stream, { headers: contentLength === undefined ? {} : { 'content-length': contentLength }, body, rawBody });
        // An abort after readRawBody stopped reading (limit passed, parser's body used) is the
        // server's to see, as node:http's own listener does; here nobody else listens.
        stream.on('error', () => undefined);
        const asBytes = (v: unknown): Buffer | undefined => (Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'utf8') : undefined);
        const parsed = asBytes(rawBody) ?? asBytes(body);
        const expected = parsed ?? Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
        // A whole, honest body within the limit must be read.
        const declaredTooLarge = !parsed && contentLength !== undefined && /^\d+$/.test(contentLength) && Number(contentLength) > limit;
        const mustRead = expected.length <= limit && !declaredTooLarge && (parsed !== undefined || !abort);
        let got: Buffer;
        try {
          got = await readRawBody(stream, { limit });
        } catch (e) {
          if (!(e instanceof CallbackPayloadError)) throw new Error(`untyped failure: ${String(e)}`, { cause: e });
          expect(['payload_too_large', 'body_read_failed']).toContain(e.code);
          expect({ mustRead, code: e.code }).toEqual({ mustRead: false, code: e.code });
          return;
        }
        expect(got.length).toBeLessThanOrEqual(limit);
        expect(got.equals(expected)).toBe(true);
      },
    ), RUNS);
  });
});

// ---- Crypto ------------------------------------------------------------------------------------

const base64ish = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('base64')),
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('base64').replace(/=+$/, '')), // padding cut
  fc.uint8Array({ maxLength: 400 }).map((b) => `${Buffer.from(b).toString('base64')}==`), // padding doubled
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('base64url')),
  fc.integer({ min: 1, max: 20 }).map((blocks) => Buffer.alloc(blocks * 16, blocks).toString('base64')), // aligned, all pad bytes
  fc.string({ maxLength: 300 }),
);

describe('callback crypto under hostile input', () => {
  it('decrypt: any ciphertext gives a message for an accepted receive id, or a CallbackVerificationError', () => {
    fc.assert(fc.property(base64ish, (encrypted) => {
      const out = typedOutcome(() => crypto.decrypt(encrypted));
      if (out.ok) expect(out.value.receiveId).toBe(CORP);
      else expect(out.error).toBeInstanceOf(CallbackVerificationError);
    }), RUNS);
  });

  it('a tampered genuine ciphertext is refused or still yields an accepted receive id (CBC has no integrity; the signature does)', () => {
    fc.assert(fc.property(cdataText, fc.nat(), fc.integer({ min: 1, max: 255 }), (message, at, flip) => {
      const bytes = Buffer.from(crypto.encrypt(message, CORP), 'base64');
      bytes[at % bytes.length]! ^= flip;
      const out = typedOutcome(() => crypto.decrypt(bytes.toString('base64')));
      if (out.ok) expect(out.value.receiveId).toBe(CORP);
      else expect(out.error).toBeInstanceOf(CallbackVerificationError);
    }), RUNS);
  });

  it('open with arbitrary signature, timestamp and nonce: signature_mismatch unless the signature is right', () => {
    const aged = new WeComCrypto({ token: TOKEN, encodingAesKey: KEY, receiveIds: [CORP], maxTimestampSkewSeconds: 600 });
    fc.assert(fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), base64ish, (msgSignature, timestamp, nonce, encrypted) => {
      fc.pre(msgSignature !== computeSignature(TOKEN, timestamp, nonce, encrypted));
      const out = typedOutcome(() => aged.open({ msgSignature, timestamp, nonce }, encrypted));
      expect(out.ok ? 'opened' : out.error.code).toBe('signature_mismatch');
    }), RUNS);
  });

  it('a correct signature over arbitrary timestamps: inside the window it decrypts, outside it is timestamp_stale', () => {
    const aged = new WeComCrypto({ token: TOKEN, encodingAesKey: KEY, receiveIds: [CORP], maxTimestampSkewSeconds: 600 });
    const nowSeconds = Math.floor(Date.now() / 1000);
    const timestamps = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }).map((d) => String(nowSeconds + d)),
      fc.string({ maxLength: 20 }),
      fc.constantFrom('NaN', 'Infinity', '-1', '1e10', '0x10', ' 1', '9'.repeat(40)),
    );
    fc.assert(fc.property(timestamps, fc.string({ maxLength: 20 }), cdataText, (timestamp, nonce, message) => {
      const encrypted = crypto.encrypt(message, CORP);
      const out = typedOutcome(() => aged.open({ msgSignature: crypto.sign(timestamp, nonce, encrypted), timestamp, nonce }, encrypted));
      const fresh = /^\d{1,12}$/.test(timestamp) && Math.abs(Number(timestamp) - Date.now() / 1000) <= 590;
      if (fresh) expect(out.ok && out.value.message).toBe(message);
      if (!out.ok) expect(out.error.code).toBe('timestamp_stale');
    }), RUNS);
  });

  it('round trip: encrypt then decrypt gives back any message and receive id', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (message, receiveId) => {
      const own = new WeComCrypto({ token: TOKEN, encodingAesKey: KEY, receiveIds: [receiveId] });
      const { message: back, receiveId: id } = own.decrypt(own.encrypt(message, receiveId));
      expect({ back, id }).toEqual({ back: message, id: receiveId });
    }), RUNS);
  });
});

// ---- The whole callback ------------------------------------------------------------------------

describe('openCallback under hostile input', () => {
  it('arbitrary method, query and body: a typed result or a typed callback error', () => {
    const query = fc.dictionary(fc.constantFrom('msg_signature', 'timestamp', 'nonce', 'echostr', 'x'), fc.oneof(fc.string({ maxLength: 50 }), base64ish));
    fc.assert(fc.property(fc.constantFrom('GET', 'POST', 'PUT', undefined, 'post'), query, fc.option(fc.oneof(hostileXml, wellFormed), { nil: undefined }), (method, q, body) => {
      const out = typedOutcome(() => openCallback({ method, query: q, body, crypto }));
      if (!out.ok) expect(out.error.httpStatus).toBeGreaterThanOrEqual(400);
    }), RUNS);
  });

  it('round trip: a kf_msg_or_event built by buildEncryptedCallback opens to the same fields', () => {
    fc.assert(fc.property(cdataText, cdataText.filter((s) => s.trim() !== ''), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (token, openKfId, createTime) => {
      const inner = `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>`
        + `<Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[${token}]]></Token><OpenKfId><![CDATA[${openKfId}]]></OpenKfId></xml>`;
      const { body, query } = buildEncryptedCallback(inner, { crypto, receiveId: CORP });
      const result = openCallback({ method: 'POST', query, body, crypto });
      expect(result.kind).toBe('event');
      if (result.kind !== 'event' || result.event.kind !== 'kf_msg_or_event') throw new Error(`not a kf_msg_or_event: ${JSON.stringify(result)}`);
      expect({ corpId: result.event.corpId, token: result.event.token, openKfId: result.event.openKfId, createTime: result.event.createTime })
        .toEqual({ corpId: CORP, token: token || undefined, openKfId, createTime });
    }), RUNS);
  });
});
