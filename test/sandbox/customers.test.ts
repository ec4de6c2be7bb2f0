import { rig, type Rig } from './helpers';

describe('emulator: kf/customer/batchget', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(() => r.emu.stop());

  it('describes customers active in the last 48 h with their nicknames, and lists every other id as invalid', async () => {
    const named = r.emu.customer(r.corp.corpId, r.kf, undefined, { nickname: '小明', gender: 1 });
    const anonymous = r.emu.customer(r.corp.corpId, r.kf, undefined, { nickname: '' });
    const generated = r.emu.customer(r.corp.corpId, r.kf);
    const silent = r.emu.customer(r.corp.corpId, r.kf, undefined, { nickname: '不说话' });
    await named.sendText('hi');
    await anonymous.enterSession({ scene: 'web' });
    await generated.sendText('hello');

    const answer = await r.api.post('kf/customer/batchget', {
      external_userid_list: [named.externalUserId, anonymous.externalUserId, generated.externalUserId, silent.externalUserId, 'wmUnknown'],
    });
    expect(answer.errcode).toBe(0);
    const list = answer.customer_list as { external_userid: string; nickname: string; gender: number }[];
    expect(list.map((c) => c.external_userid)).toEqual([named.externalUserId, anonymous.externalUserId, generated.externalUserId]);
    expect(list[0]).toMatchObject({ nickname: '小明', gender: 1 });
    expect(list[1]!.nickname).toBe('');
    expect(list[2]!.nickname).not.toBe('');
    expect(answer.invalid_external_userid).toEqual([silent.externalUserId, 'wmUnknown']);
  });

  it('forgets customers after 48 h without a message, and gives the enter_session context on request', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf, undefined, { nickname: 'Lily' });
    await c.enterSession({ scene: 'spring_sale', sceneParam: 'a=1' });
    const withContext = await r.api.post('kf/customer/batchget', { external_userid_list: [c.externalUserId], need_enter_session_context: 1 });
    expect(withContext.customer_list).toEqual([expect.objectContaining({ nickname: 'Lily', enter_session_context: { scene: 'spring_sale', scene_param: 'a=1' } })]);

    r.clock.advance(48 * 3600_000);
    r.api.forgetToken();
    const later = await r.api.post('kf/customer/batchget', { external_userid_list: [c.externalUserId] });
    expect(later).toMatchObject({ errcode: 0, customer_list: [], invalid_external_userid: [c.externalUserId] });
  });

  it('refuses an empty list, more than 100 ids and non-string ids with 40058', async () => {
    expect((await r.api.post('kf/customer/batchget', { external_userid_list: [] })).errcode).toBe(40058);
    expect((await r.api.post('kf/customer/batchget', { external_userid_list: Array.from({ length: 101 }, (_, i) => `wm${i}`) })).errcode).toBe(40058);
    expect((await r.api.post('kf/customer/batchget', { external_userid_list: [1] })).errcode).toBe(40058);
    expect((await r.api.post('kf/customer/batchget', {})).errcode).toBe(40058);
  });
});
