import { loadFileType } from '../common/fileType';
import type { KfMessage } from '../wecom/kfMessages';
import type { WeComClient } from '../wecom/client';
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

/**
 * Downloads an inbound attachment with `media/get` and labels it by its real bytes, so the bot gets
 * a `data:` URL it can read without WeCom credentials. A download WeCom refuses (expired media,
 * 40007) becomes a rejected attachment with the reason, so the message still reaches the bot; a
 * transient failure throws, and the turn is retried.
 */
export async function resolveInboundMedia(client: WeComClient, media: { kind: MediaKind; mediaId: string }): Promise<InboundMedia> {
  try {
    const file = await client.getMedia(media.mediaId);
    const detected = await (await loadFileType())(file.bytes);
    const contentType = detected?.mime ?? file.contentType ?? 'application/octet-stream';
    const name = file.filename ?? (detected ? `${fallbackNames[media.kind]}.${detected.ext}` : fallbackNames[media.kind]);
    return { status: 'ok', contentType, name, size: file.bytes.length, contentUrl: `data:${contentType};base64,${file.bytes.toString('base64')}` };
  } catch (e) {
    if (isTransient(e)) throw e; // WeCom or the network hiccuped: retry the turn rather than lose the file
    const reason = isChannelError(e) ? `download failed: ${e.message}` : 'download failed';
    return { status: 'rejected', reason };
  }
}
