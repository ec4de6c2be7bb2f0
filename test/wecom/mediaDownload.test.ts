/** media/get with a size cap: refused from Content-Length or cut off while streaming, never read whole. */
import { ManualClock } from '../../src/common';
import { type CorpCredentials, WeComEmulator } from '../../src/sandbox/emulator';
import { callerIpIn, describeRefusal, MediaTooLargeError, WeComClient } from '../../src/wecom';
import { makePng } from '../sandbox/helpers';

const MB = 1024 * 1024;

describe('WeComClient.getMedia with maxBytes', () => {
  let emu: WeComEmulator;
  let corp: CorpCredentials;
  let client: WeComClient;

  beforeEach(async () => {
    emu = new WeComEmulator({ clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    await emu.start();
    corp = emu.addCorp();
    client = new WeComClient({ corpId: corp.corpId, secret: corp.secret, baseUrl: emu.baseUrl, timeoutMs: 10_000, backoffBaseMs: 1 });
  });
  afterEach(async () => {
    await client.close();
    await emu.stop();
  });

  const put = (padTo: number, chunked = false): string => emu.putMedia(corp.corpId, { type: 'file', bytes: makePng(2, 2), filename: 'f.png', contentType: 'image/png', padTo, chunked });

  it('refuses a declared 150 MB file before reading its body, for good and without a retry', async () => {
    const id = put(150 * MB);
    const refusal = client.getMedia(id, { maxBytes: 2 * MB });
    await expect(refusal).rejects.toBeInstanceOf(MediaTooLargeError);
    await expect(refusal).rejects.toMatchObject({ code: 'media_too_large', size: 150 * MB, limit: 2 * MB, declared: true, final: true });
    expect(emu.calls.filter((c) => c.path === 'media/get')).toHaveLength(1);
    expect(emu.media(corp.corpId, id)!.servedBytes).toBeLessThan(10 * MB);
  });

  it('cuts off a file of unknown size as it passes the cap', async () => {
    const id = put(150 * MB, true);
    await expect(client.getMedia(id, { maxBytes: 2 * MB })).rejects.toMatchObject({ code: 'media_too_large', limit: 2 * MB, declared: false });
    expect(emu.media(corp.corpId, id)!.servedBytes).toBeLessThan(10 * MB);
  });

  it('reads a file of exactly the cap, with or without a Content-Length', async () => {
    for (const chunked of [false, true]) {
      const file = await client.getMedia(put(2 * MB, chunked), { maxBytes: 2 * MB });
      expect(file.bytes.length).toBe(2 * MB);
      expect(file.bytes.subarray(0, 8).equals(makePng(2, 2).subarray(0, 8))).toBe(true);
    }
  });
});

describe('the caller IP in a 60020 errmsg', () => {
  it('is read from WeCom\'s errmsg, IPv4 or IPv6, and absent when not named', () => {
    expect(callerIpIn('not allow to access from your ip, hint: [1699], from ip: 1.2.3.4, more info at https://x?e=60020')).toBe('1.2.3.4');
    expect(callerIpIn('not allow to access from your ip, from ip: 2001:db8::1, more info at y')).toBe('2001:db8::1');
    expect(callerIpIn('not allow to access from your ip')).toBeUndefined();
    expect(describeRefusal(60020, 'not allow to access from your ip').hint).toContain('this server\'s egress IP is not in the app\'s trusted IPs');
    expect(describeRefusal(95001, 'from ip: 1.2.3.4').hint).not.toContain('1.2.3.4');
  });
});
