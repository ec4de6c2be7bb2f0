import { WeComContentTypes, type RejectedAttachmentContent } from '../adapter/toActivity';
import type { CoreAttachment } from '../core';
import { detectMedia } from './detectMedia';
import { judgeMedia, type MediaKind, type MediaVerdict } from './mediaRules';

/** What a rejected incoming attachment's `content` holds (`limit` as in {@link MediaRejectedError}). */
export type RejectedMediaContent = RejectedAttachmentContent & Pick<Extract<MediaVerdict, { ok: false }>, 'reason' | 'limit'>;

/** An incoming attachment after the check: the original (with its real content type) or its rejection. */
export type CheckedAttachment =
  | { readonly ok: true; readonly attachment: CoreAttachment }
  | { readonly ok: false; readonly attachment: CoreAttachment & { content: RejectedMediaContent }; readonly verdict: Extract<MediaVerdict, { ok: false }> };

/**
 * Checks one incoming attachment whose bytes the adapter inlined as a `data:` URL. Anything else
 * (a link, a pending `application/vnd.wecom.media`) is returned as it is. A breach becomes an
 * `application/vnd.wecom.rejected-attachment` with the reason, so the bot can tell the customer;
 * an accepted file gets the content type its bytes show.
 *
 * @example
 * await checkInboundAttachment({ contentType: 'image/png', contentUrl: 'data:image/png;base64,TVqQ…', name: 'cat.png' }, 'image')
 * // { ok: false, attachment: { contentType: 'application/vnd.wecom.rejected-attachment', name: 'cat.png',
 * //   content: { reason: 'executable', kind: 'image', detectedType: 'exe', size: 4096 } }, … }
 */
export async function checkInboundAttachment(attachment: CoreAttachment, kindHint?: MediaKind): Promise<CheckedAttachment> {
  const url = attachment.contentUrl;
  if (!url?.startsWith('data:')) return { ok: true, attachment };
  const { detected, size } = await inspectDataUrl(url);
  const verdict = judgeMedia(detected?.type, size, kindHint);
  if (verdict.ok) return { ok: true, attachment: { ...attachment, contentType: verdict.contentType } };
  const content: RejectedMediaContent = {
    reason: verdict.reason,
    // The kind is what the customer sent when the bytes say nothing; `file` is the honest fallback.
    kind: verdict.kind ?? 'file',
    detectedType: verdict.detectedType,
    size: verdict.size,
    limit: verdict.limit,
  };
  return { ok: false, verdict, attachment: { contentType: WeComContentTypes.rejected, name: attachment.name, content } };
}

/** Base64 characters decoded first: 48 KiB of file, far more than any signature needs. */
const HEAD_CHARS = 64 * 1024;

const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/** Types whose signature can lie anywhere in the file (zip entries, OLE directories): read whole. */
const CONTAINERS: ReadonlySet<string> = new Set(['zip', 'cfb', 'docx', 'xlsx', 'pptx', 'jar', 'apk', 'epub', 'xpi']);

/**
 * The real type and size of a `data:` URL's bytes. A base64 URL is measured without decoding and
 * only its head is decoded, unless the head says container or nothing: a 20 MB image is not held a
 * second time while it is judged.
 */
async function inspectDataUrl(url: string): Promise<{ detected: Awaited<ReturnType<typeof detectMedia>>; size: number }> {
  const comma = url.indexOf(',');
  if (comma >= 0 && /;base64$/i.test(url.slice(5, comma)) && url.length - comma - 1 > HEAD_CHARS) {
    const data = url.slice(comma + 1);
    const fromHead = await detectMedia(Buffer.from(data.slice(0, HEAD_CHARS), 'base64'));
    // The length tells the size only for strict base64 (no line breaks): a scan is cheaper than a decode.
    if (fromHead && !CONTAINERS.has(fromHead.type) && !NOT_BASE64.test(data)) return { detected: fromHead, size: Buffer.byteLength(data, 'base64') };
  }
  const bytes = decodeDataUrl(url);
  return { detected: bytes ? await detectMedia(bytes) : undefined, size: bytes?.length ?? 0 };
}

/**
 * The bytes of a `data:` URL; `undefined` when the URL is not a data URL (nothing to check here),
 * `null` when it is one but cannot be decoded (checked as zero bytes: refused as too small).
 */
export function decodeDataUrl(url: string): Buffer | null | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  if (/;base64$/i.test(meta)) return Buffer.from(data, 'base64');
  // Percent-encoded bytes (RFC 2397); decodeURIComponent would read them as UTF-8 text instead.
  return Buffer.from(data.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}
