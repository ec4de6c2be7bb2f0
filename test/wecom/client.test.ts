import { ManualClock } from '../../src/common';
import { type CorpCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { KfServiceState, WeComApiError, WeComClient, WeComHttpError } from '../../src/wecom';
import { makePng } from '../sandbox/helpers';

const startedAt = Date.UTC(2026, 0, 1, 8);

describe('WeComClient against the emulator', () => {
  let clock: ManualClock;
  let emu: WeComEmulator;
  let corp: CorpCredentials;
  let kf: string;
  let client: WeComClient;

  beforeEach(async () => {
    clock = new ManualClock(startedAt);
    emu = new WeComEmulator({ clock });
    await emu.start();
    corp = emu.addCorp();
    kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    client = newClient();
  });

  afterEach(async () => {
    await client.close();
    await emu.stop();
  });

  function newClient(overrides: Partial<ConstructorParameters<typeof WeComClient>[0]> = {}): WeComClient {
    return new WeComClient({
      corpId: corp.corpId, secret: corp.secret, baseUrl: emu.baseUrl, clock,
      backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 2_000, ...overrides,
    });
  }

  const calls = (path: string): number => emu.calls.filter((c) => c.path === path).length;
  const text = (content: string) => ({ msgtype: 'text' as const, text: { content } });

  it('pulls customer messages with sync_msg, typed, in order, with a cursor', async () => {
    const customer = emu.customer(corp.corpId, kf);
    const first = await customer.sendText('hello');
    await customer.sendText('second');
    const page = await client.syncMsg({ open_kfid: kf, token: first.syncToken });
    expect(page.has_more).toBe(false);
    expect(page.msg_list.map((m) => (m.msgtype === 'text' ? m.text.content : m.msgtype))).toEqual(['hello', 'second']);
    expect(page.msg_list[0]).toMatchObject({ origin: 3, open_kfid: kf, external_userid: customer.externalUserId, msgid: first.msgid });

    await customer.sendText('third');
    const next = await client.syncMsg({ open_kfid: kf, token: first.syncToken, cursor: page.next_cursor });
    expect(next.msg_list.map((m) => (m.msgtype === 'text' ? m.text.content : ''))).toEqual(['third']);
  });

  it('sends a reply, echoes our msgid, and the customer receives it', async () => {
    const customer = emu.customer(corp.corpId, kf);
    await customer.sendText('hi');
    const sent = await client.sendMsg({ touser: customer.externalUserId, open_kfid: kf, msgid: 'reply_1', message: text('hello back') });
    expect(sent.msgid).toBe('reply_1');
    expect(emu.received(corp.corpId, customer.externalUserId)).toEqual([
      expect.objectContaining({ msgid: 'reply_1', msgtype: 'text', payload: { content: 'hello back' } }),
    ]);
  });

  it('fetches one token for 100 concurrent calls (single flight)', async () => {
    const customer = emu.customer(corp.corpId, kf);
    await customer.sendText('hi');
    await Promise.all(Array.from({ length: 100 }, () => client.getServiceState({ open_kfid: kf, external_userid: customer.externalUserId })));
    expect(calls('gettoken')).toBe(1);
    expect(calls('kf/service_state/get')).toBe(100);
  });

  it('refreshes the token once on 42001 and retries the call', async () => {
    await client.listAccounts();
    emu.expireTokens(corp.corpId);
    const accounts = await client.listAccounts();
    expect(accounts.map((a) => a.open_kfid)).toContain(kf);
    expect(calls('gettoken')).toBe(2);
    const listCalls = emu.calls.filter((c) => c.path === 'kf/account/list').map((c) => c.errcode);
    expect(listCalls).toEqual([0, 42001, 0]);
  });

  it('refreshes when the clock passes the token lifetime, before WeCom has to refuse it', async () => {
    await client.listAccounts();
    clock.advance(7200 * 1000);
    await client.listAccounts();
    expect(calls('gettoken')).toBe(2);
    expect(emu.calls.some((c) => c.errcode === 42001)).toBe(false);
  });

  it('retries HTTP 500, busy (-1) and rate limits (45009) with back-off', async () => {
    emu.faults.inject({ path: 'kf/account/list', times: 1, fault: { kind: 'http_500' } });
    emu.faults.inject({ path: 'kf/servicer/list', times: 2, fault: { kind: 'errcode', errcode: -1 } });
    emu.faults.inject({ path: 'kf/add_contact_way', times: 1, fault: { kind: 'errcode', errcode: 45009 } });
    await expect(client.listAccounts()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ open_kfid: kf })]));
    await expect(client.listServicers(kf)).resolves.toEqual([]);
    await expect(client.addContactWay({ open_kfid: kf, scene: 'web' })).resolves.toMatchObject({ url: expect.stringContaining('http') });
    expect(calls('kf/account/list')).toBe(2);
    expect(calls('kf/servicer/list')).toBe(3);
    expect(calls('kf/add_contact_way')).toBe(2);
  });

  it('gives up after the configured retries with a WeComHttpError carrying the status', async () => {
    emu.faults.inject({ path: 'kf/account/list', times: 10, fault: { kind: 'http_500' } });
    const c = newClient({ retries: 2 });
    await expect(c.listAccounts()).rejects.toMatchObject({ name: 'WeComHttpError', code: 'wecom_http_error', status: 500, method: 'kf/account/list' });
    expect(calls('kf/account/list')).toBe(3);
    await c.close();
  });

  it('turns a reset connection into a retry for idempotent calls, and a WeComHttpError with a cause otherwise', async () => {
    const customer = emu.customer(corp.corpId, kf);
    await customer.sendText('hi');
    emu.faults.inject({ path: 'kf/service_state/get', times: 1, fault: { kind: 'reset' } });
    await expect(client.getServiceState({ open_kfid: kf, external_userid: customer.externalUserId })).resolves.toMatchObject({ service_state: 0 });

    // A send without msgid may have gone out: repeating it could send twice, so it is not retried.
    emu.faults.inject({ path: 'kf/send_msg', times: 1, fault: { kind: 'reset' } });
    const error = await client.sendMsg({ touser: customer.externalUserId, open_kfid: kf, message: text('x') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComHttpError);
    expect((error as WeComHttpError).cause).toBeDefined();
    expect(calls('kf/send_msg')).toBe(1);
  });

  it('times out a request that never answers', async () => {
    emu.faults.inject({ path: 'kf/account/list', times: 5, fault: { kind: 'timeout' } });
    const c = newClient({ timeoutMs: 150, retries: 1 });
    await expect(c.listAccounts()).rejects.toMatchObject({ name: 'WeComHttpError', message: expect.stringContaining('no answer within 150 ms') });
    await c.close();
  });

  it('raises typed errors for the messaging rules: 95001, 95002, 95018', async () => {
    const customer = emu.customer(corp.corpId, kf);
    const other = emu.customer(corp.corpId, kf);
    await customer.sendText('hi');
    for (let i = 0; i < 5; i++) await client.sendMsg({ touser: customer.externalUserId, open_kfid: kf, msgid: `m${i}`, message: text(`r${i}`) });
    await expect(client.sendMsg({ touser: customer.externalUserId, open_kfid: kf, msgid: 'm5', message: text('sixth') }))
      .rejects.toMatchObject({ name: 'WeComApiError', errcode: 95001, action: 'wait_for_customer', method: 'kf/send_msg' });

    await other.sendText('hello');
    clock.advance(48 * 3600 * 1000 + 1000);
    const late = await client.sendMsg({ touser: other.externalUserId, open_kfid: kf, msgid: 'late', message: text('late') }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(WeComApiError);
    expect((late as WeComApiError).errcode).toBe(95002);
    expect((late as WeComApiError).hint).toMatch(/48 hours/);

    const third = emu.customer(corp.corpId, kf);
    await third.sendText('I want a human');
    emu.addServicer(corp.corpId, { userid: 'alice' });
    await client.transServiceState({ open_kfid: kf, external_userid: third.externalUserId, service_state: KfServiceState.Human, servicer_userid: 'alice' });
    await expect(client.sendMsg({ touser: third.externalUserId, open_kfid: kf, msgid: 'human', message: text('bot talking') }))
      .rejects.toMatchObject({ errcode: 95018, action: 'wait_for_customer' });
  });

  it('never puts the access token or the secret in an error message', async () => {
    const token = await client.accessToken();
    emu.faults.inject({ path: 'kf/account/list', times: 1, fault: { kind: 'errcode', errcode: 48002 } });
    const error = await client.listAccounts().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComApiError);
    const shown = `${(error as Error).message} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(corp.secret);
    const bad = newClient({ secret: 'definitely-wrong-secret' });
    const refused = await bad.listAccounts().catch((e: unknown) => e);
    expect(refused).toMatchObject({ errcode: 40001, method: 'gettoken' });
    expect(String((refused as Error).message)).not.toContain('definitely-wrong-secret');
    await bad.close();
  });

  it('uploads real bytes as multipart and downloads them back unchanged', async () => {
    const png = makePng(4, 4);
    const uploaded = await client.uploadMedia({ type: 'image', bytes: png, filename: '图片.png', contentType: 'image/png' });
    expect(uploaded).toMatchObject({ type: 'image', media_id: expect.any(String) });
    const media = await client.getMedia(uploaded.media_id);
    expect(Buffer.compare(media.bytes, png)).toBe(0);
    expect(media.contentType).toBe('image/png');
    expect(media.filename).toBe('图片.png');

    await expect(client.getMedia('no-such-media')).rejects.toMatchObject({ errcode: 40007, method: 'media/get' });
    await expect(client.uploadMedia({ type: 'image', bytes: Buffer.from('tiny'), filename: 'a.png' })).rejects.toMatchObject({ name: 'WeComApiError' });
  });

  it('retries an upload after a 500 with the same bytes', async () => {
    emu.faults.inject({ path: 'media/upload', times: 1, fault: { kind: 'http_500' } });
    const png = makePng(3, 3);
    const uploaded = await client.uploadMedia({ type: 'image', bytes: png, filename: 'a.png', contentType: 'image/png' });
    expect(Buffer.compare((await client.getMedia(uploaded.media_id)).bytes, png)).toBe(0);
    expect(calls('media/upload')).toBe(2);
  });

  it('manages accounts, servicers, session state and contact links', async () => {
    const avatar = await client.uploadMedia({ type: 'image', bytes: makePng(), filename: 'avatar.png', contentType: 'image/png' });
    const { open_kfid } = await client.addAccount({ name: 'Sales', media_id: avatar.media_id });
    expect(open_kfid).toMatch(/^wk/);
    await client.updateAccount({ open_kfid, name: 'Sales CN' });
    expect((await client.listAccounts()).find((a) => a.open_kfid === open_kfid)?.name).toBe('Sales CN');

    emu.addServicer(corp.corpId, { userid: 'bob', openKfids: [] });
    const added = await client.addServicers({ open_kfid, userid_list: ['bob'] });
    expect(added).toEqual([expect.objectContaining({ userid: 'bob', errcode: 0 })]);
    expect((await client.listServicers(open_kfid)).map((s) => s.userid)).toEqual(['bob']);
    await client.delServicers({ open_kfid, userid_list: ['bob'] });
    expect(await client.listServicers(open_kfid)).toEqual([]);

    const customer = emu.customer(corp.corpId, open_kfid);
    await customer.sendText('hi');
    const moved = await client.transServiceState({ open_kfid, external_userid: customer.externalUserId, service_state: KfServiceState.Queued });
    expect(moved.msg_code).toEqual(expect.any(String));
    expect(await client.getServiceState({ open_kfid, external_userid: customer.externalUserId })).toMatchObject({ service_state: KfServiceState.Queued });
    await expect(client.transServiceState({ open_kfid, external_userid: customer.externalUserId, service_state: KfServiceState.Bot }))
      .rejects.toMatchObject({ errcode: 95016 });

    const { url } = await client.addContactWay({ open_kfid, scene: 'site' });
    expect(url).toMatch(/^https:\/\//);
    await client.delAccount({ open_kfid });
    expect((await client.listAccounts()).some((a) => a.open_kfid === open_kfid)).toBe(false);
  });

  it('describes customers with customer/batchget: nicknames typed, invalid ids listed, a refusal is a WeComApiError', async () => {
    const alice = emu.customer(corp.corpId, kf, undefined, { nickname: '小明' });
    await alice.sendText('hi');
    const answer = await client.batchGetCustomers({ external_userid_list: [alice.externalUserId, 'wmGone'] });
    expect(answer.customer_list).toEqual([expect.objectContaining({ external_userid: alice.externalUserId, nickname: '小明' })]);
    expect(answer.invalid_external_userid).toEqual(['wmGone']);

    emu.faults.inject({ path: 'kf/customer/batchget', fault: { kind: 'errcode', errcode: 60020 } });
    await expect(client.batchGetCustomers({ external_userid_list: [alice.externalUserId] })).rejects.toMatchObject({ errcode: 60020 });
    emu.faults.inject({ path: 'kf/customer/batchget', fault: { kind: 'errcode', errcode: 60020 } });
    await expect(client.batchGetCustomers({ external_userid_list: [alice.externalUserId] })).rejects.toBeInstanceOf(WeComApiError);
    await expect(client.batchGetCustomers({ external_userid_list: [] })).rejects.toBeInstanceOf(RangeError);
  });

  it('answers a welcome with send_msg_on_event, once', async () => {
    const customer = emu.customer(corp.corpId, kf);
    const entered = await customer.enterSession({ scene: 'site' });
    expect(entered.welcomeCode).toEqual(expect.any(String));
    await client.sendMsgOnEvent({ code: entered.welcomeCode!, msgid: 'welcome_1', message: text('Welcome!') });
    expect(emu.received(corp.corpId, customer.externalUserId).map((m) => m.payload)).toEqual([{ content: 'Welcome!' }]);
    await expect(client.sendMsgOnEvent({ code: entered.welcomeCode!, message: text('again') })).rejects.toMatchObject({ name: 'WeComApiError' });
  });
});
