/**
 * Provider mode end to end (wecom-provider.md § 8): the emulator pushes a ticket, two corps install
 * the suite through the install link and grant a kf account each, and their customers reach the bot
 * through one callback URL — each reply with its own corp's token. Cancelling holds a corp's
 * traffic; re-authorising resumes it with the trial unchanged and the held messages in order.
 */
import { request } from 'undici';
import { silentLogger } from '../../src/common';
import { buildEncryptedCallback, WeComCrypto } from '../../src/wecom';
import { WeComAdapter } from '../../src/botbuilder';
import { PROVIDER_ADMIN_TOKEN, providerRig, type ProviderRig } from '../support/providerRig';

jest.setTimeout(60_000);

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('WeComAdapter in provider mode', () => {
  let rig: ProviderRig;

  beforeEach(async () => {
    rig = await providerRig();
  });

  afterEach(async () => {
    await rig.close();
  });

  const texts = (corpId: string, customer: string): string[] =>
    rig.emu.received(corpId, customer).map((m) => (m.payload as { content: string }).content);

  it('ticket → install link → authorise → permanent code → kf account granted → a customer is answered', async () => {
    const { a } = rig;
    await rig.ticket();
    const { link } = await rig.install(a);
    expect(link).toContain(`suite_id=${rig.suite.suiteId}`);
    expect(link).toContain('pre_auth_code=');
    // The permanent code is the emulator's, kept encrypted: the corp is active and its trial started.
    expect(rig.emu.provider.authorisation(a.corp.corpId, rig.suite.suiteId)?.permanentCode).toBeDefined();
    expect(await rig.provider.corps.statusOf(a.corp.corpId)).toBe('active');
    expect(await (await rig.adapter.licensing()).status(a.corp.corpId)).toMatchObject({ status: 'trial', authorised: true });

    await rig.grant(a);
    expect(await rig.adapter.corps()).toEqual([expect.objectContaining({ corpId: a.corp.corpId, openKfIds: [a.kf] })]);

    const { delivery } = await rig.emu.customer(a.corp.corpId, a.kf, 'alice').sendText('hello');
    expect((await delivery).delivered).toBe(true);
    await rig.settle();
    expect(texts(a.corp.corpId, 'alice')).toEqual([`${a.corp.corpId}: hello`]);
    // The corp token came from service/get_corp_token, and the reply went out with it.
    expect(rig.emu.calls.filter((c) => c.path === 'service/get_corp_token' && c.errcode === 0).length).toBeGreaterThanOrEqual(1);
    expect(rig.emu.calls.filter((c) => c.path === 'kf/send_msg').map((c) => c.corpId)).toEqual([a.corp.corpId]);

    // The admin takes the account back (AuthDelOpenKfId): the corp stays, without it.
    expect((await rig.emu.provider.grantKfAccounts(a.corp.corpId, { remove: [a.kf] }, rig.suite.suiteId)).delivered).toBe(true);
    expect(await rig.adapter.corps()).toEqual([expect.objectContaining({ corpId: a.corp.corpId, openKfIds: [] })]);
  });

  it('gives the admin an install link and its QR code through the admin API, and a corp installs from it', async () => {
    const post = (body: unknown, token = PROVIDER_ADMIN_TOKEN) => request(`${rig.url}/admin/v1/install-links`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    expect((await post({ redirectUri: 'https://bot.example.com/installed' }, 'wrong-token-0123456789')).statusCode).toBe(401);
    expect((await post({ redirectUri: 'not a url' })).statusCode).toBe(400);
    expect((await post({ redirectUri: 'https://bot.example.com/installed', state: 'no spaces allowed' })).statusCode).toBe(400);
    await rig.ticket();
    const made = await post({ redirectUri: 'https://bot.example.com/installed', state: 'corpA' });
    expect(made.statusCode).toBe(201);
    const link = (await made.body.json()) as { url: string; expiresInSeconds: number; qrSvg: string };
    expect(link.qrSvg).toMatch(/^<svg/);
    expect(link.expiresInSeconds).toBe(1200);
    const preAuthCode = new URL(link.url).searchParams.get('pre_auth_code')!;
    expect(new URL(link.url).searchParams.get('state')).toBe('corpA');
    expect((await rig.emu.provider.authorise(rig.a.corp.corpId, preAuthCode).delivery).delivered).toBe(true);
    await rig.settle();
    expect(await rig.provider.corps.statusOf(rig.a.corp.corpId)).toBe('active');
  });

  it('serves two corps side by side with no cross-talk: each reply goes out with its own corp\'s token', async () => {
    const { a, b } = rig;
    await rig.ticket();
    await rig.install(a);
    await rig.install(b);
    await rig.grant(a);
    await rig.grant(b);
    expect((await rig.adapter.corps()).map((c) => c.corpId).sort()).toEqual([a.corp.corpId, b.corp.corpId].sort());

    const sent = await Promise.all([
      rig.emu.customer(a.corp.corpId, a.kf, 'ann').sendText('from A'),
      rig.emu.customer(b.corp.corpId, b.kf, 'bob').sendText('from B'),
      rig.emu.customer(a.corp.corpId, a.kf, 'ann').sendText('again A'),
    ]);
    for (const s of sent) expect((await s.delivery).delivered).toBe(true);
    await rig.settle();

    expect(texts(a.corp.corpId, 'ann')).toEqual([`${a.corp.corpId}: from A`, `${a.corp.corpId}: again A`]);
    expect(texts(b.corp.corpId, 'bob')).toEqual([`${b.corp.corpId}: from B`]);
    // The admin API lists both corps with the CSAs each granted.
    const listed = await request(`${rig.url}/admin/v1/corps`, { headers: { authorization: `Bearer ${PROVIDER_ADMIN_TOKEN}` } });
    expect(listed.statusCode).toBe(200);
    const { corps } = (await listed.body.json()) as { corps: { corpId: string; authorised: boolean; kfAccounts?: string[] }[] };
    const byId = (x: { corpId: string }, y: { corpId: string }): number => x.corpId.localeCompare(y.corpId);
    expect(corps.map((c) => ({ corpId: c.corpId, authorised: c.authorised, kfAccounts: c.kfAccounts })).sort(byId))
      .toEqual([a, b].map((c) => ({ corpId: c.corp.corpId, authorised: true, kfAccounts: [c.kf] })).sort(byId));
    expect(rig.emu.received(a.corp.corpId, 'bob')).toEqual([]);
    expect(rig.emu.received(b.corp.corpId, 'ann')).toEqual([]);
    const sends = rig.emu.calls.filter((c) => c.path === 'kf/send_msg');
    expect(sends).toHaveLength(3);
    for (const call of sends) {
      const kf = (call.body as { open_kfid: string }).open_kfid;
      expect(call.corpId).toBe(kf === a.kf ? a.corp.corpId : b.corp.corpId);
      expect(call.errcode).toBe(0);
    }
  });

  it('cancel holds the corp\'s traffic; re-authorising keeps the trial and delivers the held messages in order, then those written meanwhile', async () => {
    const { a, b } = rig;
    await rig.ticket();
    await rig.install(a);
    await rig.install(b);
    await rig.grant(a);
    await rig.grant(b);
    const licensing = await rig.adapter.licensing();
    const trialBefore = (await licensing.status(a.corp.corpId)).trialEndsAt;

    // A turn is running when the admin removes the app; two more messages wait behind it.
    rig.bot.holdNextWait();
    const customer = rig.emu.customer(a.corp.corpId, a.kf, 'carol');
    await (await customer.sendText('wait')).delivery;
    await rig.bot.waiting;
    await (await customer.sendText('second')).delivery;
    await (await customer.sendText('third')).delivery;
    await until(async () => ((await rig.adapter.inboxCounts()).pending >= 2 ? true : undefined), 'the messages behind the running turn');
    expect((await rig.emu.provider.cancel(a.corp.corpId, rig.suite.suiteId)).delivered).toBe(true);
    await rig.provider.instructions.idle();
    await until(async () => ((await rig.provider.corps.statusOf(a.corp.corpId)) === 'cancelled' ? true : undefined), 'the cancellation');
    rig.bot.release();
    await until(async () => ((await rig.adapter.inboxCounts()).held === 3 ? true : undefined), 'carol\'s three messages held');
    expect(texts(a.corp.corpId, 'carol')).toEqual([]);
    expect(await licensing.status(a.corp.corpId)).toMatchObject({ authorised: false });
    expect((await rig.adapter.corps()).map((c) => c.corpId)).toEqual([b.corp.corpId]);
    // The admin still sees the corp, as not authorised, rather than an unknown id.
    const listed = await request(`${rig.url}/admin/v1/corps/${a.corp.corpId}`, { headers: { authorization: `Bearer ${PROVIDER_ADMIN_TOKEN}` } });
    expect(listed.statusCode).toBe(200);
    expect(await listed.body.json()).toMatchObject({ corpId: a.corp.corpId, authorised: false });

    // While the app is removed, WeCom tells it nothing: what carol writes now waits with WeCom.
    expect((await (await customer.sendText('while away')).delivery).delivered).toBe(false);

    // The other corp is untouched.
    await (await rig.emu.customer(b.corp.corpId, b.kf, 'dave').sendText('still here')).delivery;
    await until(() => (texts(b.corp.corpId, 'dave').length === 1 ? true : undefined), 'corp B\'s answer');

    // Three hours later (within WeChat's 48 h reply window) the admin installs again and grants the
    // account again. A new trial would end three hours later than the first.
    rig.clock.advance(3 * 3_600_000);
    await rig.ticket();
    await rig.install(a);
    await rig.grant(a);
    await until(() => (texts(a.corp.corpId, 'carol').length === 4 ? true : undefined), 'the held messages and the one written meanwhile');
    await rig.settle();
    expect(texts(a.corp.corpId, 'carol')).toEqual(['wait', 'second', 'third', 'while away'].map((t) => `${a.corp.corpId}: ${t}`));
    expect(await licensing.status(a.corp.corpId)).toMatchObject({ trialEndsAt: trialBefore, authorised: true, status: 'trial' });
    expect((await rig.adapter.inboxCounts()).held).toBe(0);
  });

  it('refuses a callback for a corp that never authorised the suite, and one of a cancelled corp, naming why', async () => {
    const { a, b } = rig;
    await rig.ticket();
    await rig.install(a);
    const post = async (corpId: string): Promise<{ status: number; body: string }> => {
      const xml = `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><CreateTime>${Math.floor(rig.clock.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[t]]></Token><OpenKfId><![CDATA[wkX]]></OpenKfId></xml>`;
      const crypto = new WeComCrypto({ token: rig.suite.token, encodingAesKey: rig.suite.encodingAesKey, receiveIds: [corpId] });
      const { query, body } = buildEncryptedCallback(xml, { crypto, receiveId: corpId, timestamp: String(Math.floor(rig.clock.now() / 1000)) });
      const res = await request(`${rig.url}/api/wecom/callback?${new URLSearchParams(query)}`, { method: 'POST', body });
      return { status: res.statusCode, body: await res.body.text() };
    };
    const unknown = await post(b.corp.corpId);
    expect(unknown.status).toBe(403);
    expect(unknown.body).toMatch(/has not authorised this app/);
    // Ids are case-sensitive: the same corp id in other case is another corp.
    expect((await post(a.corp.corpId.toUpperCase())).status).toBe(403);
    expect((await post(a.corp.corpId)).status).toBe(200);

    await rig.emu.provider.cancel(a.corp.corpId, rig.suite.suiteId);
    await rig.settle();
    const cancelled = await post(a.corp.corpId);
    expect(cancelled.status).toBe(403);
    expect(cancelled.body).toMatch(/cancelled its authorisation/);
  });

  it('has no single client in provider mode, and a self-built adapter serves only its own corp', async () => {
    expect(() => rig.adapter.client).toThrow(/clientFor\(corpId\)/);
    const selfBuilt = new WeComAdapter({
      corpId: 'wwOwnCorp', secret: 's', token: 'token', encodingAesKey: 'a'.repeat(43), apiBaseUrl: rig.emu.baseUrl,
      store: rig.store, logger: silentLogger, autoStart: false, licensing: false,
    });
    try {
      expect(await selfBuilt.corps()).toEqual([{ corpId: 'wwOwnCorp' }]);
      expect(selfBuilt.clientFor('wwOwnCorp')).toBe(selfBuilt.client);
      expect(() => selfBuilt.clientFor('wwowncorp')).toThrow(expect.objectContaining({ code: 'corp_not_served' }));
    } finally {
      await selfBuilt.close();
    }
  });

  it('drops a corp\'s cached token when its permanent code is reset', async () => {
    const { a } = rig;
    await rig.ticket();
    await rig.install(a);
    await rig.grant(a);
    await (await rig.emu.customer(a.corp.corpId, a.kf, 'erin').sendText('one')).delivery;
    await rig.settle();
    const before = rig.emu.calls.filter((c) => c.path === 'service/get_corp_token').length;

    const { delivery } = rig.emu.provider.resetPermanentCode(a.corp.corpId, rig.suite.suiteId);
    expect((await delivery).delivered).toBe(true);
    await rig.settle();
    await (await rig.emu.customer(a.corp.corpId, a.kf, 'erin').sendText('two')).delivery;
    await rig.settle();
    expect(texts(a.corp.corpId, 'erin')).toEqual([`${a.corp.corpId}: one`, `${a.corp.corpId}: two`]);
    expect(rig.emu.calls.filter((c) => c.path === 'service/get_corp_token').length).toBe(before + 1);
  });
});
