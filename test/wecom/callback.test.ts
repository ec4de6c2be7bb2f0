import * as wecom from '@wecom/crypto';
import { ManualClock } from '../../src/common/clock';
import { buildEncryptedCallback, buildUrlVerification, openCallback, parseEnvelope } from '../../src/wecom/callback';
import { parseCallbackXml } from '../../src/wecom/callbackXml';
import { parseCallbackEvent, type CallbackEvent } from '../../src/wecom/callbackEvents';
import { callbackErrorStatus, CallbackPayloadError, CallbackVerificationError } from '../../src/wecom/callbackErrors';
import { WeComCrypto } from '../../src/wecom/crypto';

const TOKEN = 'QDG6eK';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CORP = 'wx5823bf96d3bd56c7';
const SUITE = 'dk1234567890abcdef';
const PROVIDER = 'wwprovider0001';
const code = (c: string) => expect.objectContaining({ code: c });
const crypto = new WeComCrypto({ token: TOKEN, encodingAesKey: AES_KEY, receiveIds: [CORP] });

const KF_MSG = `<xml>
  <ToUserName><![CDATA[${CORP}]]></ToUserName>
  <CreateTime>1348831860</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[kf_msg_or_event]]></Event>
  <Token><![CDATA[ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR]]></Token>
  <OpenKfId><![CDATA[wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q]]></OpenKfId>
</xml>`;

const AUTH_CHANGE = `<xml>
  <ToUserName><![CDATA[${CORP}]]></ToUserName>
  <FromUserName><![CDATA[sys]]></FromUserName>
  <CreateTime>1403610513</CreateTime>
  <MsgType><![CDATA[event]]></MsgType>
  <Event><![CDATA[kf_account_auth_change]]></Event>
  <AuthAddOpenKfId><![CDATA[wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyAAA]]></AuthAddOpenKfId>
  <AuthAddOpenKfId><![CDATA[wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyBBB]]></AuthAddOpenKfId>
  <AuthDelOpenKfId><![CDATA[wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyCCC]]></AuthDelOpenKfId>
</xml>`;

const SUITE_TICKET = `<xml>
  <SuiteId><![CDATA[${SUITE}]]></SuiteId>
  <InfoType><![CDATA[suite_ticket]]></InfoType>
  <TimeStamp>1403610513</TimeStamp>
  <SuiteTicket><![CDATA[asdfasfdasdfasdf0012]]></SuiteTicket>
</xml>`;

const CREATE_AUTH = `<xml>
  <SuiteId><![CDATA[${SUITE}]]></SuiteId>
  <AuthCode><![CDATA[AUTHCODE]]></AuthCode>
  <InfoType><![CDATA[create_auth]]></InfoType>
  <TimeStamp>1403610513</TimeStamp>
  <State><![CDATA[0012]]></State>
</xml>`;

const CANCEL_AUTH = `<xml>
  <SuiteId><![CDATA[${SUITE}]]></SuiteId>
  <InfoType><![CDATA[cancel_auth]]></InfoType>
  <TimeStamp>1403610513</TimeStamp>
  <AuthCorpId><![CDATA[wxf8b4f85f3a794e77]]></AuthCorpId>
</xml>`;

