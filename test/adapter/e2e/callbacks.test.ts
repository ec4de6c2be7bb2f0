/**
 * The callback endpoint as WeCom and strangers hit it: retried deliveries, the URL check, and
 * requests that must be refused with a 4xx while the process carries on.
 */
import { encrypt, getSignature } from '@wecom/crypto';
import { request } from 'undici';
import type { CallbackHttpResponse } from '../../../src/adapter';
import { adapterRig, type AdapterRig, receivedTexts, T0 } from '../../support/adapterRig';
import { settle } from '../../support/e2e';

describe('callbacks', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it('a wake-up delivered 3 times (the first two answered too late) gives exactly one reply', async () => {
    rig = await adapterRig();
    rig.emu.setSwitches({ callbackTimeoutMs: 150, callbackRetryDelayMs: 10 });
    // A server that hands every delivery to the adapter at once but is slow to answer the first two,
    // as one that pulls inside the callback would be: WeCom gives up and delivers again.
    let deliveries = 0;
    rig.server.removeAllListeners('request');
    rig.server.on('request', (req, res) => {
      const n = ++deliveries;
      const slow: CallbackHttpResponse = {
        get statusCode() { return res.statusCode; },
        set statusCode(s: number) { res.statusCode = s; },
        setHeader: (name, value) => res.setHeader(name, value),
        end: (body?: string) => (n <= 2 ? void setTimeout(() => res.end(body), 400) : res.end(body)),
        get headersSent() { return res.headersSent; },
      };
      void rig.adapter.process(req, slow, async (ctx) => {
        if (ctx.activity.type === 'message') await ctx.sendActivity(`You said: ${ctx.activity.text}`);
      });
    });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    const [report] = await settle(rig, customer.sendText('only once please'));
    expect(report).toEqual({ attempts: 3, statuses: ['timeout', 'timeout', 200], delivered: true });
    await new Promise((resolve) => setTimeout(resolve, 450)); // the late answers go out; nothing else may follow
    await rig.adapter.idle();
    expect(deliveries).toBe(3);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: only once please']);
  });

  it('answers the URL check (GET) with the decrypted echostr', async () => {
    rig = await adapterRig();
    const check = await rig.emu.verifyCallbackUrl(rig.corp.corpId);
    expect(check).toMatchObject({ ok: true, status: 200 });
    expect(check.body).toBe(check.expected);
  });

  describe('refuses bad requests with a 4xx, and keeps serving', () => {
    /** An encrypted wake-up for the rig's corp, as WeCom would send it (with @wecom/crypto, not ours). */
    function wakeUp(signedAt = T0, token = 'tok'): { body: string; query: Record<string, string> } {
      const timestamp = String(Math.floor(signedAt / 1000));
      const inner = `<xml><ToUserName><![CDATA[${rig.corp.corpId}]]></ToUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
        `<Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[${token}]]></Token><OpenKfId><![CDATA[${rig.kf}]]></OpenKfId></xml>`;
      const encrypted = encrypt(rig.corp.encodingAesKey, inner, rig.corp.corpId);
      const nonce = '1234567890';
      return {
        body: `<xml><ToUserName><![CDATA[${rig.corp.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
        query: { msg_signature: getSignature(rig.corp.token, timestamp, nonce, encrypted), timestamp, nonce },
      };
    }

    async function post(body: string | Buffer, query: Record<string, string>): Promise<{ status: number; text: string }> {
      const url = `${rig.callbackUrl}?${new URLSearchParams(query)}`;
      const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
      return { status: res.statusCode, text: await res.body.text() };
    }

    /** After the bad request, a real customer message still gets its answer. */
    async function stillServes(): Promise<void> {
      const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
      await settle(rig, customer.sendText('still there?'));
      expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: still there?']);
    }

    beforeEach(async () => {
      rig = await adapterRig();
    });

    it('a well-formed wake-up is accepted (the control for the cases below)', async () => {
      const { body, query } = wakeUp();
      await expect(post(body, query)).resolves.toEqual({ status: 200, text: 'success' });
    });

    it('a bad signature → 401, no pull', async () => {
      const { body, query } = wakeUp();
      const tampered = { ...query, msg_signature: query.msg_signature!.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
      const res = await post(body, tampered);
      expect(res.status).toBe(401);
      await rig.adapter.idle();
      expect(rig.emu.calls.filter((c) => c.path === 'kf/sync_msg')).toEqual([]);
      await stillServes();
    });

    it('a callback signed a week ago (a replay) → 401: no wake-up stored, no pull', async () => {
      const { body, query } = wakeUp(T0 - 7 * 24 * 3600_000);
      const res = await post(body, query);
      expect(res).toMatchObject({ status: 401, text: expect.stringContaining('timestamp') });
      await rig.adapter.idle();
      expect(rig.emu.calls.filter((c) => c.path === 'kf/sync_msg')).toEqual([]);
      expect(await rig.store.collection('kf_cursors').countDocuments({})).toBe(0);
      await stillServes();
    });

    it('an older callback replayed after a newer one never puts its stale sync token back', async () => {
      const older = wakeUp(T0 - 60_000, 'older');
      const newer = wakeUp(T0, 'newer');
      for (const callback of [older, newer, older]) await expect(post(callback.body, callback.query)).resolves.toMatchObject({ status: 200 });
      await rig.adapter.idle();
      const cursor = await rig.store.collection<{ _id: string; syncToken?: string }>('kf_cursors').findOne({});
      expect(cursor?.syncToken).toBe('newer');
    });

    it('an oversized body → 413', async () => {
      const { query } = wakeUp();
      const res = await post(`<xml><Encrypt><![CDATA[${'A'.repeat(100 * 1024)}]]></Encrypt></xml>`, query);
      expect(res.status).toBe(413);
      await stillServes();
    });

    it('malformed XML → 400 (when signed: the signature is checked first)', async () => {
      const { body, query } = wakeUp();
      const res = await post(body.replace('</xml>', ''), query);
      expect(res.status).toBe(400);
      await stillServes();
    });

    it('an unsigned 60 KB XML body → 401, refused before the XML parser (which would have said 400)', async () => {
      const { query } = wakeUp();
      const res = await post(`<!DOCTYPE x><xml><Encrypt><![CDATA[QUJD]]></Encrypt>${'<a>'.repeat(20_000)}`, query);
      expect(res.status).toBe(401);
      await stillServes();
    });
  });
});
