/**
 * The provider token chain end to end: the emulator pushes tickets and install events to a
 * receiver built on src/wecom's callback code; SuiteClient walks ticket → suite token → pre-auth
 * code → install → permanent code → auth info → corp token → a kf call.
 */
import { ManualClock } from '../../src/common';
import type { CorpCredentials, SuiteCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { buildInstallLink, corpTokenKey, SuiteClient, SuiteTicketMissingError, WeComApiError, WeComClient, type CallbackEvent } from '../../src/wecom';
import { providerWorld, type ProviderReceiver, type ProviderWorld } from '../support/providerReceiver';

const T0 = Date.UTC(2026, 0, 1, 8);

describe('SuiteClient against the emulator', () => {
  let clock: ManualClock;
  let emu: WeComEmulator;
  let suite: SuiteCredentials;
  let corp: CorpCredentials;
  let kf: string;
  let app: ProviderReceiver;
  let world: ProviderWorld;
  let client: SuiteClient;
  /** What the app would persist: the newest ticket per suite. */
  let tickets: Map<string, string>;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    world = await providerWorld(clock);
    ({ emu, suite, app, corp } = world);
    kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    tickets = new Map();
    client = new SuiteClient({
      suiteId: suite.suiteId, suiteSecret: suite.suiteSecret, baseUrl: emu.baseUrl, clock,
      backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 2000,
      ticket: async () => tickets.get(suite.suiteId),
    });
  });

  afterEach(async () => {
    await client.close();
    await world.close();
  });

  /** Delivers the pending ticket push and keeps it, as the suite route would. */
  async function receiveTicket(): Promise<string> {
    const { delivery } = emu.provider.pushSuiteTicket(suite.suiteId);
    expect(await delivery).toMatchObject({ delivered: true });
    const event = lastEvent('suite_ticket');
    tickets.set(event.suiteId, event.suiteTicket);
    return event.suiteTicket;
  }

  function lastEvent<K extends CallbackEvent['kind']>(kind: K): Extract<CallbackEvent, { kind: K }> {
    const found = [...app.received].reverse().find((r) => r.event.kind === kind);
    if (!found) throw new Error(`no ${kind} received`);
    return found.event as Extract<CallbackEvent, { kind: K }>;
  }

  async function install(state = 'abc123'): Promise<{ authCode: string }> {
    const { preAuthCode } = await client.getPreAuthCode();
    await client.setSessionInfo(preAuthCode, { authType: 1 });
    const installed = emu.provider.authorise(corp.corpId, preAuthCode, { state });
    expect(await installed.delivery).toMatchObject({ delivered: true });
    return { authCode: lastEvent('create_auth').authCode };
  }

  it('walks the whole chain: ticket, suite token, pre-auth code, install, permanent code, auth info, corp token, kf call', async () => {
    const ticket = await receiveTicket();
    expect(ticket).toBe(emu.provider.latestTicket());
    const { preAuthCode } = await client.getPreAuthCode();
    const link = new URL(buildInstallLink({ suiteId: suite.suiteId, preAuthCode, redirectUri: 'https://bot.example.com/installed', state: 'abc123' }));
    expect(link.searchParams.get('pre_auth_code')).toBe(preAuthCode);

    const installed = emu.provider.authorise(corp.corpId, preAuthCode, { state: 'abc123' });
    await installed.delivery;
    const created = lastEvent('create_auth');
    expect(created).toMatchObject({ suiteId: suite.suiteId, authCode: installed.authCode, state: 'abc123' });
    // The instruction route's receive id is the suite id (the default switch).
    expect(app.received.find((r) => r.event.kind === 'create_auth')?.receiveId).toBe(suite.suiteId);

    const grant = await client.getPermanentCode(created.authCode);
    expect(grant).toMatchObject({ authCorpId: corp.corpId, state: 'abc123' });
    expect(grant.permanentCode).toBe(emu.provider.authorisation(corp.corpId)?.permanentCode);

    const info = await client.getAuthInfo(grant.authCorpId, grant.permanentCode);
    expect(info.agents).toEqual([expect.objectContaining({ agentId: emu.provider.authorisation(corp.corpId)?.agentId })]);

    const kfClient = client.corpClient(grant.authCorpId, grant.permanentCode);
    expect((await kfClient.listAccounts()).map((a) => a.open_kfid)).toEqual([kf]);
    // The corp token came from service/get_corp_token, never gettoken.
    expect(emu.calls.filter((c) => c.path === 'gettoken')).toHaveLength(0);
    expect(emu.calls.filter((c) => c.path === 'service/get_corp_token')).toHaveLength(1);
    expect(emu.calls.find((c) => c.path === 'kf/account/list')).toMatchObject({ corpId: corp.corpId, errcode: 0 });
    // One suite token served every service call.
    expect(emu.calls.filter((c) => c.path === 'service/get_suite_token')).toHaveLength(1);
  });

  it('refuses a second exchange of the same auth code with 40078', async () => {
    await receiveTicket();
    const { authCode } = await install();
    await client.getPermanentCode(authCode);
    await expect(client.getPermanentCode(authCode)).rejects.toMatchObject({ errcode: 40078 });
    const refusal = await client.getPermanentCode(authCode).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(WeComApiError);
    expect((refusal as WeComApiError).hint).toMatch(/single use/);
  });

  it('refuses a ticket older than 30 minutes, and works again after the next push', async () => {
    await receiveTicket();
    clock.advance(30 * 60_000);
    await expect(client.getPreAuthCode()).rejects.toMatchObject({ errcode: 40085 });
    await Promise.all(emu.provider.pumpTickets());
    tickets.set(suite.suiteId, lastEvent('suite_ticket').suiteTicket);
    await expect(client.getPreAuthCode()).resolves.toMatchObject({ expiresInSeconds: 1200 });
  });

  it('says the ticket is missing before any push, without calling WeCom', async () => {
    await expect(client.getPreAuthCode()).rejects.toBeInstanceOf(SuiteTicketMissingError);
    expect(emu.calls).toHaveLength(0);
  });

  it('replaces an expired suite token once and goes on', async () => {
    await receiveTicket();
    await client.getPreAuthCode();
    emu.provider.expireSuiteTokens();
    await expect(client.getPreAuthCode()).resolves.toMatchObject({ expiresInSeconds: 1200 });
    expect(emu.calls.filter((c) => c.path === 'service/get_pre_auth_code').map((c) => c.errcode)).toEqual([0, 42009, 0]);
    expect(emu.calls.filter((c) => c.path === 'service/get_suite_token')).toHaveLength(2);
  });

  it('after cancel_auth: the cached corp token is refused (48004) and the permanent code too (40084)', async () => {
    await receiveTicket();
    const { authCode } = await install();
    const grant = await client.getPermanentCode(authCode);
    const kfClient = client.corpClient(grant.authCorpId, grant.permanentCode);
    await kfClient.listAccounts();

    expect(await emu.provider.cancel(corp.corpId)).toMatchObject({ delivered: true });
    expect(lastEvent('cancel_auth')).toMatchObject({ authCorpId: corp.corpId });
    await expect(kfClient.listAccounts()).rejects.toMatchObject({ errcode: 48004 });
    await expect(client.getCorpToken(grant.authCorpId, grant.permanentCode)).rejects.toMatchObject({ errcode: 40084 });
  });

  it('delivers kf_account_auth_change to the data URL, routed by the corp id', async () => {
    await receiveTicket();
    const { authCode } = await install();
    await client.getPermanentCode(authCode);
    expect(await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] })).toMatchObject({ delivered: true });
    const change = app.received.find((r) => r.event.kind === 'kf_account_auth_change');
    expect(change).toMatchObject({ route: 'callback', receiveId: corp.corpId, event: { corpId: corp.corpId, added: [kf], removed: [] } });
    await emu.provider.grantKfAccounts(corp.corpId, { remove: [kf] });
    expect(lastEvent('kf_account_auth_change')).toMatchObject({ added: [], removed: [kf] });
  });

  it('runs sequence A: grant K, the customer writes, the kf wake-up names corp A, the reply goes out with corp A\'s token only', async () => {
    const corpB = emu.addCorp();
    const kfB = emu.addKfAccount(corpB.corpId, { name: 'B' });
    await receiveTicket();
    const { authCode } = await install();
    const grant = await client.getPermanentCode(authCode);
    const { preAuthCode } = await client.getPreAuthCode();
    await emu.provider.authorise(corpB.corpId, preAuthCode).delivery;
    await client.getPermanentCode(lastEvent('create_auth').authCode);
    await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] });
    await emu.provider.grantKfAccounts(corpB.corpId, { add: [kfB] });

    const alice = emu.customer(corp.corpId, kf);
    await (await alice.sendText('hello')).delivery;
    const wake = lastEvent('kf_msg_or_event');
    expect(wake).toMatchObject({ corpId: corp.corpId, openKfId: kf });

    const kfA = client.corpClient(wake.corpId, grant.permanentCode);
    const page = await kfA.syncMsg({ open_kfid: wake.openKfId, token: wake.token });
    const inbound = page.msg_list.find((m) => m.origin === 3);
    expect(inbound).toMatchObject({ external_userid: alice.externalUserId });
    await kfA.sendMsg({ touser: alice.externalUserId, open_kfid: kf, message: { msgtype: 'text', text: { content: 'hi from the provider' } } });

    expect(emu.received(corp.corpId, alice.externalUserId).map((m) => m.payload)).toEqual([{ content: 'hi from the provider' }]);
    expect(emu.received(corpB.corpId)).toEqual([]);
    const kfCalls = emu.calls.filter((c) => c.path.startsWith('kf/'));
    expect(new Set(kfCalls.map((c) => c.corpId))).toEqual(new Set([corp.corpId]));
  });

  it('keeps corp tokens apart per suite: cancelling one suite leaves the other suite\'s token working', async () => {
    const second = emu.provider.addSuite();
    const secondTickets = new Map<string, string>();
    const other = new SuiteClient({ suiteId: second.suiteId, suiteSecret: second.suiteSecret, baseUrl: emu.baseUrl, clock, ticket: async () => secondTickets.get(second.suiteId) });
    try {
      secondTickets.set(second.suiteId, emu.provider.pushSuiteTicket(second.suiteId).ticket);
      await receiveTicket();
      const { authCode } = await install();
      const mine = await client.getPermanentCode(authCode);
      const installed = emu.provider.authorise(corp.corpId, (await other.getPreAuthCode()).preAuthCode);
      const theirs = await other.getPermanentCode(installed.authCode);
      await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] }, suite.suiteId);
      await emu.provider.grantKfAccounts(corp.corpId, { add: [kf] }, second.suiteId);
      const a = client.corpClient(corp.corpId, mine.permanentCode);
      const b = other.corpClient(corp.corpId, theirs.permanentCode);
      expect(await a.accessToken()).not.toBe(await b.accessToken());

      await emu.provider.cancel(corp.corpId, second.suiteId);
      await expect(b.syncMsg({ open_kfid: kf })).rejects.toMatchObject({ errcode: 48004 });
      await expect(a.syncMsg({ open_kfid: kf })).resolves.toMatchObject({ msg_list: [] });
    } finally {
      await other.close();
    }
  });

  it('keys corp tokens by suite and corp: a kf client made from the options shares the cache key', () => {
    const options = client.corpClientOptions(corp.corpId, async () => 'pc');
    expect(options.tokenKey).toBe(corpTokenKey(suite.suiteId, corp.corpId));
    expect(corpTokenKey('s1', 'wwAbC')).not.toBe(corpTokenKey('s1', 'wwabc'));
    expect(new WeComClient(options).corpId).toBe(corp.corpId);
  });
});
