/**
 * The HTTP shell: routing under `/cgi-bin/`, faults first, then verb, token and body checks, then
 * the handler; every call goes to the call log. Malformed input becomes an errcode, never a crash.
 */
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { EmulatorCore, Route, RouteResult } from './core';
import { errcodes, Refusal, refuse } from './errors';
import type { Fault, FaultInjector } from './faults';
import type { Json } from './fields';
import { routes } from './handlers';
import { checkKfGrant, secretBodyFields } from './handlers/suite';
import { errorBody, parseJsonBody, readBody, sendJson, sendText } from './http';
import { sleep } from './timers';

/**
 * One call the emulator received.
 *
 * @example
 * emu.calls.filter((c) => c.path === 'kf/send_msg' && c.errcode === 95001)
 */
export interface CallRecord {
  method: string;
  /** The path after `/cgi-bin/` (e.g. `kf/send_msg`); never with its query. */
  path: string;
  /** The query without `access_token` and `corpsecret`. */
  query: Record<string, string>;
  /** The parsed JSON body, or a summary of an upload. */
  body?: unknown;
  /** The corp whose token was used. */
  corpId?: string;
  /** `errcode` answered, null when the answer was not WeCom JSON (media bytes, faults, 404). */
  errcode: number | null;
  /** HTTP status, null when there was no answer (timeout, reset). */
  httpStatus: number | null;
  /** The injected fault, if one hit this call. */
  fault?: Fault['kind'];
  /** Emulator-clock ms at arrival. */
  at: number;
}

const secretParams = new Set(['access_token', 'corpsecret', 'suite_access_token']);

