/**
 * Provider callbacks through real crypto: every instruction type sealed for the instruction URL
 * (receive id = suite id, or the provider corp id as some report) and kf_account_auth_change on the
 * data URL (receive id = the envelope's corp, case kept). Plus the install link and its redirect.
 */
import { buildEncryptedCallback, buildInstallLink, buildUrlVerification, type CallbackResult, openCallback, parseInstallRedirect, SuiteCallbacks, WeComCrypto } from '../../src/wecom';

const TOKEN = 'QDG6eK';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const SUITE = 'wwSuiteAbC0123';
const PROVIDER = 'wwProvider0001';
const CORP = 'wwCorpMiXeD01';

const suiteCrypto = new WeComCrypto({ token: TOKEN, encodingAesKey: AES_KEY, receiveIds: [SUITE, PROVIDER] });
const dataCrypto = new WeComCrypto({ token: TOKEN, encodingAesKey: AES_KEY, receiveIds: [PROVIDER] });

const instruction = (infoType: string, fields: string): string =>
  `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><InfoType><![CDATA[${infoType}]]></InfoType><TimeStamp>1767254400</TimeStamp>${fields}</xml>`;

function roundTrip(xml: string, receiveId = SUITE): CallbackResult {
  const { body, query } = buildEncryptedCallback(xml, { crypto: suiteCrypto, receiveId, toUserName: SUITE });
  return openCallback({ method: 'POST', query, body, crypto: suiteCrypto });
}

describe('instruction callbacks, sealed and opened', () => {
  it.each([
    ['suite_ticket', '<SuiteTicket><![CDATA[tkt0012]]></SuiteTicket>', { kind: 'suite_ticket', suiteTicket: 'tkt0012' }],
    ['create_auth', '<AuthCode><![CDATA[AC1]]></AuthCode><State><![CDATA[s1]]></State>', { kind: 'create_auth', authCode: 'AC1', state: 's1', authOpenKfIds: [] }],
    ['change_auth', `<AuthCorpId><![CDATA[${CORP}]]></AuthCorpId>`, { kind: 'change_auth', authCorpId: CORP, authOpenKfIds: [] }],
    ['cancel_auth', `<AuthCorpId><![CDATA[${CORP}]]></AuthCorpId>`, { kind: 'cancel_auth', authCorpId: CORP }],
    ['reset_permanent_code', `<AuthCode><![CDATA[AC2]]></AuthCode><AuthCorpId><![CDATA[${CORP}]]></AuthCorpId>`, { kind: 'reset_permanent_code', authCode: 'AC2', authCorpId: CORP }],
  ])('%s', (infoType, fields, expected) => {
    const result = roundTrip(instruction(infoType, fields));
    expect(result).toMatchObject({ kind: 'event', receiveId: SUITE, event: { ...expected, suiteId: SUITE, timestamp: 1767254400 } });
  });

  it('accepts the provider corp id as receive id and says so', () => {
    expect(roundTrip(instruction('cancel_auth', `<AuthCorpId>${CORP}</AuthCorpId>`), PROVIDER)).toMatchObject({ receiveId: PROVIDER });
  });

  it('refuses an instruction sealed for another id (another suite)', () => {
    expect(() => roundTrip(instruction('suite_ticket', '<SuiteTicket>t</SuiteTicket>'), 'wwOtherSuite')).toThrow(expect.objectContaining({ code: 'receive_id_mismatch' }));
  });

  it('reads the kf component accounts of create_auth and change_auth (ExtraInfo)', () => {
    const extra = '<ExtraInfo><AuthOpenKfIdList><OpenKfId><![CDATA[wkA]]></OpenKfId><OpenKfId><![CDATA[wkB]]></OpenKfId></AuthOpenKfIdList></ExtraInfo>';
    expect(roundTrip(instruction('create_auth', `<AuthCode>AC</AuthCode>${extra}`))).toMatchObject({ event: { authOpenKfIds: ['wkA', 'wkB'] } });
    const one = '<ExtraInfo><AuthOpenKfIdList><OpenKfId>wkC</OpenKfId></AuthOpenKfIdList></ExtraInfo>';
    expect(roundTrip(instruction('change_auth', `<AuthCorpId>${CORP}</AuthCorpId>${one}`))).toMatchObject({ event: { authOpenKfIds: ['wkC'] } });
  });
});

