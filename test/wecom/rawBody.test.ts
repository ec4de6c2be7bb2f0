import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callbackErrorStatus } from '../../src/wecom/callbackErrors';
import { readRawBody, type RawBodyRequest } from '../../src/wecom/rawBody';

type Outcome = { body: Buffer } | { error: unknown };

/** A real server on 127.0.0.1:0 whose handler reads the body with our function and reports what happened. */
let server: Server;
let port: number;
let outcomes: Outcome[] = [];
let waiting: ((outcome: Outcome) => void) | undefined;
let limit = 1024;
let prepare: (req: RawBodyRequest) => Promise<void> | void = () => undefined;

beforeAll(async () => {
  // No chained res.writeHead(...).end(): restify, loaded by other tests in this worker, patches
  // ServerResponse.writeHead globally to return undefined.
  server = createServer(async (req, res) => {
    let outcome: Outcome;
    try {
      await prepare(req);
      outcome = { body: await readRawBody(req, { limit }) };
      res.writeHead(200);
      res.end(outcome.body);
    } catch (error) {
      outcome = { error };
      res.writeHead(callbackErrorStatus(error), { connection: 'close' });
      res.end();
    }
    outcomes.push(outcome);
    waiting?.(outcome);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  outcomes = [];
  limit = 1024;
  prepare = () => undefined;
});

const nextOutcome = () =>
  new Promise<Outcome>((resolve) => {
    waiting = resolve;
  });

/** Starts a POST; the caller writes, ends or destroys it. */
function post(headers: OutgoingHttpHeaders = {}) {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/cb', headers });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  // Tests that abort on purpose never await the response; keep its rejection from going unhandled.
  response.catch(() => undefined);
  return { req, response };
}

async function send(chunks: Buffer[], headers: OutgoingHttpHeaders = {}): Promise<Outcome> {
  const outcome = nextOutcome();
  const { req, response } = post(headers);
  for (const chunk of chunks) {
    req.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  req.end();
  (await response).resume();
  return outcome;
}

const bodyOf = (outcome: Outcome) => ('body' in outcome ? outcome.body : outcome.error);

describe('readRawBody over node:http', () => {
  it('returns the exact bytes sent in several chunks, invalid UTF-8 included', async () => {
    limit = 64 * 1024;
    const chunks = [Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.from('<xml>é</xml>'), randomBytes(30_000), Buffer.from([0xed, 0xa0, 0x80])];
    const outcome = await send(chunks);
    expect(bodyOf(outcome)).toEqual(Buffer.concat(chunks));
  });

  it('accepts a body exactly at the limit and an empty body', async () => {
    const full = randomBytes(1024);
    expect(bodyOf(await send([full]))).toEqual(full);
    expect(bodyOf(await send([]))).toEqual(Buffer.alloc(0));
  });

  it('refuses a Content-Length over the limit without waiting for the body', async () => {
    const outcome = nextOutcome();
    const { req, response } = post({ 'content-length': '1000000' });
    req.write(Buffer.alloc(10));
    // The request is still open (999,990 bytes owed): an answer now proves nothing more was awaited.
    expect((await response).statusCode).toBe(413);
    expect(await outcome).toMatchObject({ error: { code: 'payload_too_large' } });
    req.destroy();
  });

  it('stops reading a chunked upload at the first chunk past the limit', async () => {
    const outcome = nextOutcome();
    const { req, response } = post({ 'transfer-encoding': 'chunked' });
    req.write(Buffer.alloc(1000));
    await new Promise((resolve) => setTimeout(resolve, 20));
    req.write(Buffer.alloc(25));
    expect((await response).statusCode).toBe(413);
    expect(await outcome).toMatchObject({ error: { code: 'payload_too_large', message: expect.stringContaining('1024-byte limit') } });
    req.destroy();
  });

  it('reports an aborted upload as body_read_failed', async () => {
    const outcome = nextOutcome();
    const { req } = post({ 'content-length': '500' });
    req.write(Buffer.alloc(100));
    await new Promise((resolve) => setTimeout(resolve, 20));
    req.destroy();
    expect(await outcome).toMatchObject({ error: { code: 'body_read_failed' } });
  });
});

describe('readRawBody with a body already parsed by a framework', () => {
  it('uses a Buffer req.body as is, without reading the stream', async () => {
    const parsed = Buffer.from([0x3c, 0xff, 0x3e]);
    prepare = (req) => {
      req.body = parsed;
    };
    expect(bodyOf(await send([Buffer.from('stream bytes')]))).toBe(parsed);
  });

  it('uses a string req.body or restify rawBody as UTF-8', async () => {
    prepare = (req) => {
      req.body = '<xml>é</xml>';
    };
    expect(bodyOf(await send([Buffer.from('ignored')]))).toEqual(Buffer.from('<xml>é</xml>', 'utf8'));
    prepare = (req) => {
      req.body = { parsed: true };
      req.rawBody = '<xml>raw</xml>';
    };
    expect(bodyOf(await send([Buffer.from('ignored')]))).toEqual(Buffer.from('<xml>raw</xml>'));
  });

  it('applies the limit to a parsed body too', async () => {
    prepare = (req) => {
      req.body = Buffer.alloc(1025);
    };
    expect(await send([])).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('reads the stream when req.body is a parser placeholder object', async () => {
    prepare = (req) => {
      req.body = {};
    };
    expect(bodyOf(await send([Buffer.from('<xml/>')]))).toEqual(Buffer.from('<xml/>'));
  });

  it('says so when a body parser consumed the stream and left no bytes', async () => {
    prepare = async (req) => {
      for await (const _chunk of req) {
        // a JSON parser would have read it all
      }
      req.body = {};
    };
    expect(await send([Buffer.from('<xml/>')])).toMatchObject({ error: { code: 'body_read_failed', message: expect.stringContaining('body parser') } });
  });
});
