import { request } from 'undici';
import { agent, rig, type Rig } from './helpers';

describe('emulator: faults and robustness', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
    await r.api.accessToken();
  });
  afterEach(() => r.emu.stop());

  const list = async () => {
    const res = await request(`${r.emu.baseUrl}kf/account/list?access_token=${await r.api.accessToken()}`, {
      method: 'POST',
      body: '{}',
      dispatcher: agent,
      headersTimeout: 300,
    });
    return { status: res.statusCode, text: await res.body.text() };
  };

  it('http_500 answers 500 once, then the call works', async () => {
    r.emu.faults.inject({ path: 'kf/account/list', fault: { kind: 'http_500' } });
    expect((await list()).status).toBe(500);
    expect(JSON.parse((await list()).text)).toMatchObject({ errcode: 0 });
    expect(r.emu.calls.slice(-2).map((c) => [c.fault, c.httpStatus])).toEqual([['http_500', 500], [undefined, 200]]);
  });

  it('errcode answers the given code without side effects, `times` times, only on its path', async () => {
    r.emu.faults.inject({ path: 'kf/account/add', times: 2, fault: { kind: 'errcode', errcode: 45009 } });
    r.emu.faults.inject({ path: 'kf/account/list', times: 2, fault: { kind: 'errcode', errcode: -1 } });
    expect(JSON.parse((await list()).text).errcode).toBe(-1);
    expect(JSON.parse((await list()).text).errcode).toBe(-1);
    expect(JSON.parse((await list()).text).errcode).toBe(0);
    expect(r.emu.faults.pending).toBe(1);
  });

  it('delay answers normally after the delay', async () => {
    r.emu.faults.inject({ fault: { kind: 'delay', ms: 150 } });
    const t0 = Date.now();
    expect(JSON.parse((await list()).text).errcode).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('timeout never answers (the client times out); stop() still closes the socket', async () => {
    r.emu.faults.inject({ fault: { kind: 'timeout' } });
    await expect(list()).rejects.toMatchObject({ name: 'HeadersTimeoutError' });
    expect(r.emu.calls.at(-1)).toMatchObject({ fault: 'timeout', httpStatus: null });
  });

  it('reset destroys the socket', async () => {
    r.emu.faults.inject({ fault: { kind: 'reset' } });
    await expect(list()).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(JSON.parse((await list()).text).errcode).toBe(0);
  });

  it('answers malformed JSON and a wrong verb with 40058, an unknown path with 404', async () => {
    expect((await r.api.post('kf/send_msg', '{"touser": ')).errcode).toBe(40058);
    expect((await r.api.post('kf/send_msg', '[1,2]')).errcode).toBe(40058);
    expect((await r.api.get('kf/send_msg')).errcode).toBe(40058);
    const put = await request(`${r.emu.baseUrl}kf/account/list?access_token=${await r.api.accessToken()}`, { method: 'PUT', body: '{}', dispatcher: agent });
    expect(((await put.body.json()) as { errcode: number }).errcode).toBe(40058);
    const res = await request(`${r.emu.baseUrl}kf/nope?access_token=x`, { dispatcher: agent });
    expect(res.statusCode).toBe(404);
    await res.body.dump();
    // and the server is still fine:
    expect((await r.api.post('kf/account/list', {})).errcode).toBe(0);
  });

  it('survives a client that disconnects mid-body', async () => {
    const { connect } = await import('node:net');
    const url = new URL(r.emu.baseUrl);
    await new Promise<void>((resolve) => {
      const s = connect(Number(url.port), url.hostname, () => {
        s.write('POST /cgi-bin/kf/send_msg HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"touser":');
        s.destroy();
        resolve();
      });
    });
    expect((await r.api.post('kf/account/list', {})).errcode).toBe(0);
  });
});
