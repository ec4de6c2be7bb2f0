import type { Attachment } from 'botbuilder';
import { WeComContentTypes, type RejectedAttachmentContent } from '../adapter/toActivity';
import { detectMedia } from './detectMedia';
import { judgeMedia, type MediaKind, type MediaVerdict } from './mediaRules';

/** What a rejected incoming attachment's `content` holds (`limit` as in {@link MediaRejectedError}). */
export type RejectedMediaContent = RejectedAttachmentContent & Pick<Extract<MediaVerdict, { ok: false }>, 'reason' | 'limit'>;

/** An incoming attachment after the check: the original (with its real content type) or its rejection. */
export type CheckedAttachment =
  | { readonly ok: true; readonly attachment: Attachment }
  | { readonly ok: false; readonly attachment: Attachment & { content: RejectedMediaContent }; readonly verdict: Extract<MediaVerdict, { ok: false }> };

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
export async function checkInboundAttachment(attachment: Attachment, kindHint?: MediaKind): Promise<CheckedAttachment> {
  const bytes = attachment.contentUrl ? decodeDataUrl(attachment.contentUrl) : undefined;
  if (bytes === undefined) return { ok: true, attachment };
  const detected = bytes === null ? undefined : await detectMedia(bytes);
  const verdict = judgeMedia(detected?.type, bytes?.length ?? 0, kindHint);
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
