import { makePng, rig, type Rig } from './helpers';

describe('emulator: kf/send_msg', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(() => r.emu.stop());

  const text = (touser: string, content: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    touser,
    open_kfid: r.kf,
    msgtype: 'text',
    text: { content },
    ...extra,
  });

  it('accepts 5 replies per customer message, refuses the 6th with 95001, and resets when the customer writes', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    await c.sendText('hi');
    for (let i = 1; i <= 5; i++) expect(await r.api.post('kf/send_msg', text(c.externalUserId, `r${i}`))).toMatchObject({ errcode: 0 });
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'r6'))).errcode).toBe(95001);
    expect(c.received().map((m) => (m.payload as { content: string }).content)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    await c.sendText('again');
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'r7'))).errcode).toBe(0);
  });

  it('refuses a send 48 h after the customer’s latest message with 95002', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    await c.sendText('hi');
    r.clock.advance(48 * 3600_000 - 1000);
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'in time'))).errcode).toBe(0);
    r.clock.advance(1000);
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'too late'))).errcode).toBe(95002);
  });

  it('refuses a customer who never wrote (95018), even after entering', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'x'))).errcode).toBe(95018);
    await c.enterSession();
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'x'))).errcode).toBe(95018);
    expect(c.received()).toEqual([]);
  });

  it('refuses in state 3 (a human took over) with 95018, and moves 0 → 1 on the first send', async () => {
    r.emu.addServicer(r.corp.corpId, { userid: 'alice' });
    const c = r.emu.customer(r.corp.corpId, r.kf);
    await c.sendText('hi');
    expect(r.emu.sessionState(r.corp.corpId, r.kf, c.externalUserId).service_state).toBe(0);
    await r.api.post('kf/send_msg', text(c.externalUserId, 'bot'));
    expect(r.emu.sessionState(r.corp.corpId, r.kf, c.externalUserId).service_state).toBe(1);
    await r.emu.servicer(r.corp.corpId, 'alice').reply(r.kf, c.externalUserId, 'human');
    expect(r.emu.sessionState(r.corp.corpId, r.kf, c.externalUserId)).toEqual({ service_state: 3, servicer_userid: 'alice' });
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'bot again'))).errcode).toBe(95018);
  });

  it('checks msgid and payload: empty or long msgid, 2048 bytes of text, menus, media', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const inbound = (await c.sendText('hi')).msgid;
    const to = c.externalUserId;
    expect((await r.api.post('kf/send_msg', text(to, 'x', { msgid: '' }))).errcode).toBe(40058);
    expect((await r.api.post('kf/send_msg', text(to, 'x', { msgid: 'a'.repeat(33) }))).errcode).toBe(40058);
    expect((await r.api.post('kf/send_msg', text(to, 'x', { msgid: inbound }))).errcode).toBe(40058);
    expect((await r.api.post('kf/send_msg', text(to, 'x', { msgid: 'bad msgid!' }))).errcode).toBe(40058);
    expect((await r.api.post('kf/send_msg', text(to, '好'.repeat(683)))).errcode).toBe(40058); // 2049 bytes
    expect((await r.api.post('kf/send_msg', { touser: to, open_kfid: 'wkNOPE', msgtype: 'text', text: { content: 'x' } })).errcode).toBe(95004);
    expect((await r.api.post('kf/send_msg', { touser: to, open_kfid: r.kf, msgtype: 'sticker', sticker: {} })).errcode).toBe(40008);
    const item = { type: 'click', click: { id: '1', content: 'Yes' } };
    const menu = (list: unknown[]): Record<string, unknown> => ({ touser: to, open_kfid: r.kf, msgtype: 'msgmenu', msgmenu: { head_content: 'Pick', list } });
    expect((await r.api.post('kf/send_msg', menu(Array(11).fill(item)))).errcode).toBe(95008);
    expect((await r.api.post('kf/send_msg', menu([{ type: 'button', button: {} }]))).errcode).toBe(95009);
    expect((await r.api.post('kf/send_msg', { touser: to, open_kfid: r.kf, msgtype: 'image', image: { media_id: 'nope' } })).errcode).toBe(40007);
    // none of those refusals spent quota:
    expect((await r.api.post('kf/send_msg', text(to, '好'.repeat(682), { msgid: 'ok-1' }))).msgid).toBe('ok-1'); // 2046 bytes
    expect((await r.api.post('kf/send_msg', menu(Array(10).fill(item)))).errcode).toBe(0);
    const mediaId = r.emu.putMedia(r.corp.corpId, { type: 'image', bytes: makePng(), filename: 'a.png' });
    const img = await r.api.post('kf/send_msg', { touser: to, open_kfid: r.kf, msgtype: 'image', image: { media_id: mediaId } });
    expect(img.errcode).toBe(0);
    expect(typeof img.msgid).toBe('string');
    expect(r.emu.received(r.corp.corpId, to).map((m) => m.msgtype)).toEqual(['text', 'msgmenu', 'image']);
  });

  it('refuses a repeated msgid with 40058 by default (nothing sent twice)', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    await c.sendText('hi');
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'once', { msgid: 'turn1-0' }))).errcode).toBe(0);
    expect((await r.api.post('kf/send_msg', text(c.externalUserId, 'once', { msgid: 'turn1-0' }))).errcode).toBe(40058);
    expect(c.received()).toHaveLength(1);
  });

  it('answers a repeated msgid as success without sending twice under repeatedSendMsgid "success"', async () => {
    r.emu.setSwitches({ repeatedSendMsgid: 'success' });
    const c = r.emu.customer(r.corp.corpId, r.kf);
    await c.sendText('hi');
    for (let i = 0; i < 5; i++) await r.api.post('kf/send_msg', text(c.externalUserId, `r${i}`, { msgid: `turn1-${i}` }));
    // the quota is spent, yet a retry of an accepted msgid is still answered as success:
    expect(await r.api.post('kf/send_msg', text(c.externalUserId, 'r0', { msgid: 'turn1-0' }))).toMatchObject({ errcode: 0, msgid: 'turn1-0' });
    expect(c.received()).toHaveLength(5);
  });
});
