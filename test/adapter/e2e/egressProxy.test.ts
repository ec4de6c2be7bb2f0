/**
 * A self-built app with trusted IPs: the adapter answers customers only when its WeCom calls leave
 * through the egress proxy (`httpProxy` / WECOM_HTTP_PROXY), and says which IP to whitelist when not.
 */
import { resolveAdapterOptions } from '../../../src/adapter/adapterOptions';
import { createLogger } from '../../../src/common';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { connectProxy, type ConnectProxy } from '../../support/connectProxy';
import { settle } from '../../support/e2e';

const PROXY_EGRESS_IP = '127.0.0.2';

describe('egress proxy for trusted IPs', () => {
  let rig: AdapterRig;
  let proxy: ConnectProxy;
  beforeEach(async () => (proxy = await connectProxy({ localAddress: PROXY_EGRESS_IP })));
  afterEach(async () => {
    await rig?.close();
    await proxy.close();
  });

  it('answers the customer through the proxy, which WeCom trusts', async () => {
    rig = await adapterRig({ switches: { trustedIps: [PROXY_EGRESS_IP] }, adapter: { httpProxy: proxy.url } });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('hello'));
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: hello']);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(rig.emu.calls.filter((c) => c.errcode === 60020)).toEqual([]);
  });

  it('without the proxy, WeCom refuses every call with 60020 naming the IP it saw, and the customer waits', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    rig = await adapterRig({ switches: { trustedIps: [PROXY_EGRESS_IP] }, adapter: { logger, pullRetryBaseMs: 60_000 } });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('hello')).delivery;
    await rig.adapter.idle();
    expect(receivedTexts(rig, customer.externalUserId)).toEqual([]);
    expect(rig.emu.calls.some((c) => c.errcode === 60020)).toBe(true);
    expect(lines.join('')).toContain('from IP 127.0.0.1');
  });

  it('reads WECOM_HTTP_PROXY when no httpProxy option is given; an empty one means direct', () => {
    const creds = { corpId: 'ww1', secret: 's', token: 't', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
    expect(resolveAdapterOptions(creds, { WECOM_HTTP_PROXY: 'http://proxy.internal:3128' }).httpProxy).toBe('http://proxy.internal:3128');
    expect(resolveAdapterOptions({ ...creds, httpProxy: '' }, { WECOM_HTTP_PROXY: 'http://proxy.internal:3128' }).httpProxy).toBeUndefined();
    expect(resolveAdapterOptions(creds, {}).httpProxy).toBeUndefined();
  });
});

