import { loadFileType } from '../common/fileType';
import type { KfMessage } from '../wecom/kfMessages';
import type { WeComClient } from '../wecom/client';
import { MediaTooLargeError } from '../wecom/errors';
import { isChannelError } from '../common/errors';
import { isTransient } from './pipelineErrors';
import type { InboundMedia, MediaKind } from './toActivity';

const mediaKinds: ReadonlySet<string> = new Set(['image', 'voice', 'video', 'file']);

/** The media id and kind of an image/voice/video/file message, else undefined. */
export function mediaOf(msg: KfMessage): { kind: MediaKind; mediaId: string } | undefined {
  if (!mediaKinds.has(msg.msgtype)) return undefined;
  const payload = (msg as unknown as Record<string, { media_id?: unknown } | undefined>)[msg.msgtype];
  return typeof payload?.media_id === 'string' ? { kind: msg.msgtype as MediaKind, mediaId: payload.media_id } : undefined;
}

const fallbackNames: Readonly<Record<MediaKind, string>> = { image: 'image', voice: 'voice', video: 'video', file: 'file' };

/** How inbound downloads are bounded. */
export interface InboundMediaLimits {
  /** Largest file per kind; larger ones are refused without being downloaded whole. */
  readonly maxBytes: Readonly<Record<MediaKind, number>>;
}

/**
 * Downloads an inbound attachment with `media/get` and labels it by its real bytes, so the bot gets
 * a `data:` URL it can read without WeCom credentials. A file over its kind's limit is refused from
 * its `Content-Length`, or cut off as soon as it passes the limit, and becomes a `too-large`
 * rejection (the media rules' own); a download WeCom refuses (expired media, 40007) becomes a
 * rejected attachment with the reason. Either way the message still reaches the bot. A transient
 * failure throws, and the turn is retried.
 */
export async function resolveInboundMedia(client: WeComClient, media: { kind: MediaKind; mediaId: string }, limits: InboundMediaLimits): Promise<InboundMedia> {
  const limit = limits.maxBytes[media.kind];
  try {
    const file = await client.getMedia(media.mediaId, { maxBytes: limit });
    const detected = await (await loadFileType())(file.bytes);
    const contentType = detected?.mime ?? file.contentType ?? 'application/octet-stream';
    // An empty filename would be an empty attachment name, which the Agents SDK's validation refuses.
    const name = file.filename || (detected ? `${fallbackNames[media.kind]}.${detected.ext}` : fallbackNames[media.kind]);
    return { status: 'ok', contentType, name, size: file.bytes.length, contentUrl: dataUrl(contentType, file.bytes) };
  } catch (e) {
    if (e instanceof MediaTooLargeError) return { status: 'rejected', reason: 'too-large', size: e.size, limit: e.limit };
    if (isTransient(e)) throw e; // WeCom or the network hiccuped: retry the turn rather than lose the file
    const reason = isChannelError(e) ? `download failed: ${e.message}` : 'download failed';
    return { status: 'rejected', reason };
  }
}

/** Bytes base64-encoded per step: a multiple of 3, so the pieces join without padding. */
const ENCODE_STEP = 3 * 256 * 1024;

/**
 * A flat `data:` URL, encoded piece by piece into one buffer and read back once: no whole-file
 * base64 string besides the URL itself, and no rope for V8 to copy again when it is first read.
 */
function dataUrl(contentType: string, bytes: Buffer): string {
  const prefix = `data:${contentType};base64,`;
  const out = Buffer.allocUnsafe(prefix.length + Math.ceil(bytes.length / 3) * 4);
  let at = out.write(prefix, 0, 'latin1');
  for (let i = 0; i < bytes.length; i += ENCODE_STEP) at += out.write(bytes.subarray(i, i + ENCODE_STEP).toString('base64'), at, 'latin1');
  return out.toString('latin1', 0, at);
}
