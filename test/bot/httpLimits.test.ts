/**
 * The app server against slow and excess clients: a connection that never finishes its headers is
 * dropped after the header timeout, the connection cap sheds the surplus at once, and /healthz and
 * WeCom's callbacks keep being answered.
 */
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { appRig, type AppRig } from './appRig';
import { eventually } from '../support/e2e';

const limits = { headersTimeoutMs: 300, requestTimeoutMs: 1000, keepAliveTimeoutMs: 1000, maxConnections: 16 };

describe('HTTP server limits', () => {
  let rig: AppRig;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await rig?.close();
  });

  /** A slowloris client: headers started, never finished. Resolves once connected; `closed` when the server hangs up. */
  async function slowClient(): Promise<{ socket: Socket; closed: Promise<string> }> {
    const { port } = new URL(rig.url);
    const socket = connect(Number(port), '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(answer)));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /api/wecom/callback HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    return { socket, closed };
  }

  const healthz = async (): Promise<number> => (await request(`${rig.url}/healthz`, { reset: true })).statusCode;

  it('drops a connection that never finishes its headers, answering 408, while /healthz and callbacks are answered', async () => {
    rig = await appRig({ http: limits });
    const slow = await Promise.all(Array.from({ length: 8 }, () => slowClient()));
    expect(await healthz()).toBe(200);
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    expect((await (await customer.sendText('hello')).delivery).delivered).toBe(true);

    const answers = await Promise.all(slow.map((s) => s.closed));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('sheds connections over HTTP_MAX_CONNECTIONS at once, and answers again when the slow ones are dropped', async () => {
    // A header deadline long enough that the slow ones are surely still open when the surplus comes.
    rig = await appRig({ http: { ...limits, headersTimeoutMs: 3000, requestTimeoutMs: 5000 } });
    const slow = await Promise.all(Array.from({ length: limits.maxConnections }, () => slowClient()));
    // One more is closed without an answer rather than queued behind the slow ones.
    const surplus = await slowClient();
    expect(await surplus.closed).toBe('');
    await Promise.all(slow.map((s) => s.closed));
    await eventually(async () => expect(await healthz()).toBe(200));
  });
});
