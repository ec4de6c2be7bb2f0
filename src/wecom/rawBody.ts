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

  const chunks: Buffer[] = [];
  let total = 0;
  try {
    // destroyOnReturn: false — leaving the loop early must not destroy the socket we answer on.
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);
      total += bytes.length;
      if (total > limit) throw tooLarge(`at least ${total} bytes`, limit);
      chunks.push(bytes);
    }
  } catch (e) {
    if (e instanceof CallbackPayloadError) throw e;
    throw new CallbackPayloadError('body_read_failed', 'the request body could not be read (client aborted?)', { cause: e });
  }
  return Buffer.concat(chunks, total);
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
