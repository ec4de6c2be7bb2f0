/**
 * Temporary media (§10): the store, WeCom's size and format rules, and HTTP Range parsing. Media
 * live 3 days on the emulator clock, per corp.
 */
import { Readable } from 'node:stream';
import { errcodes } from './errors';
import { ids } from './ids';

export type MediaType = 'image' | 'voice' | 'video' | 'file';
export const mediaTypes: readonly MediaType[] = ['image', 'voice', 'video', 'file'];
export const isMediaType = (t: unknown): t is MediaType => typeof t === 'string' && (mediaTypes as readonly string[]).includes(t);

/** §10: a media_id lives 3 days. */
export const mediaTtlMs = 3 * 24 * 3600_000;

export interface MediaItem {
  mediaId: string;
  corpId: string;
  type: MediaType;
  bytes: Buffer;
  filename: string;
  contentType: string;
  /** Emulator-clock ms. */
  createdAt: number;
  /**
   * A synthetic large file: `bytes` followed by zeros up to this many bytes, generated as it is
   * sent, so a 150 MB test file costs the emulator no memory. Range requests are not served for it.
   */
  padTo?: number;
  /** Send without `Content-Length` (chunked), as a server that does not say the size would. */
  chunked?: boolean;
  /** Bytes of this item media/get has handed to sockets so far (tests check a client stopped early). */
  servedBytes: number;
}

/** The corp's media, by id. Expired items are treated as unknown (and dropped when looked up). */
export class MediaStore {
  private readonly items = new Map<string, MediaItem>();

  put(item: Omit<MediaItem, 'mediaId' | 'servedBytes'>): MediaItem {
    const stored: MediaItem = { ...item, mediaId: ids.mediaId(), servedBytes: 0 };
    this.items.set(stored.mediaId, stored);
    return stored;
  }

  /** The live item of `corpId`, or undefined if unknown, of another corp, or older than 3 days. */
  get(corpId: string, mediaId: string, now: number): MediaItem | undefined {
    const item = this.items.get(mediaId);
    if (!item || item.corpId !== corpId) return undefined;
    if (now - item.createdAt >= mediaTtlMs) {
      this.items.delete(mediaId);
      return undefined;
    }
    return item;
  }
}

/** Upload limits in bytes (§10); the image limit is a switch. */
export function maxBytesFor(type: MediaType, imageMaxBytes: number): number {
  const mb = 1024 * 1024;
  return { image: imageMaxBytes, voice: 2 * mb, video: 10 * mb, file: 20 * mb }[type];
}

/** §10: uploads must be more than 5 bytes. */
export const minUploadBytes = 6;

/** The errcode for an upload over its type's limit (WeCom's global table: 40009/40010/40011, else 40006). */
export function tooLargeErrcode(type: MediaType): number {
  return { image: errcodes.invalidImageSize, voice: errcodes.invalidVoiceSize, video: errcodes.invalidVideoSize, file: errcodes.invalidFileSize }[type];
}

/** The content type the bytes show (PNG, JPEG, GIF, AMR, MP4), or undefined. */
export function sniffContentType(bytes: Buffer): string | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(0, 5).toString('latin1') === '#!AMR') return 'audio/amr';
  if (bytes.subarray(4, 8).toString('latin1') === 'ftyp') return 'video/mp4';
  return undefined;
}

/** Whether bytes fit the declared type: image JPG/PNG, voice AMR, video MP4, file anything (§10). */
export function formatMatches(type: MediaType, bytes: Buffer): boolean {
  const sniffed = sniffContentType(bytes);
  if (type === 'image') return sniffed === 'image/png' || sniffed === 'image/jpeg';
  if (type === 'voice') return sniffed === 'audio/amr';
  if (type === 'video') return sniffed === 'video/mp4';
  return true;
}

/** A byte range [start, end] (inclusive), 'unsatisfiable', or null for "send it all". Multiple ranges are served whole (RFC 9110 allows it). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/**
 * `Content-disposition` as WeCom sends it: the UTF-8 bytes of the name inside quotes, written as
 * latin1 so node passes them through unchanged (clients must decode them as UTF-8).
 */
export function contentDisposition(filename: string): string {
  const safe = filename.replace(/["\r\n\\]/g, '_');
  return `attachment; filename="${Buffer.from(safe, 'utf8').toString('latin1')}"`;
}

/** The size media/get reports for an item: its padded size for a synthetic file. */
export const mediaSize = (item: MediaItem): number => item.padTo ?? item.bytes.length;

/**
 * An item's bytes as a stream of 64 KiB chunks, generated on demand (zeros after `bytes` up to
 * `padTo`); each chunk read is counted in `servedBytes`.
 */
export function mediaStream(item: MediaItem): Readable {
  const size = mediaSize(item);
  const zeros = Buffer.alloc(64 * 1024);
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= size) {
        this.push(null);
        return;
      }
      const chunk = offset < item.bytes.length ? item.bytes.subarray(offset, offset + zeros.length) : zeros.subarray(0, Math.min(zeros.length, size - offset));
      offset += chunk.length;
      item.servedBytes += chunk.length;
      this.push(chunk);
    },
  });
}