describe('kf_account_auth_change on the data URL', () => {
  const xml = (corp: string) =>
    `<xml><ToUserName><![CDATA[${corp}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1767254400</CreateTime>` +
    '<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_account_auth_change]]></Event>' +
    '<AuthAddOpenKfId><![CDATA[wkAdd1]]></AuthAddOpenKfId><AuthAddOpenKfId><![CDATA[wkAdd2]]></AuthAddOpenKfId><AuthDelOpenKfId><![CDATA[wkDel]]></AuthDelOpenKfId></xml>';

  it('takes the receive id from the envelope and types the grants', () => {
    const { body, query } = buildEncryptedCallback(xml(CORP), { crypto: dataCrypto, receiveId: CORP });
    const result = openCallback({ method: 'POST', query, body, crypto: dataCrypto, receiveIdFrom: 'envelope' });
    expect(result).toMatchObject({ kind: 'event', receiveId: CORP, event: { kind: 'kf_account_auth_change', corpId: CORP, added: ['wkAdd1', 'wkAdd2'], removed: ['wkDel'] } });
  });

  it('refuses an envelope whose ToUserName is not the corp sealed inside, case included', () => {
    const { body, query } = buildEncryptedCallback(xml(CORP), { crypto: dataCrypto, receiveId: CORP, toUserName: CORP.toLowerCase() });
    expect(() => openCallback({ method: 'POST', query, body, crypto: dataCrypto, receiveIdFrom: 'envelope' })).toThrow(expect.objectContaining({ code: 'receive_id_mismatch' }));
  });
});

describe('SuiteCallbacks: the two provider routes', () => {
  const callbacks = new SuiteCallbacks({ suiteId: SUITE, token: TOKEN, encodingAesKey: AES_KEY, providerCorpId: PROVIDER });
  const seal = (xml: string, receiveId: string, toUserName = receiveId) => {
    const { body, query } = buildEncryptedCallback(xml, { crypto: suiteCrypto, receiveId, toUserName });
    return { method: 'POST', query, body };
  };
  const ticket = (suiteId = SUITE) => instruction('suite_ticket', '<SuiteTicket>t1</SuiteTicket>').replace(`<![CDATA[${SUITE}]]>`, suiteId);
  const wakeUp = `<xml><ToUserName>${CORP}</ToUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>kf_msg_or_event</Event><Token>T</Token><OpenKfId>wk1</OpenKfId></xml>`;

  it('opens instructions sealed for the suite or the provider corp, and says which matched', () => {
    expect(callbacks.openInstruction(seal(ticket(), SUITE, SUITE))).toMatchObject({ kind: 'instruction', matchedBy: 'suite_id', event: { kind: 'suite_ticket', suiteTicket: 't1' } });
    expect(callbacks.openInstruction(seal(ticket(), PROVIDER, SUITE))).toMatchObject({ kind: 'instruction', matchedBy: 'provider_corpid' });
  });

  it("refuses another suite's instruction, and a data event on the instruction URL", () => {
    expect(() => callbacks.openInstruction(seal(ticket('wwOtherSuite'), SUITE))).toThrow(expect.objectContaining({ code: 'payload_malformed', httpStatus: 400 }));
    expect(() => callbacks.openInstruction(seal(wakeUp, SUITE))).toThrow(expect.objectContaining({ code: 'payload_malformed' }));
  });

  it('opens data callbacks of any corp by the envelope, and refuses instructions there', () => {
    expect(callbacks.openData(seal(wakeUp, CORP))).toEqual({ kind: 'data', corpId: CORP, event: expect.objectContaining({ kind: 'kf_msg_or_event', openKfId: 'wk1', token: 'T' }) });
    expect(() => callbacks.openData(seal(ticket(), CORP))).toThrow(expect.objectContaining({ code: 'payload_malformed' }));
  });

  it('answers the URL checks of both routes with the echo', () => {
    const query = buildUrlVerification('echo123', { crypto: suiteCrypto, receiveId: PROVIDER });
    expect(callbacks.openInstruction({ method: 'GET', query })).toMatchObject({ kind: 'url_verification', echo: 'echo123' });
    expect(callbacks.openData({ method: 'GET', query })).toMatchObject({ kind: 'url_verification', echo: 'echo123' });
  });
});

describe('install link', () => {
  it('builds the link WeCom documents, with the redirect URL encoded', () => {
    expect(buildInstallLink({ suiteId: SUITE, preAuthCode: 'pac+/1', redirectUri: 'https://bot.example.com/installed?x=1', state: 'abc123' })).toBe(
      `https://open.work.weixin.qq.com/3rdapp/install?suite_id=${SUITE}&pre_auth_code=pac%2B%2F1&redirect_uri=https%3A%2F%2Fbot.example.com%2Finstalled%3Fx%3D1&state=abc123`,
    );
  });

  it('refuses a state WeCom would refuse, and a redirect that is not http(s)', () => {
    const base = { suiteId: SUITE, preAuthCode: 'p', redirectUri: 'https://a.example/i' };
    expect(() => buildInstallLink({ ...base, state: 'has space' })).toThrow(RangeError);
    expect(() => buildInstallLink({ ...base, state: 'x'.repeat(129) })).toThrow(RangeError);
    expect(() => buildInstallLink({ ...base, redirectUri: 'javascript:alert(1)' })).toThrow(RangeError);
  });

  it('reads the redirect back, and nothing when the admin cancelled', () => {
    expect(parseInstallRedirect(new URLSearchParams('auth_code=AC9&expires_in=600&state=abc'))).toEqual({ authCode: 'AC9', expiresInSeconds: 600, state: 'abc' });
    expect(parseInstallRedirect(new URLSearchParams('state=abc'))).toBeUndefined();
  });
});
