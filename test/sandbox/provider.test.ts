/**
 * The emulator's provider endpoints and callbacks over plain HTTP: WeCom's rules for tickets,
 * suite tokens, pre-auth and auth codes, the ticket every 10 minutes of emulator time, and data
 * callbacks of an authorised corp going to the suite's data URL.
 */
import { request } from 'undici';
import { ManualClock } from '../../src/common';
import type { CorpCredentials, SuiteCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { providerReceiver, providerWorld, type ProviderReceiver, type ProviderWorld } from '../support/providerReceiver';
import { eventually } from '../support/e2e';
import { agent, type Answer, start } from './helpers';

describe('emulator provider mode', () => {
  let clock: ManualClock;
  let emu: WeComEmulator;
  let suite: SuiteCredentials;
  let corp: CorpCredentials;
  let app: ProviderReceiver;
  let world: ProviderWorld;

  beforeEach(async () => {
    clock = new ManualClock(start);
    world = await providerWorld(clock);
    ({ emu, suite, app, corp } = world);
  });

  afterEach(async () => {
    await world.close();
  });

  async function call(path: string, body?: unknown, query: Record<string, string> = {}): Promise<Answer> {
    const q = new URLSearchParams(query);
    const res = await request(`${emu.baseUrl}${path}?${q}`, {
      method: body === undefined ? 'GET' : 'POST',
      dispatcher: agent,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.body.json()) as Answer;
  }

  const suiteToken = (ticket: string, over: Record<string, unknown> = {}): Promise<Answer> =>
    call('service/get_suite_token', { suite_id: suite.suiteId, suite_secret: suite.suiteSecret, suite_ticket: ticket, ...over });

  async function token(): Promise<string> {
    const answer = await suiteToken(emu.provider.pushSuiteTicket().ticket);
    expect(answer.errcode).toBe(0);
    return answer.suite_access_token as string;
  }

  async function preAuthCode(suiteAccessToken: string): Promise<string> {
    const answer = await call('service/get_pre_auth_code', undefined, { suite_access_token: suiteAccessToken });
    expect(answer).toMatchObject({ errcode: 0, expires_in: 1200 });
    return answer.pre_auth_code as string;
  }

  it('gives a suite token only for a pushed ticket under 30 minutes old, with the right id and secret', async () => {
    const { ticket } = emu.provider.pushSuiteTicket();
    expect((await suiteToken('', {})).errcode).toBe(41023);
    expect((await suiteToken('never-pushed')).errcode).toBe(40085);
    expect((await suiteToken(ticket, { suite_secret: 'wrong' })).errcode).toBe(40080);
    expect((await suiteToken(ticket, { suite_id: 'wwnosuchsuite' })).errcode).toBe(40083);
    clock.advance(29 * 60_000);
    // A newer push does not retire the older ticket before its 30 minutes are up.
    emu.provider.pushSuiteTicket();
    expect(await suiteToken(ticket)).toMatchObject({ errcode: 0, expires_in: 7200 });
    clock.advance(60_000);
    expect((await suiteToken(ticket)).errcode).toBe(40085);
  });

  it("does not accept one suite's ticket for another suite", async () => {
    const other = emu.provider.addSuite();
    const { ticket } = emu.provider.pushSuiteTicket(other.suiteId);
    expect((await suiteToken(ticket)).errcode).toBe(40085);
  });

  it('pushes a suite_ticket every 10 minutes of emulator time, sealed for the suite id', async () => {
    await Promise.all(emu.provider.pumpTickets());
    clock.advance(9 * 60_000);
    expect(emu.provider.pumpTickets()).toHaveLength(0);
    clock.advance(60_000);
    const reports = await Promise.all(emu.provider.pumpTickets());
    expect(reports).toEqual([{ attempts: 1, statuses: [200], delivered: true }]);
    const tickets = app.received.filter((r) => r.event.kind === 'suite_ticket');
    expect(tickets.map((r) => [r.route, r.receiveId])).toEqual([['suite', suite.suiteId], ['suite', suite.suiteId]]);
    expect(tickets[1]?.event).toMatchObject({ suiteTicket: emu.provider.latestTicket(), timestamp: Math.floor(clock.now() / 1000) });
  });

  it('runs the ticket pump on a real timer against the emulator clock', async () => {
    emu.provider.startTicketPump(10);
    const tickets = () => app.received.filter((r) => r.event.kind === 'suite_ticket').length;
    await eventually(() => expect(tickets()).toBe(1));
    clock.advance(10 * 60_000);
    await eventually(() => expect(tickets()).toBe(2));
    emu.provider.stopTicketPump();
    clock.advance(10 * 60_000);
    expect(emu.provider.pumpTickets()).toHaveLength(1); // due, but only pushed when asked now
  });

  it('sends change_auth with the kf component accounts, and refuses changes for a corp that never installed', async () => {
    const t = await token();
    const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    emu.provider.authorise(corp.corpId, await preAuthCode(t), { kfAccounts: [kf] });
    expect(await emu.provider.changeAuth(corp.corpId, { kfAccounts: [], state: 'x1' })).toMatchObject({ delivered: true });
    const kinds = app.received.filter((r) => r.route === 'suite').map((r) => r.event);
    expect(kinds.find((e) => e.kind === 'create_auth')).toMatchObject({ authOpenKfIds: [kf] });
    expect(kinds.find((e) => e.kind === 'change_auth')).toMatchObject({ authCorpId: corp.corpId, state: 'x1', authOpenKfIds: [] });
    expect(emu.provider.authorisation(corp.corpId)?.kfAccounts).toEqual([]);
    expect(() => emu.provider.changeAuth(emu.addCorp().corpId)).toThrow(/has not authorised/);
  });

  it('counts an instruction answered with anything but the literal success, or too late, as not delivered', async () => {
    const wrong = await providerReceiver({ token: suite.token, encodingAesKey: suite.encodingAesKey, suiteId: suite.suiteId, instructionAnswer: 'ok' });
    const slow = await providerReceiver({ token: suite.token, encodingAesKey: suite.encodingAesKey, suiteId: suite.suiteId, instructionDelayMs: 1500 });
    try {
      emu.setSwitches({ callbackDeliveries: 3 });
      emu.provider.setUrls(suite.suiteId, { instructionUrl: `${wrong.base}/suite` });
      expect(await emu.provider.pushSuiteTicket().delivery).toEqual({ attempts: 3, statuses: ['wrong_body', 'wrong_body', 'wrong_body'], delivered: false });
      emu.setSwitches({ instructionTimeoutMs: 100 });
      emu.provider.setUrls(suite.suiteId, { instructionUrl: `${slow.base}/suite` });
      expect(await emu.provider.pushSuiteTicket().delivery).toMatchObject({ statuses: ['timeout', 'timeout', 'timeout'], delivered: false });
    } finally {
      await wrong.close();
      await slow.close();
    }
  });

  it('seals instructions for the provider corp id under the suiteReceiveId switch', async () => {
    emu.setSwitches({ suiteReceiveId: 'provider_corpid' });
    await emu.provider.pushSuiteTicket().delivery;
    expect(app.received[0]).toMatchObject({ route: 'suite', receiveId: suite.providerCorpId, event: { kind: 'suite_ticket', suiteId: suite.suiteId } });
  });

  it('refuses service calls without a valid suite token (40082) and with an expired one (42009)', async () => {
    expect((await call('service/get_pre_auth_code')).errcode).toBe(40082);
    expect((await call('service/get_pre_auth_code', undefined, { suite_access_token: 'nope' })).errcode).toBe(40082);
    const t = await token();
    clock.advance(7200_000);
    expect((await call('service/get_pre_auth_code', undefined, { suite_access_token: t })).errcode).toBe(42009);
  });

  it('uses a pre-auth code once and for 20 minutes', async () => {
    const t = await token();
    const used = await preAuthCode(t);
    expect((await call('service/set_session_info', { pre_auth_code: used, session_info: { auth_type: 1 } }, { suite_access_token: t })).errcode).toBe(0);
    expect((await call('service/set_session_info', { pre_auth_code: used, session_info: { auth_type: 7 } }, { suite_access_token: t })).errcode).toBe(40058);
    emu.provider.authorise(corp.corpId, used);
    expect(() => emu.provider.authorise(emu.addCorp().corpId, used)).toThrow(/already used/);
    expect((await call('service/set_session_info', { pre_auth_code: used, session_info: { auth_type: 0 } }, { suite_access_token: t })).errcode).toBe(40077);

    const late = await preAuthCode(t);
    clock.advance(20 * 60_000);
    expect((await call('service/set_session_info', { pre_auth_code: late, session_info: { auth_type: 0 } }, { suite_access_token: t })).errcode).toBe(42007);
    expect(() => emu.provider.authorise(emu.addCorp().corpId, late)).toThrow(/expired/);
  });

  it('lets an auth code be exchanged for 10 minutes only', async () => {
    const t = await token();
    const { authCode } = emu.provider.authorise(corp.corpId, await preAuthCode(t));
    clock.advance(10 * 60_000);
    expect((await call('service/v2/get_permanent_code', { auth_code: authCode }, { suite_access_token: t })).errcode).toBe(40078);
  });

  it('checks auth_corpid case-sensitively and keeps secrets out of the call log', async () => {
    const t = await token();
    const { authCode } = emu.provider.authorise(corp.corpId, await preAuthCode(t));
    const grant = await call('service/v2/get_permanent_code', { auth_code: authCode }, { suite_access_token: t });
    const permanentCode = grant.permanent_code as string;
    const upper = corp.corpId.toUpperCase();
    expect((await call('service/get_corp_token', { auth_corpid: upper, permanent_code: permanentCode }, { suite_access_token: t })).errcode).toBe(40084);
    expect(await call('service/get_corp_token', { auth_corpid: corp.corpId, permanent_code: permanentCode }, { suite_access_token: t })).toMatchObject({ errcode: 0, expires_in: 7200 });
    const log = JSON.stringify(emu.calls);
    for (const secret of [permanentCode, suite.suiteSecret, t]) expect(log).not.toContain(secret);
  });

  it("sends an authorised corp's kf wake-ups to the suite's data URL, and stops after cancel", async () => {
    const t = await token();
    emu.provider.authorise(corp.corpId, await preAuthCode(t));
    const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    const other = emu.addKfAccount(corp.corpId, { name: 'Not granted' });
    await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] });
    // An account not granted to the app wakes nobody up.
    expect(await (await emu.customer(corp.corpId, other).sendText('anyone?')).delivery).toMatchObject({ attempts: 0 });
    const customer = emu.customer(corp.corpId, kf);
    const sent = await customer.sendText('hello');
    expect(await sent.delivery).toMatchObject({ delivered: true });
    expect(app.received.filter((r) => r.event.kind === 'kf_msg_or_event')).toEqual([
      expect.objectContaining({ route: 'callback', receiveId: corp.corpId, event: expect.objectContaining({ corpId: corp.corpId, openKfId: kf }) }),
    ]);

    expect(await emu.provider.cancel(corp.corpId)).toMatchObject({ delivered: true });
    expect(await (await customer.sendText('still there?')).delivery).toMatchObject({ attempts: 0 });
    expect(emu.provider.authorisation(corp.corpId)).toMatchObject({ cancelled: true, permanentCode: undefined });
  });

  it('lets the corp token reach only the kf accounts granted to the app (95000 otherwise), and the ones it creates', async () => {
    const t = await token();
    const { authCode } = emu.provider.authorise(corp.corpId, await preAuthCode(t));
    const grant = await call('service/v2/get_permanent_code', { auth_code: authCode }, { suite_access_token: t });
    const corpToken = (await call('service/get_corp_token', { auth_corpid: corp.corpId, permanent_code: grant.permanent_code }, { suite_access_token: t })).access_token as string;
    const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    const kfCall = (path: string, body: unknown) => call(path, body, { access_token: corpToken });
    const privileges = async () => ((await kfCall('kf/account/list', {})).account_list as { open_kfid: string; manage_privilege: boolean }[]).map((a) => [a.open_kfid, a.manage_privilege]);

    expect((await kfCall('kf/sync_msg', { open_kfid: kf })).errcode).toBe(95000);
    expect(await privileges()).toEqual([[kf, false]]);
    await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] });
    expect((await kfCall('kf/sync_msg', { open_kfid: kf })).errcode).toBe(0);
    expect(await privileges()).toEqual([[kf, true]]);

    const mediaId = emu.putMedia(corp.corpId, { type: 'image', bytes: Buffer.from('x'), filename: 'a.png' });
    const created = (await kfCall('kf/account/add', { name: 'Sales', media_id: mediaId })).open_kfid as string;
    expect((await kfCall('kf/sync_msg', { open_kfid: created })).errcode).toBe(0);

    await emu.provider.grantKfAccounts(corp.corpId, { remove: [kf] });
    expect((await kfCall('kf/sync_msg', { open_kfid: kf })).errcode).toBe(95000);
    emu.setSwitches({ providerKfGrants: 'off' });
    expect((await kfCall('kf/sync_msg', { open_kfid: kf })).errcode).toBe(0);
  });

  it('re-issues the permanent code on reset_permanent_code (代开发): the old one is refused after the exchange', async () => {
    const t = await token();
    const first = emu.provider.authorise(corp.corpId, await preAuthCode(t));
    const old = (await call('service/v2/get_permanent_code', { auth_code: first.authCode }, { suite_access_token: t })).permanent_code;
    const reset = emu.provider.resetPermanentCode(corp.corpId);
    expect(await reset.delivery).toMatchObject({ delivered: true });
    expect(app.received.at(-1)?.event).toMatchObject({ kind: 'reset_permanent_code', authCode: reset.authCode, authCorpId: corp.corpId });
    const fresh = (await call('service/v2/get_permanent_code', { auth_code: reset.authCode }, { suite_access_token: t })).permanent_code;
    expect(fresh).not.toBe(old);
    const corpToken = (code: unknown) => call('service/get_corp_token', { auth_corpid: corp.corpId, permanent_code: code }, { suite_access_token: t });
    expect((await corpToken(old)).errcode).toBe(40084);
    expect((await corpToken(fresh)).errcode).toBe(0);
  });

  it('checks both suite URLs with a GET echostr sealed for the provider corp id', async () => {
    expect(await emu.provider.verifyUrl('instruction')).toMatchObject({ ok: true, status: 200 });
    expect(await emu.provider.verifyUrl('data')).toMatchObject({ ok: true, status: 200 });
    expect(await emu.provider.verifyUrl('data', { receiveId: 'wwSomeoneElse' })).toMatchObject({ ok: false, status: 401 });
  });

  it('lets a corp reinstall after cancel: a new auth code and a new permanent code, same corp id', async () => {
    const t = await token();
    const first = emu.provider.authorise(corp.corpId, await preAuthCode(t));
    const a = await call('service/v2/get_permanent_code', { auth_code: first.authCode }, { suite_access_token: t });
    await emu.provider.cancel(corp.corpId);
    const second = emu.provider.authorise(corp.corpId, await preAuthCode(t));
    expect(second.authCode).not.toBe(first.authCode);
    const b = await call('service/v2/get_permanent_code', { auth_code: second.authCode }, { suite_access_token: t });
    expect(b).toMatchObject({ errcode: 0, auth_corp_info: { corpid: corp.corpId } });
    expect(b.permanent_code).not.toBe(a.permanent_code);
    expect((await call('service/get_corp_token', { auth_corpid: corp.corpId, permanent_code: a.permanent_code }, { suite_access_token: t })).errcode).toBe(40084);
  });
});