export class EmulatorServer {
  readonly calls: CallRecord[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly core: EmulatorCore,
    private readonly faults: FaultInjector,
    /** The call log keeps at least this many recent calls (benchmarks make millions). */
    private readonly maxCalls: number = 10_000,
  ) {
    // Every request a delay fault holds listens for stop(); hundreds at once are normal, not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Listens; resolves with the port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer({ keepAlive: true }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.core.logger.error({ err: e }, 'emulator request failed');
        sendJson(res, errorBody(errcodes.busy));
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Room for a burst of a thousand connections (a test's or a benchmark's wave): with Node's
      // default of 511 the kernel dropped some, and each dropped SYN waited 1 s to be sent again.
      server.listen({ port, host, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops listening and destroys every socket: keep-alive ones and requests held by a `timeout` fault. */
  async close(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => undefined); // a client that vanishes mid-body must not crash the server
    res.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname.startsWith('/cgi-bin/') ? url.pathname.slice('/cgi-bin/'.length) : url.pathname;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!secretParams.has(k)) query[k] = v;
    const record: CallRecord = { method: req.method ?? '', path, query, errcode: null, httpStatus: null, at: this.core.clock.now() };
    this.calls.push(record);
    // Trim in halves so the cost stays constant per call.
    if (this.calls.length >= 2 * this.maxCalls) this.calls.splice(0, this.calls.length - this.maxCalls);

    const route = url.pathname.startsWith('/cgi-bin/') ? routes[path] : undefined;
    if (!route) {
      req.resume();
      record.httpStatus = 404;
      sendText(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
      return;
    }
    this.countSync(path, url.searchParams.get('access_token'), res);
    const callerIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const trusted = this.core.switches.trustedIps;
    if (trusted.length > 0 && !trusted.includes(callerIp)) {
      req.resume();
      record.errcode = errcodes.ipNotTrusted;
      record.httpStatus = 200;
      sendJson(res, errorBody(errcodes.ipNotTrusted, undefined, callerIp));
      return;
    }

    const fault = this.faults.take(path);
    let preRead: { text: string; tooLarge: boolean } | undefined;
    if (fault?.kind === 'delay') {
      // The request is read before the delay, as a slow WeCom would have it: a client that gives
      // up meanwhile still had its call carried out (a lost answer, not a lost request).
      record.fault = fault.kind;
      preRead = route.body === 'multipart' ? undefined : await readBody(req);
      await sleep(fault.ms, this.stopping.signal);
      if (this.stopping.signal.aborted) {
        req.socket.destroy();
        return;
      }
    } else if (fault && (await this.applyFault(fault, req, res, record))) return;

    try {
      const result = await this.run(route, req, url.searchParams, record, preRead);
      record.body ??= result.logBody;
      if ('json' in result) {
        record.errcode = 0;
        record.httpStatus = 200;
        sendJson(res, { errcode: 0, errmsg: 'ok', ...result.json });
      } else if ('stream' in result) {
        record.httpStatus = result.stream.status;
        res.writeHead(result.stream.status, result.stream.headers);
        // A client that hangs up mid-file ends the stream: nothing more is generated.
        await pipeline(result.stream.body, res).catch(() => undefined);
      } else {
        record.httpStatus = result.raw.status;
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(result.raw.status, { ...result.raw.headers, 'Content-Length': result.raw.body.length });
          res.end(result.raw.body);
        }
      }
    } catch (e) {
      const refusal = e instanceof Refusal ? e : undefined;
      if (!refusal) this.core.logger.error({ err: e, path }, 'emulator handler failed');
      const errcode = refusal?.errcode ?? errcodes.busy;
      record.errcode = errcode;
      record.httpStatus = 200;
      sendJson(res, errorBody(errcode, refusal?.detail));
    }
  }

  /** Verb, token and body checks, then the handler. */
  private async run(route: Route, req: IncomingMessage, params: URLSearchParams, record: CallRecord, preRead?: { text: string; tooLarge: boolean }): Promise<RouteResult> {
    const method = req.method === 'GET' || req.method === 'POST' ? req.method : undefined;
    // JSON bodies are read first, so a refusal goes out on a connection that can be reused.
    const raw = preRead ?? (route.body === 'multipart' ? undefined : await readBody(req));
    const refuseAndDrain = (code: number, detail: string): never => {
      if (!raw) req.resume();
      return refuse(code, detail);
    };
    if (!method || !route.verbs.includes(method)) refuseAndDrain(errcodes.invalidParameter, `${req.method ?? '?'} not allowed here`);
    const now = this.core.clock.now();
    let corpId = '';
    if (route.auth) {
      try {
        corpId = this.core.tokens.check(params.get('access_token'), now);
      } catch (e) {
        if (!raw) req.resume();
        throw e;
      }
      record.corpId = corpId;
    }
    const suiteId = route.auth ? this.core.tokens.suiteOf(params.get('access_token')) : undefined;
    let body: Json = {};
    if (raw && route.body === 'json' && method === 'POST') {
      body = parseJsonBody(raw);
      record.body = redact(body);
    }
    if (suiteId !== undefined) checkKfGrant(this.core, suiteId, corpId, body.open_kfid ?? params.get('open_kfid'));
    return route.handle({ core: this.core, query: params, body, corpId, suiteId, req, now });
  }

  /** Counts sync_msg calls in flight per corp from arrival to the end of the answer (45033). */
  private countSync(path: string, token: string | null, res: ServerResponse): void {
    if (path !== 'kf/sync_msg') return;
    const corpId = this.core.tokens.peek(token);
    if (!corpId) return;
    const inflight = this.core.inflightSync;
    inflight.set(corpId, (inflight.get(corpId) ?? 0) + 1);
    res.once('close', () => inflight.set(corpId, (inflight.get(corpId) ?? 1) - 1));
  }

  /** Applies a fault; true when the call is finished (answered, held or reset). */
  private async applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse, record: CallRecord): Promise<boolean> {
    record.fault = fault.kind;
    switch (fault.kind) {
      case 'delay':
        return false; // handled before the call runs
      case 'timeout':
        // Never answered: the socket stays open until the client gives up or stop() destroys it.
        req.resume();
        return true;
      case 'reset':
        req.socket.destroy();
        return true;
      case 'http_500':
      case 'http_status': {
        const status = fault.kind === 'http_500' ? 500 : fault.status;
        req.resume();
        record.httpStatus = status;
        sendText(res, status, `<html><body><h1>${status}</h1></body></html>`);
        return true;
      }
      case 'errcode':
        req.resume();
        record.httpStatus = 200;
        record.errcode = fault.errcode;
        sendJson(res, errorBody(fault.errcode, 'injected fault'));
        return true;
    }
  }
}

/** The body as logged: provider secrets (suite secret, ticket, permanent code) replaced. */
function redact(body: Json): Json {
  if (!Object.keys(body).some((k) => secretBodyFields.has(k))) return body;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, secretBodyFields.has(k) ? '<redacted>' : v]));
}
