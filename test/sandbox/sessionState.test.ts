import { rig, type Rig } from './helpers';

describe('emulator: service state and send_msg_on_event', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
    r.emu.addServicer(r.corp.corpId, { userid: 'alice' });
    r.emu.addServicer(r.corp.corpId, { userid: 'bob', status: 'stopped' });
  });
  afterEach(() => r.emu.stop());

  const trans = (external_userid: string, service_state: number, servicer_userid?: string) =>
    r.api.post('kf/service_state/trans', { open_kfid: r.kf, external_userid, service_state, ...(servicer_userid ? { servicer_userid } : {}) });
  const get = (external_userid: string) => r.api.post('kf/service_state/get', { open_kfid: r.kf, external_userid });

  it('follows the state machine: 0→1→2→3→3→4, msg_code on the first move to 2/3 and on 4', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    expect(await get(c.externalUserId)).toMatchObject({ errcode: 0, service_state: 4 });
    await c.sendText('hi');
    expect(await get(c.externalUserId)).toMatchObject({ service_state: 0 });
    expect(await trans(c.externalUserId, 1)).not.toHaveProperty('msg_code');
    expect((await trans(c.externalUserId, 1)).errcode).toBe(95016); // 1→1 is not an edge
    expect((await trans(c.externalUserId, 0)).errcode).toBe(95016);
    const queued = await trans(c.externalUserId, 2);
    expect(queued).toMatchObject({ errcode: 0, msg_code: expect.any(String) });
    expect((await trans(c.externalUserId, 1)).errcode).toBe(95016);
    expect((await trans(c.externalUserId, 3, 'nobody')).errcode).toBe(95014);
    expect((await trans(c.externalUserId, 3, 'bob')).errcode).toBe(95019);
    expect(await trans(c.externalUserId, 3, 'alice')).toMatchObject({ errcode: 0, msg_code: expect.any(String) });
    expect(await get(c.externalUserId)).toMatchObject({ service_state: 3, servicer_userid: 'alice' });
    r.emu.servicer(r.corp.corpId, 'bob').setStatus('receiving');
    expect(await trans(c.externalUserId, 3, 'bob')).not.toHaveProperty('msg_code'); // not the first move to 3
    expect(await trans(c.externalUserId, 4)).toMatchObject({ errcode: 0, msg_code: expect.any(String) });
    expect((await trans(c.externalUserId, 0)).errcode).toBe(95013); // ended: no way out via the API
    await c.sendText('back');
    expect(await get(c.externalUserId)).toMatchObject({ service_state: 0 });
  });

  it('gives a welcome_code that works once and expires after 20 s', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const { welcomeCode } = await c.enterSession({ scene: 'qr' });
    expect(welcomeCode).toEqual(expect.any(String));
    const welcome = { code: welcomeCode, msgtype: 'text', text: { content: 'Welcome!' } };
    expect(await r.api.post('kf/send_msg_on_event', welcome)).toMatchObject({ errcode: 0, msgid: expect.any(String) });
    expect((await r.api.post('kf/send_msg_on_event', welcome)).errcode).toBe(41050);
    expect(c.received()).toMatchObject([{ via: 'send_msg_on_event', msgtype: 'text', payload: { content: 'Welcome!' } }]);

    const d = r.emu.customer(r.corp.corpId, r.kf);
    const late = await d.enterSession();
    r.clock.advance(20_000);
    expect((await r.api.post('kf/send_msg_on_event', { code: late.welcomeCode, msgtype: 'text', text: { content: 'x' } })).errcode).toBe(41050);
    expect((await r.api.post('kf/send_msg_on_event', { code: 'made-up', msgtype: 'text', text: { content: 'x' } })).errcode).toBe(41050);
  });

  it('gives no welcome_code after a welcome or a message in the last 48 h', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const first = await c.enterSession();
    await r.api.post('kf/send_msg_on_event', { code: first.welcomeCode, msgtype: 'text', text: { content: 'Welcome!' } });
    expect((await c.enterSession()).welcomeCode).toBeUndefined();
    r.clock.advance(48 * 3600_000);
    expect((await c.enterSession()).welcomeCode).toEqual(expect.any(String));
    await c.sendText('hi');
    expect((await c.enterSession()).welcomeCode).toBeUndefined();
  });

  it('a queue code allows one text while the session is still queued', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    await c.sendText('hi');
    const { msg_code } = await trans(c.externalUserId, 2);
    const menu = { code: msg_code, msgtype: 'msgmenu', msgmenu: { list: [] } };
    expect((await r.api.post('kf/send_msg_on_event', menu)).errcode).toBe(40008);
    await trans(c.externalUserId, 3, 'alice');
    expect((await r.api.post('kf/send_msg_on_event', { code: msg_code, msgtype: 'text', text: { content: 'queued' } })).errcode).toBe(41050);
  });

  it('a servicer replying from the client re-opens an ended session (4 → 3) and raises session_status_change', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const { syncToken } = await c.sendText('hi');
    const alice = r.emu.servicer(r.corp.corpId, 'alice');
    await alice.reply(r.kf, c.externalUserId, 'hello');
    await alice.endSession(r.kf, c.externalUserId);
    expect(r.emu.sessionState(r.corp.corpId, r.kf, c.externalUserId).service_state).toBe(4);
    await alice.reply(r.kf, c.externalUserId, 'one more thing');
    expect(r.emu.sessionState(r.corp.corpId, r.kf, c.externalUserId)).toEqual({ service_state: 3, servicer_userid: 'alice' });
    const page = await r.api.post('kf/sync_msg', { token: syncToken });
    const changes = (page.msg_list as { event?: { event_type: string; change_type: number } }[])
      .filter((m) => m.event?.event_type === 'session_status_change')
      .map((m) => m.event!.change_type);
    expect(changes).toEqual([1, 3, 4]);
  });
});
