import { request } from 'undici';
import { WeComChannelError } from '../common/errors';
import type { OutboundAttachment } from './fromActivity';

/** An outgoing attachment whose bytes could not be loaded. */
export class AttachmentLoadError extends WeComChannelError {
  override readonly name = 'AttachmentLoadError' as const;
  readonly code = 'attachment_unreadable' as const;

  override get final(): boolean {
    return true;
  }
}

export interface LoadOptions {
  /** Larger files are refused while downloading; WeCom's largest kind is 20 MB. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/**
 * The bytes of an outgoing attachment: a Buffer or base64 `content`, a `data:` URL, or an http(s)
 * URL fetched with a size cap and a timeout.
 */
export async function loadAttachmentBytes(attachment: OutboundAttachment, options: LoadOptions): Promise<Buffer> {
  const { content, contentUrl } = attachment;
  if (Buffer.isBuffer(content)) return content;
  if (content instanceof Uint8Array) return Buffer.from(content);
  if (contentUrl?.startsWith('data:')) return fromDataUrl(contentUrl);
  if (contentUrl && /^https?:\/\//i.test(contentUrl)) return download(contentUrl, options);
  if (typeof content === 'string' && /^[A-Za-z0-9+/=\s]+$/.test(content)) return Buffer.from(content, 'base64');
  throw new AttachmentLoadError(`attachment "${attachment.name ?? ''}" has no bytes: give content (Buffer or base64), a data: URL or an http(s) contentUrl`);
}

function fromDataUrl(url: string): Buffer {
  const comma = url.indexOf(',');
  if (comma < 0) throw new AttachmentLoadError('malformed data: URL (no comma)');
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  return meta.endsWith(';base64') ? Buffer.from(data, 'base64') : Buffer.from(decodeURIComponent(data), 'utf8');
}

async function download(url: string, options: LoadOptions): Promise<Buffer> {
  let res;
  try {
    res = await request(url, { signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (cause) {
    throw new AttachmentLoadError(`could not download the attachment from ${new URL(url).host}`, { cause });
  }
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new AttachmentLoadError(`downloading the attachment answered HTTP ${res.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > options.maxBytes) {
      res.body.destroy();
      throw new AttachmentLoadError(`the attachment is larger than ${options.maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
