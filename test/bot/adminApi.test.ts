import { appRig, type AppRig } from './appRig';

const DAY_HOURS = 24;

describe('admin API and licence gate, through the app server', () => {
  let rig: AppRig;
  afterEach(async () => rig?.close());

  const texts = (externalUserId: string): string[] =>
    rig.emu.received(rig.corp.corpId, externalUserId).map((m) => (m.payload as { content?: string }).content ?? m.msgtype);

  it('shows the trial from the first start-up and refuses callers without the bearer token', async () => {
    rig = await appRig();
    const licence = await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`);
    expect(licence).toMatchObject({ status: 200, json: { status: 'trial', daysLeft: 90, creditBalance: 0, autoRenew: false } });
    expect((await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`, undefined, { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`, undefined, { authorization: '' })).json).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses an admin API without ADMIN_TOKEN, saying how to turn it on', async () => {
    rig = await appRig({ adminToken: undefined });
    const res = await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`);
    expect(res).toMatchObject({ status: 401, json: { error: { code: 'admin_disabled', message: expect.stringContaining('ADMIN_TOKEN') } } });
  });

  it.each([
    [{ credits: 3 }, 400, 'invalid_purchase'],
    [{ credits: 4.5 }, 400, 'invalid_purchase'],
    [{ credits: -8 }, 400, 'invalid_purchase'],
    [{ credits: 2 ** 53 - 1 }, 400, 'invalid_purchase'],
    [{ credits: 100_001 }, 400, 'invalid_purchase'],
    [{ credits: '8' }, 400, 'invalid_body'],
    [{}, 400, 'invalid_body'],
    ['not json', 400, 'invalid_json'],
  ])('refuses a bad purchase %j with %i %s', async (body, status, code) => {
    rig = await appRig();
    const res = await rig.call('POST', `/admin/v1/corps/${rig.corp.corpId}/credits`, body);
    expect(res).toMatchObject({ status, json: { error: { code } } });
    expect((await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`)).json).toMatchObject({ creditBalance: 0, schedule: [] });
  });

  it('20 purchases at once with one Idempotency-Key: one is recorded, every caller gets its result', async () => {
    rig = await appRig();
    const path = `/admin/v1/corps/${rig.corp.corpId}/credits`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => rig.call('POST', path, { credits: 8 }, { 'idempotency-key': 'order-7' })));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(19).fill(200), 201]);
    const years = new Set(answers.map((a) => (a.json as { year: { id: string } }).year.id));
    expect(years.size).toBe(1);
    const licence = await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`);
    expect((licence.json as { schedule: unknown[] }).schedule).toHaveLength(1);
  });

  it('refuses an Idempotency-Key reused for another purchase with 409, and records nothing new', async () => {
    rig = await appRig();
    const path = `/admin/v1/corps/${rig.corp.corpId}/credits`;
    expect((await rig.call('POST', path, { credits: 8 }, { 'idempotency-key': 'order-9' })).status).toBe(201);
    expect(await rig.call('POST', path, { credits: 12 }, { 'idempotency-key': 'order-9' })).toMatchObject({ status: 409, json: { error: { code: 'idempotency_key_reused' } } });
    expect((await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`)).json).toMatchObject({ creditBalance: 8 });
  });

  it('answers 404 for an unknown corp', async () => {
    rig = await appRig();
    expect(await rig.call('GET', '/admin/v1/corps/wwnobody/licence')).toMatchObject({ status: 404, json: { error: { code: 'unknown_corp' } } });
    expect(await rig.call('POST', '/admin/v1/corps/wwnobody/credits', { credits: 4 })).toMatchObject({ status: 404 });
  });

  it('schedules a purchase made during the trial to start when the trial ends, and takes auto-renew', async () => {
    rig = await appRig();
    const bought = await rig.call('POST', `/admin/v1/corps/${rig.corp.corpId}/credits`, { credits: 8 }, { 'idempotency-key': 'order-1' });
    expect(bought.status).toBe(201);
    const again = await rig.call('POST', `/admin/v1/corps/${rig.corp.corpId}/credits`, { credits: 8 }, { 'idempotency-key': 'order-1' });
    expect(again).toMatchObject({ status: 200, json: { duplicate: true } });
    const licence = (await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`)).json;
    expect(licence).toMatchObject({ status: 'trial', creditBalance: 8 });
    expect(licence.schedule).toEqual([expect.objectContaining({ startsAt: licence.trialEndsAt })]);
    expect(await rig.call('PUT', `/admin/v1/corps/${rig.corp.corpId}/auto-renew`, { enabled: true })).toMatchObject({ status: 200, json: { autoRenew: true } });
  });

  it.each<'shared' | 'own'>(['shared', 'own'])('blocks both directions when the trial expires, keeps what customers send, and answers it in order after a purchase (WeCom clock: %s)', async (emulatorClock) => {
    rig = await appRig({ emulatorClock });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('during trial')).delivery;
    await rig.adapter.idle();
    expect(texts(customer.externalUserId)).toEqual(['You said: during trial']);

    expect((await rig.call('POST', '/admin/v1/test-clock/advance', { hours: 91 * DAY_HOURS })).status).toBe(200);
    expect((await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`)).json).toMatchObject({ status: 'trial_expired', valid: false });

    for (const text of ['one', 'two', 'three']) await (await customer.sendText(text)).delivery;
    await rig.adapter.idle();
    expect(texts(customer.externalUserId)).toEqual(['You said: during trial']);
    const reference = { conversation: { id: `${rig.corp.corpId}:${rig.kf}:${customer.externalUserId}`, isGroup: false, conversationType: 'personal', name: '' }, channelId: 'wecom', serviceUrl: `wecom://${rig.corp.corpId}` };
    await expect(rig.adapter.continueConversationAsync('', reference, async (ctx) => void (await ctx.sendActivity('proactive'))))
      .rejects.toMatchObject({ code: 'licence_inactive' });

    expect((await rig.call('POST', `/admin/v1/corps/${rig.corp.corpId}/credits`, { credits: 4 })).status).toBe(201);
    await rig.adapter.idle();
    expect(texts(customer.externalUserId)).toEqual(['You said: during trial', 'You said: one', 'You said: two', 'You said: three']);
    expect((await rig.call('GET', `/admin/v1/corps/${rig.corp.corpId}/licence`)).json).toMatchObject({ status: 'active', creditBalance: 0 });
  });

  it('has no test clock route unless TEST_CLOCK is on', async () => {
    rig = await appRig({ testClock: false });
    expect((await rig.call('POST', '/admin/v1/test-clock/advance', { hours: 1 })).status).toBe(404);
  });

  it('reports a conversation window to agents', async () => {
    rig = await appRig();
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('hi')).delivery;
    await rig.adapter.idle();
    const id = encodeURIComponent(`${rig.corp.corpId}:${rig.kf}:${customer.externalUserId}`);
    const res = await rig.call('GET', `/admin/v1/conversations/${id}/window`);
    expect(res).toMatchObject({ status: 200, json: { open: true, repliesLeft: 4 } });
  });
});
