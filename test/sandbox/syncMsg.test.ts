import { rig, type Rig } from './helpers';

describe('emulator: kf/sync_msg', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(() => r.emu.stop());

  it('pages with limit, has_more and next_cursor, in order, with origins 3 and 4', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const entered = await c.enterSession({ scene: 'web', sceneParam: 'x=1' });
    const sent = [];
    for (const t of ['a', 'b', 'c', 'd']) sent.push((await c.sendText(t)).msgid);
    const token = entered.syncToken;

    const p1 = await r.api.post('kf/sync_msg', { token, limit: 2, open_kfid: r.kf });
    expect(p1).toMatchObject({ errcode: 0, has_more: 1 });
    const list1 = p1.msg_list as Record<string, unknown>[];
    expect(list1).toHaveLength(2);
    expect(list1[0]).toMatchObject({ origin: 4, msgtype: 'event', event: { event_type: 'enter_session', open_kfid: r.kf, external_userid: c.externalUserId, scene: 'web', scene_param: 'x=1' } });
    expect(list1[0]).not.toHaveProperty('open_kfid');
    expect(list1[0]).not.toHaveProperty('external_userid');
    expect(list1[1]).toMatchObject({ msgid: sent[0], origin: 3, open_kfid: r.kf, external_userid: c.externalUserId, msgtype: 'text', text: { content: 'a' } });
    expect(String(list1[1]!.msgid).length).toBeGreaterThanOrEqual(30);

    const p2 = await r.api.post('kf/sync_msg', { token, cursor: p1.next_cursor, limit: 2, open_kfid: r.kf });
    expect((p2.msg_list as { msgid: string }[]).map((m) => m.msgid)).toEqual(sent.slice(1, 3));
    expect(p2.has_more).toBe(1);
    const p3 = await r.api.post('kf/sync_msg', { token, cursor: p2.next_cursor, open_kfid: r.kf });
    expect((p3.msg_list as { msgid: string }[]).map((m) => m.msgid)).toEqual([sent[3]]);
    expect(p3.has_more).toBe(0);
    const p4 = await r.api.post('kf/sync_msg', { token, cursor: p3.next_cursor });
    expect(p4).toMatchObject({ errcode: 0, has_more: 0, msg_list: [] });
  });

  it('drops messages older than 3 days; no cursor reads from the oldest retained', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    await c.sendText('old');
    r.clock.advance(3 * 24 * 3600_000 - 1000);
    const fresh = await c.sendText('fresh');
    const before = await r.api.post('kf/sync_msg', { token: fresh.syncToken });
    expect((before.msg_list as unknown[]).length).toBe(2);
    r.clock.advance(2000); // 'old' is now 3 days + 1 s old
    const after = await r.api.post('kf/sync_msg', { token: fresh.syncToken });
    expect((after.msg_list as { msgid: string }[]).map((m) => m.msgid)).toEqual([fresh.msgid]);
  });

  it('shows servicer messages (origin 5) but never the app’s own send_msg output', async () => {
    r.emu.addServicer(r.corp.corpId, { userid: 'alice' });
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const { syncToken } = await c.sendText('hi');
    expect((await r.api.post('kf/send_msg', { touser: c.externalUserId, open_kfid: r.kf, msgtype: 'text', text: { content: 'bot' } })).errcode).toBe(0);
    await r.emu.servicer(r.corp.corpId, 'alice').reply(r.kf, c.externalUserId, 'human');
    const page = await r.api.post('kf/sync_msg', { token: syncToken });
    const list = page.msg_list as Record<string, unknown>[];
    expect(list.map((m) => m.origin)).toEqual([3, 4, 5]); // customer, session taken, servicer
    expect(list[2]).toMatchObject({ servicer_userid: 'alice', text: { content: 'human' } });
    expect(JSON.stringify(list)).not.toContain('bot');
  });

  it('refuses an expired sync token (95007), a bad limit or cursor (40058), an unknown account (95004)', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const { syncToken } = await c.sendText('hi');
    expect((await r.api.post('kf/sync_msg', { token: syncToken, limit: 1001 })).errcode).toBe(40058);
    expect((await r.api.post('kf/sync_msg', { token: syncToken, cursor: 'not-a-cursor' })).errcode).toBe(40058);
    expect((await r.api.post('kf/sync_msg', { token: syncToken, open_kfid: 'wkNOPE' })).errcode).toBe(95004);
    r.clock.advance(10 * 60_000 + 1);
    expect((await r.api.post('kf/sync_msg', { token: syncToken })).errcode).toBe(95007);
  });

  it('limits token-less calls to 10 a minute, then 45009 for a minute', async () => {
    for (let i = 0; i < 10; i++) expect((await r.api.post('kf/sync_msg', {})).errcode).toBe(0);
    expect((await r.api.post('kf/sync_msg', {})).errcode).toBe(45009);
    r.clock.advance(59_000);
    expect((await r.api.post('kf/sync_msg', {})).errcode).toBe(45009);
    r.clock.advance(2_000);
    expect((await r.api.post('kf/sync_msg', {})).errcode).toBe(0);
  });

  it('answers 45033 to a sync_msg beyond maxConcurrentSyncMsg (off by default)', async () => {
    r.emu.setSwitches({ maxConcurrentSyncMsg: 1 });
    const { syncToken } = await r.emu.customer(r.corp.corpId, r.kf).sendText('hi');
    r.emu.faults.inject({ path: 'kf/sync_msg', fault: { kind: 'delay', ms: 200 } });
    const slow = r.api.post('kf/sync_msg', { token: syncToken });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await r.api.post('kf/sync_msg', { token: syncToken })).errcode).toBe(45033);
    expect((await slow).errcode).toBe(0);
    expect((await r.api.post('kf/sync_msg', { token: syncToken })).errcode).toBe(0);
  });
});
