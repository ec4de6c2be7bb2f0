import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** The parts of a request `process` reads: node:http, express and restify requests all fit. */
export type CallbackHttpRequest = Readable & Pick<IncomingMessage, 'headers'> & { method?: string; url?: string; body?: unknown; rawBody?: unknown };

/** The parts of a response `process` writes: node:http, express and restify responses all fit. */
export interface CallbackHttpResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
  readonly headersSent?: boolean;
}

/** Answers WeCom in plain text (it reads only the status, and the body of a URL check). */
export function respond(res: CallbackHttpResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
}

/** The callback's signed `timestamp` in ms (already checked by the crypto). */
export function signedAtOf(query: URLSearchParams): number | undefined {
  const seconds = Number(query.get('timestamp'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
