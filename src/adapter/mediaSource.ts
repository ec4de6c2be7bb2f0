import { request } from 'undici';
import { WeComChannelError } from '../common/errors';
import { type ByteStream, readCapped } from '../common/readCapped';
import type { OutboundAttachment } from './fromActivity';

/**
 * Why an attachment's bytes could not be had:
 * - `no_bytes`: neither content nor a usable URL (or a malformed `data:` URL);
 * - `unreachable`: the download failed or timed out;
 * - `http_status`: the server answered something other than 200 (after redirects);
 * - `redirect`: too many redirects, a loop, a redirect without `Location`, or one to a scheme other than http(s);
 * - `too_large`: larger than allowed (by `Content-Length`, or while reading).
 */
export type AttachmentLoadReason = 'no_bytes' | 'unreachable' | 'http_status' | 'redirect' | 'too_large';

/** An outgoing attachment whose bytes could not be loaded. */
export class AttachmentLoadError extends WeComChannelError {
  override readonly name = 'AttachmentLoadError' as const;
  readonly code = 'attachment_unreadable' as const;

  constructor(
    readonly reason: AttachmentLoadReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  override get final(): boolean {
    return true;
  }
}

export interface LoadOptions {
  /** Larger files are refused while downloading; WeCom's largest kind is 20 MB. */
  readonly maxBytes: number;
  /** For the whole download, redirects included. */
  readonly timeoutMs: number;
  /** Redirects followed before giving up. Default {@link MAX_REDIRECTS}. */
  readonly maxRedirects?: number;
}

/** Enough for the usual http→https and CDN hops; more is most likely a loop. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * The bytes of an outgoing attachment: a Buffer or base64 `content`, a `data:` URL, or an http(s)
 * URL fetched with a size cap and a timeout, following at most {@link MAX_REDIRECTS} redirects to
 * http(s) URLs.
 *
 * @throws AttachmentLoadError (`reason` says why) when the bytes cannot be had.
 */
export async function loadAttachmentBytes(attachment: OutboundAttachment, options: LoadOptions): Promise<Buffer> {
  const { content, contentUrl } = attachment;
  if (Buffer.isBuffer(content)) return content;
  if (content instanceof Uint8Array) return Buffer.from(content);
  if (contentUrl?.startsWith('data:')) return fromDataUrl(contentUrl);
  if (contentUrl && /^https?:\/\//i.test(contentUrl)) return download(contentUrl, options);
  if (typeof content === 'string' && /^[A-Za-z0-9+/=\s]+$/.test(content)) return Buffer.from(content, 'base64');
  throw new AttachmentLoadError('no_bytes', `attachment "${attachment.name ?? ''}" has no bytes: give content (Buffer or base64), a data: URL or an http(s) contentUrl`);
}

function fromDataUrl(url: string): Buffer {
  const comma = url.indexOf(',');
  if (comma < 0) throw new AttachmentLoadError('no_bytes', 'malformed data: URL (no comma)');
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  return meta.endsWith(';base64') ? Buffer.from(data, 'base64') : Buffer.from(decodeURIComponent(data), 'utf8');
}

/** Errors name the host only: a signed URL's path or query may hold a credential. */
async function download(url: string, options: LoadOptions): Promise<Buffer> {
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const visited: string[] = [];
  let current = new URL(url);
  for (;;) {
    visited.push(current.href);
    let res;
    try {
      res = await request(current, { signal });
    } catch (cause) {
      throw new AttachmentLoadError('unreachable', `could not download the attachment from ${current.host} (${errorKind(cause)})`, { cause });
    }
    if (REDIRECT_STATUSES.has(res.statusCode)) {
      await res.body.dump();
      current = nextHop(current, res.headers.location, visited, maxRedirects);
      continue;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new AttachmentLoadError('http_status', `downloading the attachment from ${current.host} answered HTTP ${res.statusCode}`);
    }
    return readAttachment(res.body, Number(res.headers['content-length']), current.host, options.maxBytes);
  }
}

/** Where a redirect leads, if we may follow it. */
function nextHop(from: URL, location: string | string[] | undefined, visited: readonly string[], maxRedirects: number): URL {
  const target = Array.isArray(location) ? location[0] : location;
  if (target === undefined || target === '') throw new AttachmentLoadError('redirect', `${from.host} answered a redirect without a Location`);
  let next: URL;
  try {
    next = new URL(target, from);
  } catch (cause) {
    throw new AttachmentLoadError('redirect', `${from.host} redirected to an invalid URL`, { cause });
  }
  // file:, data:, ftp: and the like could read local files or bypass the size cap.
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new AttachmentLoadError('redirect', `${from.host} redirected to a ${next.protocol} URL; only http(s) is followed`);
  }
  if (visited.includes(next.href)) throw new AttachmentLoadError('redirect', `${from.host} redirected in a loop`);
  if (visited.length > maxRedirects) throw new AttachmentLoadError('redirect', `more than ${maxRedirects} redirects downloading the attachment`);
  return next;
}

async function readAttachment(body: ByteStream, declaredLength: number, host: string, maxBytes: number): Promise<Buffer> {
  if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
    // Refused before reading a byte of the body: the header already says it is too big.
    body.destroy();
    throw new AttachmentLoadError('too_large', `the attachment from ${host} is ${declaredLength} bytes by its Content-Length, more than ${maxBytes}`);
  }
  let bytes: Buffer | undefined;
  try {
    bytes = await readCapped(body, undefined, maxBytes);
  } catch (e) {
    throw new AttachmentLoadError('unreachable', `the download from ${host} broke off (${errorKind(e)})`, { cause: e });
  }
  if (!bytes) throw new AttachmentLoadError('too_large', `the attachment from ${host} is larger than ${maxBytes} bytes`);
  return bytes;
}

/** `ECONNREFUSED`, `TimeoutError`…: says what went wrong without the cause's message, which may quote the URL. */
function errorKind(e: unknown): string {
  if (!(e instanceof Error)) return 'unknown error';
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : e.name;
}
