import { rig, type Rig } from './helpers';

describe('emulator: accounts and servicers', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(() => r.emu.stop());

  it('adds, lists, renames and deletes accounts; refuses a 17-character name with 95006', async () => {
    const avatar = r.emu.putMedia(r.corp.corpId, { type: 'image', bytes: Buffer.alloc(10), filename: 'a.png' });
    const added = await r.api.post('kf/account/add', { name: 'Sales', media_id: avatar });
    expect(added).toMatchObject({ errcode: 0, open_kfid: expect.stringMatching(/^wk/) });
    expect((await r.api.post('kf/account/add', { name: 'x'.repeat(17), media_id: avatar })).errcode).toBe(95006);
    expect((await r.api.post('kf/account/add', { name: '客服'.repeat(8), media_id: avatar })).errcode).toBe(0); // 16 characters
    expect((await r.api.post('kf/account/add', { name: 'NoAvatar', media_id: 'nope' })).errcode).toBe(40007);
    expect((await r.api.post('kf/account/update', { open_kfid: added.open_kfid, name: 'Sales 2' })).errcode).toBe(0);
    const listed = await r.api.post('kf/account/list', { offset: 0, limit: 100 });
    expect((listed.account_list as { name: string }[]).map((a) => a.name)).toEqual(['Support', 'Sales 2', '客服'.repeat(8)]);
    expect((await r.api.post('kf/account/del', { open_kfid: added.open_kfid })).errcode).toBe(0);
    expect((await r.api.post('kf/account/del', { open_kfid: added.open_kfid })).errcode).toBe(95004);
  });

  it('makes a contact link with the scene, and manages servicers (60111 for a non-member)', async () => {
    const way = await r.api.post('kf/add_contact_way', { open_kfid: r.kf, scene: 'spring_sale' });
    expect(way.url).toMatch(/^https:\/\/work\.weixin\.qq\.com\/kfid\/kfc[0-9a-f]+\?enc_scene=ENC/);
    expect((await r.api.post('kf/add_contact_way', { open_kfid: r.kf, scene: 'bad scene!' })).errcode).toBe(40058);

    r.emu.addServicer(r.corp.corpId, { userid: 'alice', openKfids: [] });
    const added = await r.api.post('kf/servicer/add', { open_kfid: r.kf, userid_list: ['alice', 'ghost'] });
    expect(added.result_list).toEqual([
      { userid: 'alice', errcode: 0, errmsg: 'success' },
      { userid: 'ghost', errcode: 60111, errmsg: 'userid not found' },
    ]);
    expect((await r.api.get('kf/servicer/list', { open_kfid: r.kf })).servicer_list).toEqual([{ userid: 'alice', status: 0 }]);
    await r.api.post('kf/servicer/del', { open_kfid: r.kf, userid_list: ['alice'] });
    expect((await r.api.get('kf/servicer/list', { open_kfid: r.kf })).servicer_list).toEqual([]);
  });
});

