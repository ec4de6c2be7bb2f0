/**
 * WeCom's trusted-IP rule (60020): the refusal says which IP WeCom saw and where to whitelist it,
 * and WECOM_HTTP_PROXY sends every call through a proxy whose IP is the whitelisted one.
 */
import { ManualClock } from '../../src/common';
import { type CorpCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { WeComApiError, WeComClient } from '../../src/wecom';
import { connectProxy, type ConnectProxy } from '../support/connectProxy';

/** Another loopback address: the proxy's fixed egress IP, the only one the app trusts. */
const PROXY_EGRESS_IP = '127.0.0.2';

describe('trusted IPs (60020) and the egress proxy', () => {
  let emu: WeComEmulator;
  let corp: CorpCredentials;
  let kf: string;
  let proxy: ConnectProxy;
  const clients: WeComClient[] = [];

  beforeEach(async () => {
    emu = new WeComEmulator({ clock: new ManualClock(Date.UTC(2026, 0, 1)), switches: { trustedIps: [PROXY_EGRESS_IP] } });
    await emu.start();
    corp = emu.addCorp();
    kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
    proxy = await connectProxy({ localAddress: PROXY_EGRESS_IP });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await proxy.close();
    await emu.stop();
  });

  function client(proxyUrl?: string): WeComClient {
    const c = new WeComClient({ corpId: corp.corpId, secret: corp.secret, baseUrl: emu.baseUrl, proxyUrl, timeoutMs: 3000, backoffBaseMs: 1 });
    clients.push(c);
    return c;
  }

  it('a direct call is refused with 60020, and the error names the IP WeCom saw, the console place and WECOM_HTTP_PROXY', async () => {
    const refusal = client().listAccounts();
    await expect(refusal).rejects.toBeInstanceOf(WeComApiError);
    await expect(refusal).rejects.toMatchObject({ errcode: 60020, action: 'fix', final: false });
    const message = ((await refusal.catch((e: unknown) => e)) as Error).message;
    expect(message).toContain('from IP 127.0.0.1');
    expect(message).toContain('add 127.0.0.1');
    expect(message).toContain('Trusted IP (企业可信IP)');
    expect(message).toContain('WECOM_HTTP_PROXY');
    expect(proxy.tunnels).toEqual([]);
  });

  it('with a proxy, every call goes through it and WeCom sees the proxy\'s IP', async () => {
    const accounts = await client(proxy.url).listAccounts();
    expect(accounts.map((a) => a.open_kfid)).toContain(kf);
    const target = new URL(emu.baseUrl).host;
    // gettoken and kf/account/list, over one or more CONNECT tunnels to the API host.
    expect(proxy.tunnels.length).toBeGreaterThanOrEqual(1);
    expect(new Set(proxy.tunnels)).toEqual(new Set([target]));
    expect(emu.calls.map((c) => [c.path, c.errcode])).toEqual([['gettoken', 0], ['kf/account/list', 0]]);
  });
});

describe('an unreachable egress proxy', () => {
  it('is named in the error (host only, never its credentials)', async () => {
    // A port nothing listens on: take a free one and close it.
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const client = new WeComClient({ corpId: 'ww1', secret: 's', baseUrl: 'http://127.0.0.1:9/cgi-bin/', proxyUrl: `http://user:pw@127.0.0.1:${port}`, retries: 0, timeoutMs: 3000 });
    try {
      const failure = (await client.listAccounts().catch((e: unknown) => e)) as Error;
      expect(failure).toMatchObject({ code: 'wecom_http_error' });
      expect(failure.message).toContain(`through the proxy 127.0.0.1:${port} (WECOM_HTTP_PROXY)`);
      expect(failure.message).not.toContain('pw');
    } finally {
      await client.close();
    }
  });
});