describe('parseCallbackXml', () => {
  it('keeps every value a string, leading zeros included', () => {
    expect(parseCallbackXml('<xml><Id>0012</Id><N>1e3</N><B>true</B><E></E></xml>')).toEqual({ Id: '0012', N: '1e3', B: 'true', E: '' });
  });

  it('accepts an XML declaration and bytes', () => {
    expect(parseCallbackXml(Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<xml><A>é</A></xml>'))).toEqual({ A: 'é' });
  });

  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xml><Encrypt>&lol3;</Encrypt></xml>`;

  it.each([
    ['billion laughs', billionLaughs],
    ['a SYSTEM entity', '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Encrypt>&xxe;</Encrypt></xml>'],
    ['a lower-case doctype', '<!doctype xml><xml><Encrypt>a</Encrypt></xml>'],
    ['a bare ENTITY declaration', '<xml><!ENTITY a "b"><Encrypt>a</Encrypt></xml>'],
    ['malformed XML', '<xml><Encrypt>a</Foo></xml>'],
    ['an unclosed root', '<xml><Encrypt>a</Encrypt>'],
    ['non-XML garbage', 'hello=world&x=1'],
    ['JSON', '{"Encrypt":"a"}'],
    ['an empty body', ''],
    ['another root element', '<root><Encrypt>a</Encrypt></root>'],
    ['two roots', '<xml><Encrypt>a</Encrypt></xml><xml><Encrypt>b</Encrypt></xml>'],
  ])('refuses %s as payload_malformed', (_label, xml) => {
    expect(() => parseCallbackXml(xml)).toThrow(code('payload_malformed'));
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => parseCallbackXml(Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff, 0x3c, 0x2f, 0x78, 0x6d, 0x6c, 0x3e]))).toThrow(code('payload_malformed'));
  });

  it('refuses input over the limit before parsing it', () => {
    const huge = `<xml><Encrypt>${'A'.repeat(64 * 1024)}</Encrypt></xml>`;
    expect(() => parseCallbackXml(huge)).toThrow(code('payload_too_large'));
    expect(() => parseCallbackXml('<xml><A>12345</A></xml>', 10)).toThrow(code('payload_too_large'));
    expect(parseCallbackXml('<xml><A>12345</A></xml>', 100)).toEqual({ A: '12345' });
  });
});

describe('parseEnvelope', () => {
  it('reads Encrypt, ToUserName and AgentID', () => {
    expect(parseEnvelope('<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>')).toEqual({
      encrypt: 'abc=',
      toUserName: 'ww1',
      agentId: '',
    });
  });

  it('refuses an envelope without Encrypt', () => {
    expect(() => parseEnvelope('<xml><ToUserName>ww1</ToUserName></xml>')).toThrow(code('payload_malformed'));
    expect(() => parseEnvelope('<xml><Encrypt></Encrypt></xml>')).toThrow(code('payload_malformed'));
  });
});

describe('parseCallbackEvent', () => {
  it('types kf_msg_or_event', () => {
    expect(parseCallbackEvent(KF_MSG)).toEqual({
      kind: 'kf_msg_or_event',
      corpId: CORP,
      createTime: 1348831860,
      token: 'ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR',
      openKfId: 'wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q',
      raw: expect.objectContaining({ Event: 'kf_msg_or_event' }),
    });
  });

  it('collects repeated AuthAddOpenKfId and a single AuthDelOpenKfId into arrays', () => {
    expect(parseCallbackEvent(AUTH_CHANGE)).toMatchObject({
      kind: 'kf_account_auth_change',
      corpId: CORP,
      createTime: 1403610513,
      added: ['wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyAAA', 'wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyBBB'],
      removed: ['wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyCCC'],
    });
    const none = AUTH_CHANGE.replace(/\s*<Auth(Add|Del)OpenKfId>.*<\/Auth(Add|Del)OpenKfId>/g, '');
    expect(parseCallbackEvent(none)).toMatchObject({ kind: 'kf_account_auth_change', added: [], removed: [] });
  });

  it('types unlicensed_notify', () => {
    const xml = `<xml><ToUserName>${CORP}</ToUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>unlicensed_notify</Event><AgentID>1000002</AgentID></xml>`;
    expect(parseCallbackEvent(xml)).toMatchObject({ kind: 'unlicensed_notify', corpId: CORP, createTime: 1, agentId: '1000002' });
  });

  it('types suite_ticket, keeping the ticket as sent', () => {
    expect(parseCallbackEvent(SUITE_TICKET)).toEqual({
      kind: 'suite_ticket',
      suiteId: SUITE,
      timestamp: 1403610513,
      suiteTicket: 'asdfasfdasdfasdf0012',
      raw: expect.any(Object),
    });
  });

  it('types create_auth, change_auth and cancel_auth', () => {
    expect(parseCallbackEvent(CREATE_AUTH)).toMatchObject({ kind: 'create_auth', suiteId: SUITE, authCode: 'AUTHCODE', state: '0012', timestamp: 1403610513 });
    expect(parseCallbackEvent(CANCEL_AUTH)).toMatchObject({ kind: 'cancel_auth', suiteId: SUITE, authCorpId: 'wxf8b4f85f3a794e77' });
    const change = CANCEL_AUTH.replace('cancel_auth', 'change_auth');
    const event = parseCallbackEvent(change);
    expect(event).toMatchObject({ kind: 'change_auth', authCorpId: 'wxf8b4f85f3a794e77' });
    expect(event).toHaveProperty('state', undefined);
  });

  it('types reset_permanent_code and change_contact', () => {
    const reset = `<xml><SuiteId>${SUITE}</SuiteId><AuthCode>C0DE</AuthCode><InfoType>reset_permanent_code</InfoType><TimeStamp>5</TimeStamp></xml>`;
    expect(parseCallbackEvent(reset)).toMatchObject({ kind: 'reset_permanent_code', authCode: 'C0DE', timestamp: 5 });
    const contact = `<xml><SuiteId>${SUITE}</SuiteId><AuthCorpId>wwcorp</AuthCorpId><InfoType>change_contact</InfoType><TimeStamp>5</TimeStamp><ChangeType>create_user</ChangeType><UserID>007</UserID><OpenUserID>woAB</OpenUserID></xml>`;
    expect(parseCallbackEvent(contact)).toMatchObject({ kind: 'change_contact', authCorpId: 'wwcorp', changeType: 'create_user', userId: '007', openUserId: 'woAB' });
  });

  it('keeps unknown events and InfoTypes with their raw record', () => {
    const event = `<xml><ToUserName>${CORP}</ToUserName><CreateTime>7</CreateTime><MsgType>event</MsgType><Event>enter_agent</Event><X>0012</X></xml>`;
    expect(parseCallbackEvent(event)).toEqual({
      kind: 'unknown_event',
      corpId: CORP,
      createTime: 7,
      msgType: 'event',
      event: 'enter_agent',
      raw: { ToUserName: CORP, CreateTime: '7', MsgType: 'event', Event: 'enter_agent', X: '0012' },
    });
    const info = `<xml><SuiteId>${SUITE}</SuiteId><InfoType>license_pay_success</InfoType><TimeStamp>9</TimeStamp><OrderId>0099</OrderId></xml>`;
    expect(parseCallbackEvent(info)).toEqual({
      kind: 'unknown_info',
      infoType: 'license_pay_success',
      suiteId: SUITE,
      timestamp: 9,
      raw: { SuiteId: SUITE, InfoType: 'license_pay_success', TimeStamp: '9', OrderId: '0099' },
    });
  });

  it('treats a plain text message (the official sample) as unknown_event', () => {
    const { message } = crypto.decrypt(
      'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
    );
    expect(parseCallbackEvent(message)).toMatchObject({ kind: 'unknown_event', msgType: 'text', event: undefined, raw: { MsgId: '4561255354251345929', Content: 'hello' } });
  });

  it('tolerates a CreateTime that is missing, in milliseconds or not a number (nothing is decided on it)', () => {
    expect(parseCallbackEvent(KF_MSG.replace(/<CreateTime>.*<\/CreateTime>/, ''))).toMatchObject({ kind: 'kf_msg_or_event', createTime: 0 });
    expect(parseCallbackEvent(KF_MSG.replace('1348831860', '1348831860123'))).toMatchObject({ createTime: 1348831860 });
    expect(parseCallbackEvent(KF_MSG.replace('1348831860', 'yesterday'))).toMatchObject({ kind: 'kf_msg_or_event', createTime: 0 });
  });

  it('accepts kf_msg_or_event without a Token (the pull then goes without one)', () => {
    expect(parseCallbackEvent(KF_MSG.replace(/<Token>.*<\/Token>/, ''))).toMatchObject({ kind: 'kf_msg_or_event', token: undefined });
  });

  it.each([
    ['kf_msg_or_event without OpenKfId', KF_MSG.replace(/<OpenKfId>.*<\/OpenKfId>/, '')],
    ['suite_ticket without SuiteTicket', SUITE_TICKET.replace(/<SuiteTicket>.*<\/SuiteTicket>/, '')],
    ['suite_ticket without SuiteId', SUITE_TICKET.replace(/<SuiteId>.*<\/SuiteId>/, '')],
    ['create_auth without AuthCode', CREATE_AUTH.replace(/<AuthCode>.*<\/AuthCode>/, '')],
  ])('refuses %s as payload_malformed', (_label, xml) => {
    expect(() => parseCallbackEvent(xml)).toThrow(code('payload_malformed'));
  });
});

describe('openCallback', () => {
  it('answers the official URL check from a URLSearchParams query with raw "+" characters', () => {
    const query = new URLSearchParams(
      'msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
    );
    expect(openCallback({ method: 'GET', query, crypto })).toEqual({ kind: 'url_verification', echo: '1616140317555161061', receiveId: CORP });
  });

  it('answers a URL check built by buildUrlVerification from a plain object query', () => {
    const query = buildUrlVerification('echo-0012', { crypto, receiveId: CORP });
    expect(openCallback({ method: 'get', query, crypto })).toMatchObject({ kind: 'url_verification', echo: 'echo-0012' });
  });

  it('opens a kf_msg_or_event POST it built, and @wecom/crypto reads the same body', () => {
    const { body, query } = buildEncryptedCallback(KF_MSG, { crypto, receiveId: CORP, agentId: '' });
    const result = openCallback({ method: 'POST', query, body: Buffer.from(body), crypto });
    expect(result).toMatchObject({ kind: 'event', receiveId: CORP, xml: KF_MSG, event: { kind: 'kf_msg_or_event', openKfId: 'wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q' } });
    const encrypt = parseEnvelope(body).encrypt;
    expect(wecom.getSignature(TOKEN, query.timestamp, query.nonce, encrypt)).toBe(query.msg_signature);
    expect(wecom.decrypt(AES_KEY, encrypt)).toMatchObject({ message: KF_MSG, id: CORP });
  });

  it('opens a POST built with @wecom/crypto (the emulator’s library)', () => {
    const encrypt = wecom.encrypt(AES_KEY, AUTH_CHANGE, CORP);
    const body = `<xml><ToUserName><![CDATA[${CORP}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
    const query = { msg_signature: wecom.getSignature(TOKEN, '1700000000', '42', encrypt), timestamp: '1700000000', nonce: '42' };
    const result = openCallback({ method: 'POST', query, body, crypto });
    expect(result.kind === 'event' && result.event.kind === 'kf_account_auth_change' ? result.event.added : []).toHaveLength(2);
  });

  it('accepts the suite id or the provider corp id on an instruction URL and says which', () => {
    const suiteCrypto = new WeComCrypto({ token: TOKEN, encodingAesKey: AES_KEY, receiveIds: [SUITE, PROVIDER] });
    for (const receiveId of [SUITE, PROVIDER]) {
      const { body, query } = buildEncryptedCallback(CREATE_AUTH, { crypto: suiteCrypto, receiveId, toUserName: SUITE });
      const result = openCallback({ method: 'POST', query, body, crypto: suiteCrypto });
      expect(result).toMatchObject({ kind: 'event', receiveId, event: { kind: 'create_auth', authCode: 'AUTHCODE' } });
    }
    const { body, query } = buildEncryptedCallback(CREATE_AUTH, { crypto: suiteCrypto, receiveId: CORP });
    expect(() => openCallback({ method: 'POST', query, body, crypto: suiteCrypto })).toThrow(code('receive_id_mismatch'));
  });

  it('takes the receive id from the envelope on a provider data URL', () => {
    const dataCrypto = new WeComCrypto({ token: TOKEN, encodingAesKey: AES_KEY, receiveIds: [PROVIDER] });
    // toUserName null: the envelope has no ToUserName at all.
    const open = (receiveId: string, toUserName: string | null = receiveId) => {
      const built = buildEncryptedCallback(KF_MSG, { crypto: dataCrypto, receiveId });
      const body = toUserName === null ? built.body.replace(/<ToUserName>.*<\/ToUserName>/, '') : built.body.replace(receiveId, toUserName);
      return () => openCallback({ method: 'POST', query: built.query, body, crypto: dataCrypto, receiveIdFrom: 'envelope' });
    };
    expect(open('wwcorpA')()).toMatchObject({ receiveId: 'wwcorpA' });
    expect(open('wwcorpA', 'wwcorpB')).toThrow(code('receive_id_mismatch'));
    expect(open(PROVIDER, 'wwcorpB')).toThrow(code('receive_id_mismatch'));
    expect(open('wwcorpA', null)).toThrow(code('payload_malformed'));
  });

  it('refuses a tampered Encrypt, a wrong token and a missing parameter', () => {
    const { body, query } = buildEncryptedCallback(KF_MSG, { crypto, receiveId: CORP });
    const encrypt = parseEnvelope(body).encrypt;
    const tampered = body.replace(encrypt, `${encrypt.startsWith('A') ? 'B' : 'A'}${encrypt.slice(1)}`);
    expect(() => openCallback({ method: 'POST', query, body: tampered, crypto })).toThrow(code('signature_mismatch'));
    const otherToken = new WeComCrypto({ token: 'other', encodingAesKey: AES_KEY, receiveIds: [CORP] });
    expect(() => openCallback({ method: 'POST', query, body, crypto: otherToken })).toThrow(code('signature_mismatch'));
    expect(() => openCallback({ method: 'POST', query: { ...query, nonce: undefined }, body, crypto })).toThrow(code('missing_parameter'));
    expect(() => openCallback({ method: 'POST', query: { ...query, nonce: ['1', '2'] }, body, crypto })).toThrow(code('missing_parameter'));
    const repeated = new URLSearchParams({ ...query });
    repeated.append('nonce', 'again');
    expect(() => openCallback({ method: 'POST', query: repeated, body, crypto })).toThrow(code('missing_parameter'));
    expect(() => openCallback({ method: 'GET', query, crypto })).toThrow(code('missing_parameter'));
  });

  it('refuses stale callbacks when an age limit is set', () => {
    const now = Date.UTC(2026, 0, 1);
    const strict = new WeComCrypto({ token: TOKEN, encodingAesKey: AES_KEY, receiveIds: [CORP], clock: new ManualClock(now), maxTimestampSkewSeconds: 300 });
    const fresh = buildEncryptedCallback(KF_MSG, { crypto: strict, receiveId: CORP, timestamp: String(now / 1000 - 10) });
    expect(openCallback({ method: 'POST', ...fresh, crypto: strict }).kind).toBe('event');
    const stale = buildEncryptedCallback(KF_MSG, { crypto: strict, receiveId: CORP, timestamp: String(now / 1000 - 3600) });
    expect(() => openCallback({ method: 'POST', ...stale, crypto: strict })).toThrow(code('timestamp_stale'));
  });

  it('refuses oversized, missing and hostile bodies, and hostile decrypted XML', () => {
    const { body, query } = buildEncryptedCallback(KF_MSG, { crypto, receiveId: CORP });
    expect(() => openCallback({ method: 'POST', query, body, crypto, maxBodyBytes: 100 })).toThrow(code('payload_too_large'));
    expect(() => openCallback({ method: 'POST', query, crypto })).toThrow(code('payload_malformed'));
    expect(() => openCallback({ method: 'POST', query, body: `<!DOCTYPE x>${body}`, crypto })).toThrow(code('payload_malformed'));
    const evil = buildEncryptedCallback(`<!DOCTYPE xml [<!ENTITY a "b">]>${KF_MSG}`, { crypto, receiveId: CORP });
    expect(() => openCallback({ method: 'POST', ...evil, crypto })).toThrow(code('payload_malformed'));
  });

  it('checks the signature before parsing: a forged 60 KB body the parser would refuse is refused as unsigned', () => {
    const { query } = buildEncryptedCallback(KF_MSG, { crypto, receiveId: CORP });
    // Hostile (DOCTYPE) and not well-formed: parsing first would answer payload_malformed.
    const junk = `<!DOCTYPE x><xml><Encrypt><![CDATA[${'A'.repeat(100)}]]></Encrypt>${'<a>'.repeat(20_000)}`;
    expect(Buffer.byteLength(junk)).toBeGreaterThan(60_000);
    expect(() => openCallback({ method: 'POST', query, body: junk, crypto })).toThrow(code('signature_mismatch'));
    expect(() => openCallback({ method: 'POST', query: { timestamp: query.timestamp, nonce: query.nonce }, body: junk, crypto })).toThrow(code('missing_parameter'));
    // No Encrypt to check a signature over: refused by the scan, still without parsing.
    expect(() => openCallback({ method: 'POST', query, body: `<xml>${'<a>'.repeat(20_000)}`, crypto })).toThrow(code('payload_malformed'));
  });

  it('refuses a signed Encrypt next to a second one the parser could read instead', () => {
    const { body, query } = buildEncryptedCallback(KF_MSG, { crypto, receiveId: CORP });
    const doubled = body.replace('</xml>', '<Encrypt><![CDATA[QUJD]]></Encrypt></xml>');
    expect(() => openCallback({ method: 'POST', query, body: doubled, crypto })).toThrow(code('payload_malformed'));
    const bare = body.replace(/<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/, '<Encrypt>$1</Encrypt>');
    expect(openCallback({ method: 'POST', query, body: bare, crypto }).kind).toBe('event');
  });

  it('refuses methods other than GET and POST', () => {
    expect(() => openCallback({ method: 'PUT', query: {}, crypto })).toThrow(code('method_not_allowed'));
    expect(() => openCallback({ method: undefined, query: {}, crypto })).toThrow(code('method_not_allowed'));
  });

  it('narrows the event union by kind', () => {
    const { body, query } = buildEncryptedCallback(SUITE_TICKET, { crypto, receiveId: CORP });
    const result = openCallback({ method: 'POST', query, body, crypto });
    const ticket = (event: CallbackEvent) => (event.kind === 'suite_ticket' ? event.suiteTicket : undefined);
    expect(result.kind === 'event' ? ticket(result.event) : undefined).toBe('asdfasfdasdfasdf0012');
  });
});

describe('callbackErrorStatus', () => {
  it('maps our errors to their status and anything else to 500', () => {
    expect(callbackErrorStatus(new CallbackVerificationError('signature_mismatch', 'x'))).toBe(401);
    expect(callbackErrorStatus(new CallbackPayloadError('payload_too_large', 'x'))).toBe(413);
    expect(callbackErrorStatus(new CallbackPayloadError('payload_malformed', 'x'))).toBe(400);
    expect(callbackErrorStatus(new Error('boom'))).toBe(500);
    expect(callbackErrorStatus('boom')).toBe(500);
  });
});
