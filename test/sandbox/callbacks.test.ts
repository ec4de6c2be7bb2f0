import { decrypt, getSignature } from '@wecom/crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rig, type Rig } from './helpers';

type Behaviour = 'ok' | 500 | 'hang';

/** A stand-in for the app's callback route: answers each delivery as scripted and records it. */
class Receiver {
  readonly requests: { method: string; url: URL; body: string }[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly script: Behaviour[],
    private readonly answerGet?: (url: URL) => string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        this.requests.push({ method: req.method ?? '', url, body: Buffer.concat(chunks).toString('utf8') });
        if (req.method === 'GET' && this.answerGet) {
          let answer = '';
          try {
            answer = this.answerGet(url);
          } catch {
            res.statusCode = 400; // a wrong key may also fail loudly
          }
          return void res.end(answer);
        }
        const what = this.script[this.requests.length - 1] ?? 'ok';
        if (what === 'hang') return;
        res.statusCode = what === 'ok' ? 200 : what;
        res.end(what === 'ok' ? 'success' : 'error');
      });
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/wecom/callback`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const field = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</${name}>`).exec(xml)?.[1];

describe('emulator: callbacks', () => {
  let r: Rig;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await r.emu.stop();
    await receiver?.stop();
    receiver = undefined;
  });

  const withReceiver = async (script: Behaviour[], switches = {}, answerGet?: (url: URL) => string) => {
    r = await rig({ callbackTimeoutMs: 300, callbackRetryDelayMs: 10, ...switches });
    receiver = new Receiver(script, answerGet);
    r.emu.setCallbackUrl(r.corp.corpId, await receiver.start());
    return receiver;
  };

  it('delivers an encrypted, signed kf_msg_or_event wake-up that @wecom/crypto decrypts', async () => {
    const rec = await withReceiver(['ok']);
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const { delivery, syncToken } = await c.sendText('hi');
    expect(await delivery).toEqual({ attempts: 1, statuses: [200], delivered: true });

    const [req] = rec.requests;
    expect(req!.method).toBe('POST');
    expect(field(req!.body, 'ToUserName')).toBe(r.corp.corpId);
    const encrypted = field(req!.body, 'Encrypt')!;
    const q = req!.url.searchParams;
    expect(q.get('msg_signature')).toBe(getSignature(r.corp.token, q.get('timestamp')!, q.get('nonce')!, encrypted));
    expect(q.get('timestamp')).toBe(String(Math.floor(r.clock.now() / 1000)));
    const { message, id } = decrypt(r.corp.encodingAesKey, encrypted);
    expect(id).toBe(r.corp.corpId);
    expect(field(message, 'ToUserName')).toBe(r.corp.corpId);
    expect(field(message, 'MsgType')).toBe('event');
    expect(field(message, 'Event')).toBe('kf_msg_or_event');
    expect(field(message, 'Token')).toBe(syncToken);
    expect(field(message, 'OpenKfId')).toBe(r.kf);
    expect(field(message, 'CreateTime')).toBe(q.get('timestamp'));
    // and the token in the callback opens sync_msg:
    expect((await r.api.post('kf/sync_msg', { token: field(message, 'Token'), open_kfid: r.kf })).errcode).toBe(0);
  });

  it('retries when the receiver answers 500, the same body each time', async () => {
    const rec = await withReceiver([500, 500, 'ok']);
    const report = await (await r.emu.customer(r.corp.corpId, r.kf).sendText('hi')).delivery;
    expect(report).toEqual({ attempts: 3, statuses: [500, 500, 200], delivered: true });
    expect(new Set(rec.requests.map((q) => q.body)).size).toBe(1);
  });

  it('gives up after 3 deliveries when the receiver never answers in time', async () => {
    const rec = await withReceiver(['hang', 'hang', 'hang', 'hang']);
    const report = await (await r.emu.customer(r.corp.corpId, r.kf).sendText('hi')).delivery;
    expect(report).toEqual({ attempts: 3, statuses: ['timeout', 'timeout', 'timeout'], delivered: false });
    expect(rec.requests).toHaveLength(3);
  });

  it('delivers 4 times in all with callbackDeliveries 4', async () => {
    await withReceiver([500, 500, 500, 500], { callbackDeliveries: 4 });
    const report = await (await r.emu.pushEvent(r.corp.corpId, { event_type: 'msg_send_fail', open_kfid: r.kf, fail_msgid: 'm1', fail_type: 4 })).delivery;
    expect(report).toEqual({ attempts: 4, statuses: [500, 500, 500, 500], delivered: false });
  });

  it('reports no delivery when the corp has no callback URL', async () => {
    r = await rig();
    expect(await (await r.emu.customer(r.corp.corpId, r.kf).sendText('hi')).delivery).toEqual({ attempts: 0, statuses: [], delivered: false });
  });

  it('checks a callback URL with an encrypted echostr, like WeCom when the URL is saved', async () => {
    let corpKey = '';
    const rec = await withReceiver([], {}, (url) => decrypt(corpKey, url.searchParams.get('echostr')!).message);
    corpKey = r.corp.encodingAesKey;
    const check = await r.emu.verifyCallbackUrl(r.corp.corpId);
    expect(check).toMatchObject({ ok: true, status: 200 });
    expect(check.body).toBe(check.expected);
    const q = rec.requests[0]!.url.searchParams;
    expect(q.get('msg_signature')).toBe(getSignature(r.corp.token, q.get('timestamp')!, q.get('nonce')!, q.get('echostr')!));

    corpKey = r.emu.addCorp().encodingAesKey; // the app holds the wrong key
    expect((await r.emu.verifyCallbackUrl(r.corp.corpId)).ok).toBe(false);
  });
});
