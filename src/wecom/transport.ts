import { Agent, type Dispatcher, ProxyAgent, request } from 'undici';
import { type Logger, silentLogger } from '../common/logger';
import { normaliseApiBaseUrl } from '../common/url';
import { readCapped } from '../common/readCapped';
import { MediaTooLargeError, WeComApiError, WeComHttpError } from './errors';
import { transientErrcodes } from './errorCodes';
import type { MultipartBody } from './multipart';

/** The public WeCom API. */
export const DEFAULT_API_BASE_URL = 'https://qyapi.weixin.qq.com/cgi-bin/';

/** Connections a transport opens to WeCom at most, by default (see {@link TransportOptions.connections}). */
export const DEFAULT_API_CONNECTIONS = 256;

export interface TransportOptions {
  /** Default {@link DEFAULT_API_BASE_URL}. Must end with `/`. */
  readonly baseUrl?: string;
  /** Per request, headers and body included. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Retries after the first try, for transient faults. Default 3. */
  readonly retries?: number;
  /** First back-off step; doubles each retry, with full jitter. Default 200 ms. */
  readonly backoffBaseMs?: number;
  /** Longest back-off step. Default 5 000 ms. */
  readonly backoffMaxMs?: number;
  /** Default `Math.random`; tests make jitter deterministic. */
  readonly random?: () => number;
  /** Default a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Most connections open to WeCom at once; a call beyond them waits for a free one. Replies to a
   * busy account go out in parallel, so this bounds how many are in flight: at 100 ms a call, 256
   * connections carry about 2,500 calls a second. Default {@link DEFAULT_API_CONNECTIONS}. Ignored
   * when `dispatcher` is given.
   */
  readonly connections?: number;
  /** Default a keep-alive undici Agent owned by the transport (a ProxyAgent when `proxyUrl` is set). */
  readonly dispatcher?: Dispatcher;
  /**
   * An HTTP(S) proxy every call goes through (`WECOM_HTTP_PROXY`): WeCom then sees the proxy's IP,
   * the one to put in the app's trusted IPs. HTTPS targets are tunnelled with CONNECT. Credentials
   * may be in the URL (`http://user:pass@proxy:3128`). Ignored when `dispatcher` is given.
   */
  readonly proxyUrl?: string;
  readonly logger?: Logger;
}

export interface WeComRequest {
  /** The API path (`kf/send_msg`); used in errors and logs, never the URL. */
  readonly method: string;
  readonly verb: 'GET' | 'POST';
  /** Query parameters, secrets included: they go on the wire and nowhere else. */
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly json?: unknown;
  readonly multipart?: MultipartBody;
  /**
   * Whether repeating the request after an ambiguous failure (timeout, reset, 5xx) is harmless.
   * Refusals that prove WeCom did nothing (connection refused, busy errcodes) are retried regardless.
   */
  readonly idempotent: boolean;
  /** Retries of this request, instead of the transport's default (a caller with its own back-off sets 0 or 1). */
  readonly retries?: number;
}

/** A downloaded file (`media/get`). */
export interface DownloadedMedia {
  readonly bytes: Buffer;
  /** As WeCom labelled it; check the real type from the bytes before trusting it. */
  readonly contentType?: string;
  readonly filename?: string;
}

/** Options of one download. */
export interface DownloadOptions {
  /**
   * Most bytes accepted. A larger `Content-Length` is refused before reading the body; a body that
   * grows past it is cut off there. Either way: {@link MediaTooLargeError}. Default: no cap.
   */
  readonly maxBytes?: number;
}

/** Errors raised before a request reached the server: always safe to retry. */
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error; readonly retry: boolean };

/**
 * HTTP to WeCom: keep-alive connections, a timeout per request, retries with exponential back-off
 * and full jitter for network faults, HTTP 5xx and WeCom's busy codes. Turns `errcode != 0` into
 * {@link WeComApiError} and everything else that went wrong into {@link WeComHttpError}.
 */
export class WeComTransport {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly logger: Logger;
  /** The proxy's host, named in network errors (never its credentials). */
  private readonly proxyHost?: string;

