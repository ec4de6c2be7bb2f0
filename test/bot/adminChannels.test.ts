/** The admin API's corps, channels, agents and links routes, through the app server and the emulator. */
import { request } from 'undici';
import { openApiPath } from '../../src/bot/admin/openapi';
import { appRig, type AppRig } from './appRig';

interface OpenApiDoc { paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { name: string; in: string }[] }>> }

describe('admin API: corps, channels, agents, links', () => {
  let rig: AppRig;
  beforeAll(async () => {
    rig = await appRig();
    rig.emu.addServicer(rig.corp.corpId, { userid: 'alice', openKfids: [] });
    rig.emu.addServicer(rig.corp.corpId, { userid: 'bob', openKfids: [] });
  });
  afterAll(async () => rig.close());

  const corpPath = (): string => `/admin/v1/corps/${rig.corp.corpId}`;
  const raw = async (path: string): Promise<{ status: number; type: string; bytes: Buffer }> => {
    const res = await request(`${rig.url}${path}`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    return { status: res.statusCode, type: String(res.headers['content-type']), bytes: Buffer.from(await res.body.arrayBuffer()) };
  };

  it('lists the corp as authorised, creates a channel with agents, and the licence counts them with the next year\'s cost', async () => {
    expect((await rig.call('GET', '/admin/v1/corps')).json).toEqual({ corps: [{ corpId: rig.corp.corpId, authorised: true }] });
    const created = await rig.call('POST', `${corpPath()}/channels`, { name: 'Sales', department: 'sales', openKfId: rig.kf, agents: ['alice', 'ghost'] });
    expect(created).toMatchObject({ status: 201, json: { channel: { name: 'Sales', department: 'sales', openKfId: rig.kf, agents: ['alice'] }, agents: [{ userId: 'alice', ok: true }, { userId: 'ghost', ok: false, errcode: 60111 }] } });
    const id = (created.json.channel as { id: string }).id;
    expect((await rig.call('GET', `${corpPath()}/licence`)).json).toMatchObject({ agentCount: 1, yearCost: 4 });

    expect((await rig.call('POST', `${corpPath()}/channels/${id}/agents`, { userIds: ['bob'] })).json).toMatchObject({ channel: { agents: ['alice', 'bob'] } });
    expect((await rig.call('GET', `${corpPath()}/licence`)).json).toMatchObject({ agentCount: 2, yearCost: 8 });
    expect((await rig.call('GET', `${corpPath()}/channels/${id}/agents`)).json).toEqual({ agents: [
      { userId: 'alice', assigned: true, receiving: true }, { userId: 'bob', assigned: true, receiving: true },
    ] });
    expect((await rig.call('GET', corpPath())).json).toMatchObject({ corpId: rig.corp.corpId, authorised: true, agentCount: 2, channels: 1, licence: { status: 'trial', valid: true } });
    expect((await rig.call('DELETE', `${corpPath()}/channels/${id}/agents/bob`)).json).toMatchObject({ channel: { agents: ['alice'] }, agents: [{ userId: 'bob', ok: true }] });
    expect((await rig.call('GET', `${corpPath()}/licence`)).json).toMatchObject({ agentCount: 1 });

    expect((await rig.call('PATCH', `${corpPath()}/channels/${id}`, { department: 'pre-sales' })).json).toMatchObject({ id, name: 'Sales', department: 'pre-sales' });
    expect((await rig.call('GET', `${corpPath()}/channels`)).json).toMatchObject({ channels: [{ id, department: 'pre-sales' }] });
    expect((await rig.call('GET', `${corpPath()}/kf-accounts`)).json).toMatchObject({ accounts: [{ openKfId: rig.kf, managed: true, channelId: id }] });

    const link = (await rig.call('GET', `${corpPath()}/channels/${id}/link`)).json.url as string;
    expect(link).toMatch(/^https:\/\/work\.weixin\.qq\.com\/kfid\//);
    const png = await raw(`${corpPath()}/channels/${id}/qr.png`);
    expect([png.status, png.type, png.bytes.subarray(1, 4).toString()]).toEqual([200, 'image/png', 'PNG']);
    const svg = await raw(`${corpPath()}/channels/${id}/qr.svg`);
    expect([svg.status, svg.type]).toEqual([200, 'image/svg+xml; charset=utf-8']);
    expect(svg.bytes.toString()).toContain('<svg');
    const button = await raw(`${corpPath()}/channels/${id}/button.html?label=${encodeURIComponent('Talk <to> us')}`);
    expect(button.type).toBe('text/html; charset=utf-8');
    expect(button.bytes.toString()).toContain('>Talk &lt;to&gt; us</a>');

    expect((await rig.call('DELETE', `${corpPath()}/channels/${id}`)).status).toBe(204);
    expect(await rig.call('GET', `${corpPath()}/channels/${id}`)).toMatchObject({ status: 404, json: { error: { code: 'channel_not_found', hint: expect.any(String) } } });
    expect((await rig.call('GET', `${corpPath()}/licence`)).json).toMatchObject({ agentCount: 0 });
  });

  it('creates a customer service account in WeCom and a channel on it', async () => {
    const account = await rig.call('POST', `${corpPath()}/kf-accounts`, { name: 'Returns' });
    expect(account).toMatchObject({ status: 201, json: { openKfId: expect.stringMatching(/^wk/) } });
    const created = await rig.call('POST', `${corpPath()}/channels`, { name: 'Returns', department: 'returns', openKfId: account.json.openKfId });
    expect(created.status).toBe(201);
  });

  it('names the WeCom admin step when a prerequisite is missing', async () => {
    expect(await rig.call('POST', `${corpPath()}/channels`, { name: 'x', department: 'd', openKfId: 'wkNotAuthorised' }))
      .toMatchObject({ status: 409, json: { error: { code: 'csa_not_authorised', message: expect.stringContaining('wkNotAuthorised'), hint: expect.stringContaining('微信客服') } } });
    expect(await rig.call('POST', '/admin/v1/corps/wwSomeoneElse/channels', { name: 'x', department: 'd', openKfId: rig.kf }))
      .toMatchObject({ status: 409, json: { error: { code: 'organisation_not_active', hint: expect.stringContaining('WeCom admin console') } } });
    rig.emu.faults.inject({ path: 'kf/account/list', fault: { kind: 'errcode', errcode: 48002 } });
    expect(await rig.call('GET', `${corpPath()}/kf-accounts`)).toMatchObject({ status: 409, json: { error: { code: 'app_not_authorised' } } });
  });

  describe('every route', () => {
    let doc: OpenApiDoc;
    const routes: [string, string][] = [];
    beforeAll(async () => {
      doc = (await rig.call('GET', '/admin/v1/openapi.json')).json as unknown as OpenApiDoc;
      for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) routes.push([method.toUpperCase(), path]);
    });
    const fill = (path: string, bad = false): string => path
      .replace('{corpId}', bad ? encodeURIComponent('not a corp!') : rig.corp.corpId)
      .replace('{channelId}', bad ? 'x'.repeat(40) : 'chMissing')
      .replace('{userId}', bad ? encodeURIComponent('no such') : 'alice')
      .replace('{conversationId}', bad ? 'only-one-part' : 'ww1:wk1:wm1');

    it('is documented and served: the OpenAPI document lists exactly the registered /admin/v1 routes', () => {
      const served = Object.values(rig.server.router.getDebugInfo() as Record<string, { method: string; path: string }>)
        .filter((r) => r.path.startsWith('/admin/v1/'))
        .map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`).sort();
      expect(routes.map(([m, p]) => `${m} ${p}`).sort()).toEqual(served);
      expect(served.length).toBeGreaterThanOrEqual(20);
    });

    it('documents every path parameter, body and error of each operation', () => {
      for (const [method, path] of routes) {
        const op = doc.paths[path]![method.toLowerCase()] as { parameters?: { name: string; in: string }[]; responses: Record<string, unknown>; summary: string };
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect({ route: `${method} ${path}`, params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort() }).toEqual({ route: `${method} ${path}`, params: inPath });
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401']));
        expect(op.summary.length).toBeGreaterThan(5);
      }
      expect(doc).toMatchObject({ openapi: expect.stringMatching(/^3\./), components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } });
    });

    it('refuses a caller without the bearer token, or with a wrong one', async () => {
      for (const [method, path] of routes) {
        for (const authorization of ['', 'Bearer wrong-token-wrong-token', 'Basic dGVzdA==']) {
          const res = await rig.call(method, fill(path), method === 'GET' || method === 'DELETE' ? undefined : {}, { authorization });
          expect({ route: `${method} ${path}`, status: res.status, error: res.json.error }).toEqual({
            route: `${method} ${path}`, status: 401, error: { code: 'unauthorized', message: expect.any(String), hint: expect.stringContaining('ADMIN_TOKEN') },
          });
        }
      }
    });

    it('rejects a bad path parameter and a bad body with a clear error', async () => {
      for (const [method, path] of routes) {
        const op = doc.paths[path]![method.toLowerCase()]!;
        if (path.includes('{')) {
          const res = await rig.call(method, fill(path, true), op.requestBody ? {} : undefined);
          expect({ route: `${method} ${path}`, status: res.status, error: res.json.error }).toEqual({
            route: `${method} ${path}`, status: 400, error: { code: 'invalid_parameter', message: expect.any(String), hint: expect.any(String) },
          });
        }
        if (op.requestBody) {
          for (const body of [{ unexpected: true }, 'not json', [1, 2]]) {
            const res = await rig.call(method, fill(path), body);
            expect({ route: `${method} ${path}`, status: res.status, error: res.json.error }).toEqual({
              route: `${method} ${path}`, status: 400, error: { code: expect.stringMatching(/^invalid_(body|json)$/), message: expect.any(String), hint: expect.any(String) },
            });
          }
        }
      }
    });

    it('explains which field is wrong', async () => {
      const res = await rig.call('POST', `${corpPath()}/channels`, { name: '', department: 'd', agents: ['a b'] });
      expect(res).toMatchObject({ status: 400, json: { error: { code: 'invalid_body', message: expect.stringMatching(/name is required.*userId must be a WeCom user id|userId must be a WeCom user id.*name is required/) } } });
      const query = await rig.call('GET', `${corpPath()}/channels/chX/button.html?label=${'x'.repeat(50)}`);
      expect(query).toMatchObject({ status: 400, json: { error: { code: 'invalid_query', message: expect.stringContaining('label is at most 40') } } });
    });
  });
});
