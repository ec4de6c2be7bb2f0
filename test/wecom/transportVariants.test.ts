/**
 * Answers a doc-conforming WeCom may give that our emulator does not: errors with an HTTP status
 * other than 200, and text files served as text/plain. A small scripted server on loopback plays
 * that WeCom; the client under test is the real one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WeComClient } from '../../src/wecom';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

describe('WeComClient against other valid WeCom answers', () => {
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${url.pathname.replace('/cgi-bin/', '')}?${url.searchParams.get('access_token') ?? ''}`);
      req.resume();
      req.on('end', () => handler(req, res, url));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/cgi-bin/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => void (seen.length = 0));

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.statusCode = status;
    res.setHeader('Content-Type', type);
    res.end(body);
  };
  const client = (): WeComClient => new WeComClient({ corpId: 'ww1', secret: 's', baseUrl, backoffBaseMs: 1, backoffMaxMs: 2 });

  it('reads an errcode sent with HTTP 401 and refreshes the token on 40014', async () => {
    let tokens = 0;
    handler = (_req, res, url) => {
      if (url.pathname.endsWith('/gettoken')) return send(res, 200, 'application/json', JSON.stringify({ access_token: `TOK${++tokens}`, expires_in: 7200 }));
      if (url.searchParams.get('access_token') === 'TOK1') return send(res, 401, 'application/json', JSON.stringify({ errcode: 40014, errmsg: 'invalid access_token' }));
      return send(res, 200, 'application/json', JSON.stringify({ errcode: 0, errmsg: 'ok', account_list: [] }));
    };
    const c = client();
    await expect(c.listAccounts()).resolves.toEqual([]);
    expect(seen).toEqual(['gettoken?', 'kf/account/list?TOK1', 'gettoken?', 'kf/account/list?TOK2']);
    await c.close();
  });

  it('raises WeComApiError, not an HTTP error, for a refusal sent with HTTP 400', async () => {
    handler = (_req, res, url) => {
      if (url.pathname.endsWith('/gettoken')) return send(res, 200, 'application/json', JSON.stringify({ access_token: 'T', expires_in: 7200 }));
      return send(res, 400, 'application/json; charset=utf-8', JSON.stringify({ errcode: 95018, errmsg: 'send msg session status invalid' }));
    };
    const c = client();
    await expect(c.sendMsg({ touser: 'wm1', open_kfid: 'wk1', msgid: 'x', message: { msgtype: 'text', text: { content: 'hi' } } }))
      .rejects.toMatchObject({ name: 'WeComApiError', errcode: 95018 });
    await c.close();
  });

  it('downloads a text file served as text/plain, and still reads a JSON error served as text/plain', async () => {
    handler = (_req, res, url) => {
      if (url.pathname.endsWith('/gettoken')) return send(res, 200, 'application/json', JSON.stringify({ access_token: 'T', expires_in: 7200 }));
      if (url.searchParams.get('media_id') === 'txt') {
        res.setHeader('Content-Disposition', 'attachment; filename="notes.txt"');
        return send(res, 200, 'text/plain', 'hello world, a plain text file');
      }
      if (url.searchParams.get('media_id') === 'json') return send(res, 200, 'application/json', '{"order": 42}');
      return send(res, 200, 'text/plain', JSON.stringify({ errcode: 40007, errmsg: 'invalid media_id' }));
    };
    const c = client();
    const txt = await c.getMedia('txt');
    expect(txt.bytes.toString()).toBe('hello world, a plain text file');
    expect(txt.filename).toBe('notes.txt');
    expect((await c.getMedia('json')).bytes.toString()).toBe('{"order": 42}');
    await expect(c.getMedia('gone')).rejects.toMatchObject({ errcode: 40007 });
    await c.close();
  });

  it('keeps a short-lived token for most of its life instead of fetching one per call', async () => {
    handler = (_req, res, url) => {
      if (url.pathname.endsWith('/gettoken')) return send(res, 200, 'application/json', JSON.stringify({ access_token: 'T', expires_in: '300' }));
      return send(res, 200, 'application/json', JSON.stringify({ errcode: 0, account_list: [] }));
    };
    const c = client();
    for (let i = 0; i < 5; i++) await c.listAccounts();
    expect(seen.filter((s) => s.startsWith('gettoken'))).toHaveLength(1);
    await c.close();
  });

  it('reads an answer sent in several chunks, a character split across two and a byte order mark first', async () => {
    const answer = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ errcode: 0, errmsg: 'ok', account_list: [{ open_kfid: 'wk1', name: '客服', avatar: '' }] }))]);
    const split = answer.indexOf(Buffer.from('客')) + 1; // inside the character's three bytes
    handler = (_req, res, url) => {
      if (url.pathname.endsWith('/gettoken')) return send(res, 200, 'application/json', JSON.stringify({ access_token: 'T', expires_in: 7200 }));
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.write(answer.subarray(0, split));
      setTimeout(() => res.end(answer.subarray(split)), 20);
    };
    const c = client();
    await expect(c.listAccounts()).resolves.toMatchObject([{ open_kfid: 'wk1', name: '客服' }]);
    await c.close();
  });
});