  constructor(options: TransportOptions = {}) {
    this.baseUrl = normaliseApiBaseUrl(options.baseUrl ?? DEFAULT_API_BASE_URL);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 3;
    this.backoffBaseMs = options.backoffBaseMs ?? 200;
    this.backoffMaxMs = options.backoffMaxMs ?? 5_000;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const connections = options.connections ?? DEFAULT_API_CONNECTIONS;
    if (!Number.isInteger(connections) || connections < 1) throw new RangeError(`connections must be a whole number ≥ 1, not ${connections}`);
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? (options.proxyUrl
      ? new ProxyAgent({ uri: options.proxyUrl, keepAliveTimeout: 30_000, connections })
      : new Agent({ keepAliveTimeout: 30_000, connections }));
    this.logger = options.logger ?? silentLogger;
    this.proxyHost = options.proxyUrl && !options.dispatcher ? new URL(options.proxyUrl).host : undefined;
  }

  /** A JSON API call. Resolves with WeCom's body when `errcode` is 0 or absent. */
  async json<T extends object>(req: WeComRequest): Promise<T> {
    return this.withRetries(req, async (): Promise<Outcome<T>> => {
      const { statusCode, text } = await this.exchange(req);
      if (statusCode !== 200) return this.apiErrorIn(req, text) ?? this.httpStatusFailure(req, statusCode);
      return this.parseJson<T>(req, text);
    });
  }

  /**
   * A download (`media/get`): bytes, or the JSON error WeCom answers instead. With `maxBytes`, a
   * file over it is refused from its `Content-Length` or cut off while streaming, never held whole.
   */
  async download(req: WeComRequest, options: DownloadOptions = {}): Promise<DownloadedMedia> {
    const maxBytes = options.maxBytes ?? Infinity;
    return this.withRetries(req, async (): Promise<Outcome<DownloadedMedia>> => {
      const res = await this.send(req);
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        const text = await res.body.text();
        return this.apiErrorIn(req, text) ?? this.httpStatusFailure(req, res.statusCode);
      }
      const contentType = header(res.headers, 'content-type');
      const declared = Number(header(res.headers, 'content-length') ?? NaN);
      if (declared > maxBytes) {
        res.body.destroy(); // closes the connection: the rest is never read
        return { ok: false, error: new MediaTooLargeError(req.method, declared, maxBytes, true), retry: false };
      }
      const bytes = await readCapped(res.body, Number.isFinite(declared) ? declared : undefined, maxBytes);
      if (bytes === undefined) return { ok: false, error: new MediaTooLargeError(req.method, maxBytes + 1, maxBytes, false), retry: false };
      // An error is a JSON body with a non-zero errcode; anything else is the file itself, even a
      // .txt served as text/plain or a .json file.
      if (bytes.length < 4096 && (contentType?.startsWith('application/json') || contentType?.startsWith('text/plain'))) {
        const refused = this.apiErrorIn(req, bytes.toString('utf8'));
        if (refused) return refused;
      }
      const filename = parseFilename(header(res.headers, 'content-disposition'));
      return { ok: true, value: { bytes, contentType, filename } };
    });
  }

  /** Closes the keep-alive connections (when the transport made its own agent). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** A download's response, its body streamed; one deadline (`timeoutMs`) for the whole request, body included. */
  private async send(req: WeComRequest): Promise<Dispatcher.ResponseData> {
    const { url, body, contentType } = this.target(req);
    return request(url, {
      method: req.verb,
      dispatcher: this.dispatcher,
      body,
      headers: contentType ? { 'content-type': contentType } : undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  /**
   * A JSON call's status and text, straight from undici's dispatcher. An answer is a few hundred
   * bytes: `request()`'s response stream (a node Readable per call, read back by `body.text()`)
   * cost more than the bytes. `timeoutMs` is enforced with undici's own headers and body timeouts,
   * on its shared timer wheel (an AbortSignal.timeout per call cost about 15 µs and left a 10 s
   * timer behind for every call, which fired long after the answer).
   */
  private exchange(req: WeComRequest): Promise<{ statusCode: number; text: string }> {
    const { url, body, contentType } = this.target(req);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let statusCode = 0;
      this.dispatcher.dispatch({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.verb,
        body,
        headers: contentType ? { 'content-type': contentType } : undefined,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      }, {
        // undici tells this handler style from the older one by onRequestStart.
        onRequestStart: () => undefined,
        // 1xx informational answers come first and carry no body of the final answer.
        onResponseStart: (_controller, status) => void (statusCode = status),
        onResponseData: (_controller, chunk) => void (statusCode >= 200 && chunks.push(chunk)),
        onResponseEnd: () => resolve({ statusCode, text: utf8Text(Buffer.concat(chunks)) }),
        onResponseError: (_controller, error) => reject(error),
      });
    });
  }

  private target(req: WeComRequest): { url: URL; body: string | Buffer | undefined; contentType: string | undefined } {
    const url = new URL(req.method, this.baseUrl);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const body = req.multipart?.body ?? (req.json === undefined ? undefined : JSON.stringify(req.json));
    const contentType = req.multipart?.contentType ?? (req.json === undefined ? undefined : 'application/json; charset=utf-8');
    return { url, body, contentType };
  }

  private async withRetries<T>(req: WeComRequest, attempt: () => Promise<Outcome<T>>): Promise<T> {
    for (let i = 0; ; i++) {
      let outcome: Outcome<T>;
      try {
        outcome = await attempt();
      } catch (cause) {
        outcome = this.transportFailure(req, cause);
      }
      if (outcome.ok) return outcome.value;
      if (!outcome.retry || i >= (req.retries ?? this.retries)) throw outcome.error;
      const delay = Math.round(this.random() * Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** i));
      this.logger.warn({ method: req.method, attempt: i + 1, delayMs: delay, err: outcome.error.message }, 'WeCom call failed; retrying');
      await this.sleep(delay);
    }
  }

  private parseJson<T extends object>(req: WeComRequest, text: string): Outcome<T> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      return { ok: false, error: new WeComHttpError(req.method, 'the answer is not JSON', { cause, status: 200 }), retry: req.idempotent };
    }
    if (typeof body !== 'object' || body === null) {
      return { ok: false, error: new WeComHttpError(req.method, 'the answer is not a JSON object', { status: 200 }), retry: req.idempotent };
    }
    return refusalIn(req, body) ?? { ok: true, value: body as T };
  }

  /** WeCom's refusal in `text`, when it is a JSON object with a non-zero errcode (whatever the HTTP status). */
  private apiErrorIn(req: WeComRequest, text: string): Outcome<never> | undefined {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return undefined;
    }
    return typeof body === 'object' && body !== null ? refusalIn(req, body) : undefined;
  }

  private httpStatusFailure(req: WeComRequest, status: number): Outcome<never> {
    const retry = status >= 500 ? req.idempotent : status === 429;
    return { ok: false, error: new WeComHttpError(req.method, `HTTP ${status}`, { status }), retry };
  }

  private transportFailure(req: WeComRequest, cause: unknown): Outcome<never> {
    const code = errorCode(cause);
    // Duck-typed: AbortSignal.timeout's DOMException is not an `Error` of every realm (jest's).
    const timedOut = (cause as { name?: unknown } | null)?.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    const via = this.proxyHost ? ` through the proxy ${this.proxyHost} (WECOM_HTTP_PROXY)` : '';
    const message = timedOut ? `no answer within ${this.timeoutMs} ms${via}` : `network error${code ? ` (${code})` : ''}${via}`;
    return { ok: false, error: new WeComHttpError(req.method, message, { cause }), retry: req.idempotent || notSentCodes.has(code ?? '') };
  }
}

