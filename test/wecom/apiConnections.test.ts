/**
 * How many WeCom calls are in flight at once. Replies to many customers go out in parallel; the
 * transport's connection pool is what bounds them (`WECOM_API_CONNECTIONS`). A loopback server holds
 * every request until told to answer, so the counts below do not depend on the machine's speed.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/common';
import { DEFAULT_API_CONNECTIONS, WeComTransport } from '../../src/wecom';
import { eventually } from '../support/e2e';

describe('WeCom API connections', () => {
  let server: Server;
  let baseUrl: string;
  const held: ServerResponse[] = [];
  let inFlight = 0;
  let mostInFlight = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      res.on('finish', () => inFlight--);
      held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/cgi-bin/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    held.length = 0;
    mostInFlight = 0;
  });

  const answerAll = (): void => {
    for (const res of held.splice(0)) {
      res.setHeader('Content-Type', 'application/json');
      res.end('{"errcode":0,"errmsg":"ok"}');
    }
  };
  const calls = (transport: WeComTransport, n: number): Promise<unknown[]> =>
    Promise.all(Array.from({ length: n }, (_, i) => transport.json({ method: 'kf/send_msg', verb: 'POST', json: { i }, idempotent: true })));

  it('by default, 100 calls are all at WeCom before the first is answered', async () => {
    const transport = new WeComTransport({ baseUrl });
    try {
      const done = calls(transport, 100);
      // With a pool smaller than 100 the rest would wait for an answer that never comes.
      await eventually(() => expect(inFlight).toBe(100));
      answerAll();
      await expect(done).resolves.toHaveLength(100);
    } finally {
      await transport.close();
    }
  });

  it('with `connections: 3`, no more than 3 are in flight, and every call is answered', async () => {
    const transport = new WeComTransport({ baseUrl, connections: 3 });
    try {
      let settled = false;
      const done = calls(transport, 20).finally(() => void (settled = true));
      while (!settled) {
        await eventually(() => expect(held.length > 0 || settled).toBe(true));
        await new Promise((resolve) => setTimeout(resolve, 20)); // room for a 4th to arrive, were it let through
        answerAll();
      }
      await expect(done).resolves.toHaveLength(20);
      expect(mostInFlight).toBe(3);
    } finally {
      await transport.close();
    }
  });

  it('refuses a pool of no connection', () => {
    expect(() => new WeComTransport({ baseUrl, connections: 0 })).toThrow(RangeError);
  });

  it('WECOM_API_CONNECTIONS sets the pool; 256 by default; a bad value names the variable', () => {
    expect(DEFAULT_API_CONNECTIONS).toBe(256);
    expect(loadConfig({}).apiConnections).toBe(256);
    expect(loadConfig({ WECOM_API_CONNECTIONS: '8' }).apiConnections).toBe(8);
    expect(() => loadConfig({ WECOM_API_CONNECTIONS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ WECOM_API_CONNECTIONS: 'many' })).toThrow(/WECOM_API_CONNECTIONS/);
  });
});
