import type { Server } from 'restify';
import { request } from 'undici';
import { silentLogger } from '../../src/common';
import { ReferenceBot } from '../../src/bot/referenceBot';
import { createAppServer } from '../../src/bot/server';
import { appRig, type AppRig } from './appRig';

/** A scrape: the Prometheus text, and one sample's value by name and labels (undefined when absent). */
interface Scrape {
  status: number;
  contentType: string;
  text: string;
  value(name: string, labels?: Record<string, string>): number | undefined;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await request(`${url}/metrics`, { headers });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    contentType: String(res.headers['content-type']),
    text,
    value(name, labels = {}) {
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
        if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length) return Number(m[3]);
      }
      return undefined;
    },
  };
}

describe('GET /metrics', () => {
  let rig: AppRig;
  afterEach(async () => rig?.close());

  it('counts a customer message from callback to reply, and shows the licence and inbox of the corp', async () => {
    rig = await appRig();
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('hello')).delivery;
    await rig.adapter.idle();
    expect(rig.emu.received(rig.corp.corpId, customer.externalUserId)).toHaveLength(1);

    const m = await scrape(rig.url);
    expect(m.status).toBe(200);
    expect(m.contentType).toContain('text/plain');
    expect(m.value('wecom_kf_callbacks_total', { result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(m.value('wecom_kf_callbacks_total', { result: 'rejected' })).toBe(0);
    expect(m.value('wecom_kf_pulls_total', { result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(m.value('wecom_kf_sends_total', { result: 'ok', errcode: '0' })).toBe(1);
    expect(m.value('wecom_kf_turn_duration_seconds_count', { result: 'ok' })).toBe(1);
    expect(m.value('wecom_kf_turn_duration_seconds_sum', { result: 'ok' })).toBeGreaterThan(0);
    expect(m.value('wecom_kf_licence_status', { corp: rig.corp.corpId, status: 'trial' })).toBe(1);
    expect(m.value('wecom_kf_licence_status', { corp: rig.corp.corpId, status: 'expired' })).toBe(0);
    expect(m.value('wecom_kf_inbox_messages', { status: 'pending' })).toBe(0);
    expect(m.value('wecom_kf_held_messages')).toBe(0);
    // Node's own process metrics come along. prom-client counts CPU from the first scrape on (it starts
    // the collectors then), so a first scrape may read 0 s: check the series is there, not its value.
    expect(m.value('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(m.text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(m.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('counts a callback with a bad signature as rejected', async () => {
    rig = await appRig();
    const res = await request(`${rig.url}/api/wecom/callback?msg_signature=bad&timestamp=${Math.floor(rig.clock.now() / 1000)}&nonce=n`, {
      method: 'POST', body: '<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>', headers: { 'content-type': 'text/xml' },
    });
    await res.body.text();
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    const m = await scrape(rig.url);
    expect(m.value('wecom_kf_callbacks_total', { result: 'rejected' })).toBe(1);
    expect(m.value('wecom_kf_callbacks_total', { result: 'ok' })).toBe(0);
  });

  it('counts a send WeCom refused by its errcode, and the turn as refused', async () => {
    rig = await appRig();
    rig.emu.faults.inject({ path: 'kf/send_msg', fault: { kind: 'errcode', errcode: 95001 } });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('hello')).delivery;
    await rig.adapter.idle();
    expect(rig.emu.received(rig.corp.corpId, customer.externalUserId)).toHaveLength(0);

    const m = await scrape(rig.url);
    expect(m.value('wecom_kf_sends_total', { result: 'error', errcode: '95001' })).toBe(1);
    expect(m.value('wecom_kf_sends_total', { result: 'ok', errcode: '0' })).toBe(0);
    expect(m.value('wecom_kf_turn_duration_seconds_count', { result: 'refused' })).toBe(1);
    expect(m.value('wecom_kf_inbox_messages', { status: 'refused' })).toBe(1);
  });

  it('shows held messages and the expired trial once the licence lapses', async () => {
    rig = await appRig();
    expect((await rig.call('POST', '/admin/v1/test-clock/advance', { hours: 91 * 24 })).status).toBe(200);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    for (const text of ['one', 'two']) await (await customer.sendText(text)).delivery;
    await rig.adapter.idle();

    const m = await scrape(rig.url);
    expect(m.value('wecom_kf_held_messages')).toBe(2);
    expect(m.value('wecom_kf_inbox_messages', { status: 'held' })).toBe(2);
    expect(m.value('wecom_kf_licence_status', { corp: rig.corp.corpId, status: 'trial_expired' })).toBe(1);
    expect(m.value('wecom_kf_licence_status', { corp: rig.corp.corpId, status: 'trial' })).toBe(0);

    expect((await rig.call('POST', `/admin/v1/corps/${rig.corp.corpId}/credits`, { credits: 4 })).status).toBe(201);
    await rig.adapter.idle();
    const after = await scrape(rig.url);
    expect(after.value('wecom_kf_held_messages')).toBe(0);
    expect(after.value('wecom_kf_licence_status', { corp: rig.corp.corpId, status: 'active' })).toBe(1);
    expect(after.value('wecom_kf_sends_total', { result: 'ok', errcode: '0' })).toBe(2);
  });

  it('asks for METRICS_TOKEN when one is set', async () => {
    rig = await appRig();
    const server: Server = createAppServer({ adapter: rig.adapter, bot: new ReferenceBot(), logger: silentLogger, mode: 'self-built', admin: {}, metricsToken: 'metrics-token-0123' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      expect((await scrape(url)).status).toBe(401);
      expect((await scrape(url, { authorization: 'Bearer wrong-token' })).status).toBe(401);
      const m = await scrape(url, { authorization: 'Bearer metrics-token-0123' });
      expect(m.status).toBe(200);
      expect(m.value('wecom_kf_held_messages')).toBe(0);
    } finally {
      server.close();
    }
  });
});
