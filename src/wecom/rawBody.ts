import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { DEFAULT_MAX_CALLBACK_BYTES } from './callbackXml';
import { CallbackPayloadError } from './callbackErrors';

/**
 * A request as node:http, restify and express give it: a readable stream with headers, plus the
 * `body` (and restify's `rawBody`) a body parser may have filled in.
 */
export type RawBodyRequest = Readable & {
  headers: IncomingHttpHeaders;
  body?: unknown;
  rawBody?: unknown;
};

export interface RawBodyOptions {
  /** Most bytes accepted. Default {@link DEFAULT_MAX_CALLBACK_BYTES} (64 KiB). */
  limit?: number;
}

/**
 * Reads a request's body as the exact bytes sent, refusing more than `limit`.
 *
 * - A `Buffer` or string already in `req.rawBody` or `req.body` (restify `bodyReader`, express
 *   `raw`/`text`) is used as is; a string is re-encoded as UTF-8, so invalid bytes are already
 *   lost: prefer no body parser on callback routes.
 * - A `Content-Length` over the limit is refused before reading anything.
 * - Otherwise the stream is read, and reading stops at the first chunk past the limit. The stream
 *   is left paused, not destroyed, so the caller can still answer 413 (send `Connection: close`
 *   so the rest of the upload is not drained).
 *
 * @example
 * const body = await readRawBody(req, { limit: 64 * 1024 });
 * @throws CallbackPayloadError `payload_too_large`, or `body_read_failed` (aborted upload, or a
 *   body parser consumed the stream and left no bytes)
 */
export async function readRawBody(req: RawBodyRequest, options: RawBodyOptions = {}): Promise<Buffer> {
  const limit = options.limit ?? DEFAULT_MAX_CALLBACK_BYTES;
  const parsed = bytesOf(req.rawBody) ?? bytesOf(req.body);
  if (parsed) return checked(parsed, limit);

  const declared = req.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
    throw tooLarge(`Content-Length ${declared}`, limit);
  }
  if (req.readableEnded) {
    throw new CallbackPayloadError('body_read_failed', 'the request body was already consumed (by a body parser?); register the callback route without one');
  }

  return readStream(req, limit);
}

/**
 * The stream's bytes, with listeners rather than an async iterator (that costs a promise and an
 * iterator result per chunk, on every callback). Stops at the first chunk past `limit`, leaving
 * the stream paused; an error or a close before the end (an aborted upload) is `body_read_failed`.
 */
function readStream(req: RawBodyRequest, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (error: CallbackPayloadError | undefined): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer | string): void => {
      // Buffer.concat copies once at the end: a chunk is not copied on its own.
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      total += bytes.length;
      if (total > limit) {
        req.pause();
        settle(tooLarge(`at least ${total} bytes`, limit));
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = (): void => settle(undefined);
    const onError = (e: unknown): void => settle(readFailed(e));
    const onClose = (): void => settle(readFailed(new Error('the request closed before its body ended')));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function readFailed(cause: unknown): CallbackPayloadError {
  return new CallbackPayloadError('body_read_failed', 'the request body could not be read (client aborted?)', { cause });
}

function bytesOf(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return undefined;
}

function checked(body: Buffer, limit: number): Buffer {
  if (body.length > limit) throw tooLarge(`${body.length} bytes`, limit);
  return body;
}

function tooLarge(size: string, limit: number): CallbackPayloadError {
  return new CallbackPayloadError('payload_too_large', `request body is ${size}, over the ${limit}-byte limit`);
}
