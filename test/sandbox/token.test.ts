import { request } from 'undici';
import { agent, type Answer, rig, type Rig } from './helpers';

describe('emulator: access tokens', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(() => r.emu.stop());

  const gettoken = async (corpid: string, corpsecret: string): Promise<Answer> => {
    const res = await request(`${r.emu.baseUrl}gettoken?corpid=${corpid}&corpsecret=${encodeURIComponent(corpsecret)}`, { dispatcher: agent });
    return (await res.body.json()) as Answer;
  };

  it('issues a token of at least 32 characters that lives 7200 s on the emulator clock', async () => {
    const t = await gettoken(r.corp.corpId, r.corp.secret);
    expect(t).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    expect(String(t.access_token).length).toBeGreaterThanOrEqual(32);

    const ok = await r.api.post('kf/account/list', {});
    expect(ok.errcode).toBe(0);
    r.clock.advance(7201_000);
    expect((await r.api.post('kf/account/list', {})).errcode).toBe(42001);
  });

  it('refuses a wrong secret (40001), an unknown corp (40013), a missing (41001) or garbage token (40014)', async () => {
    expect((await gettoken(r.corp.corpId, 'nope')).errcode).toBe(40001);
    expect((await gettoken('ww0000', r.corp.secret)).errcode).toBe(40013);
    const noToken = await request(`${r.emu.baseUrl}kf/account/list`, { method: 'POST', body: '{}', dispatcher: agent });
    expect(((await noToken.body.json()) as Answer).errcode).toBe(41001);
    const garbage = await request(`${r.emu.baseUrl}kf/account/list?access_token=garbage`, { method: 'POST', body: '{}', dispatcher: agent });
    expect(((await garbage.body.json()) as Answer).errcode).toBe(40014);
  });

  it('returns the same token while valid by default, a new one with gettokenWhileValid "new"', async () => {
    const a = await gettoken(r.corp.corpId, r.corp.secret);
    r.clock.advance(60_000);
    const b = await gettoken(r.corp.corpId, r.corp.secret);
    expect(b.access_token).toBe(a.access_token);
    expect(b.expires_in).toBe(7140);

    r.emu.setSwitches({ gettokenWhileValid: 'new' });
    const c = await gettoken(r.corp.corpId, r.corp.secret);
    expect(c.access_token).not.toBe(a.access_token);
    expect(c.expires_in).toBe(7200);
  });

  it('expireTokens forces 42001 on the next call', async () => {
    expect((await r.api.post('kf/account/list', {})).errcode).toBe(0);
    r.emu.expireTokens(r.corp.corpId);
    expect((await r.api.post('kf/account/list', {})).errcode).toBe(42001);
  });

  it('keeps access tokens and secrets out of the call log', async () => {
    await r.api.post('kf/account/list', {});
    const logged = JSON.stringify(r.emu.calls);
    expect(logged).not.toContain(await r.api.accessToken());
    expect(logged).not.toContain(r.corp.secret);
    expect(r.emu.calls.map((c) => [c.method, c.path, c.errcode, c.httpStatus])).toEqual([
      ['GET', 'gettoken', 0, 200],
      ['POST', 'kf/account/list', 0, 200],
    ]);
  });
});