/** The refusal a parsed WeCom answer carries: `errcode` present and non-zero (numbers or strings). */
function refusalIn(req: WeComRequest, body: object): Outcome<never> | undefined {
  const { errcode, errmsg } = body as { errcode?: unknown; errmsg?: unknown };
  const code = Number(errcode ?? 0);
  if (code === 0 || Number.isNaN(code)) return undefined;
  return { ok: false, error: new WeComApiError(req.method, code, typeof errmsg === 'string' ? errmsg : ''), retry: transientErrcodes.has(code) };
}

/** The bytes as UTF-8 text, a leading byte order mark dropped (as undici's `body.text()` does). */
function utf8Text(bytes: Buffer): string {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return (bom ? bytes.subarray(3) : bytes).toString('utf8');
}

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `attachment; filename="a.jpg"` or RFC 5987 `filename*=UTF-8''%E5%9B%BE.jpg`. */
export function parseFilename(disposition: string | undefined): string | undefined {
  if (!disposition) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      // fall through to the plain form
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(disposition);
  return plain ? utf8FromLatin1((plain[1] ?? plain[2])!.trim()) : undefined;
}

/**
 * WeCom sends non-ASCII filenames as raw UTF-8 bytes in the header, which HTTP clients read as
 * latin1. Re-read them as UTF-8 when that is what they are; leave real latin1 names alone.
 */
function utf8FromLatin1(value: string): string {
  const codes = [...value].map((c) => c.codePointAt(0) ?? 0);
  if (!codes.some((c) => c >= 0x80) || codes.some((c) => c > 0xff)) return value;
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  return decoded.includes('\ufffd') ? value : decoded;
}
