import path from 'node:path';
import type { MediaDecision, OutboundMedia } from '../adapter/sendHooks';
import { detectMedia } from './detectMedia';
import { MediaRejectedError } from './mediaRejectedError';
import { judgeMedia, type MediaKind } from './mediaRules';

/**
 * Decides how outgoing bytes go to WeCom, from the bytes alone: the upload type (`image`, `voice`,
 * `video`, `file`), the content type, and a file name whose extension matches the content (the
 * customer's phone opens a file by its name, so `report.jpg` holding a DOCX goes as `report.docx`).
 * What the bot asked for (`requestedType`, `declaredContentType`) is not trusted: a DOCX requested
 * as an image is sent as a file. Breaches throw {@link MediaRejectedError} before anything is uploaded.
 *
 * @example
 * await checkOutboundMedia({ bytes: docx, name: 'report.jpg', requestedType: 'image' })
 * // { mediaType: 'file', contentType: 'application/vnd.openxmlformats-…document', filename: 'report.docx' }
 */
export async function checkOutboundMedia(media: OutboundMedia): Promise<MediaDecision> {
  const detected = await detectMedia(media.bytes);
  const hint: MediaKind | undefined = media.requestedType === 'auto' ? undefined : media.requestedType;
  const verdict = judgeMedia(detected?.type, media.bytes.length, hint);
  if (!verdict.ok) throw new MediaRejectedError('outbound', verdict, media.name);
  return { mediaType: verdict.kind, contentType: verdict.contentType, filename: filenameFor(media.name, verdict.kind, verdict.type) };
}

/** Extensions a name may already carry for a detected type (`photo.jpeg` stays `photo.jpeg`). */
const EXTENSION_ALIASES: Readonly<Record<string, readonly string[]>> = { jpg: ['jpg', 'jpeg'] };

/** The sender's name without any directory part, with the extension the bytes call for. */
export function filenameFor(name: string | undefined, kind: MediaKind, type: string): string {
  const base = name ? path.posix.basename(name.replace(/\\/g, '/')) : '';
  const ext = path.posix.extname(base);
  const current = ext.slice(1).toLowerCase();
  if (base && (EXTENSION_ALIASES[type] ?? [type]).includes(current)) return base;
  const stem = base.slice(0, base.length - ext.length) || kind;
  return `${stem}.${type}`;
}
