import type { Route } from '../core';
import { errcodes, errmsgFor, refuse } from '../errors';
import { contentDisposition, formatMatches, isMediaType, maxBytesFor, mediaSize, mediaStream, minUploadBytes, parseRange, sniffContentType, tooLargeErrcode } from '../media';
import { readMediaPart } from '../multipart';

/**
 * `POST media/upload?type=` (§10): the multipart part `media` with a filename. Checks, in order:
 * type (40004), part present (41005), filename (40058), size ≤5 B (40006), over the type's limit
 * (40009 image, 40010 voice, 40011 video, 40006 file), bytes of the declared kind (40005, switch).
 * `created_at` is a string, as in WeCom's answer.
 */
export const mediaUpload: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'multipart',
  async handle({ core, query, corpId, req, now }) {
    const type = query.get('type');
    if (!isMediaType(type)) {
      req.resume();
      refuse(errcodes.invalidMediaType, `type ${String(type)}`);
    }
    const max = maxBytesFor(type, core.switches.imageMaxBytes);
    const result = await readMediaPart(req, max);
    if (result.kind === 'malformed') refuse(errcodes.invalidParameter, `multipart: ${result.reason}`);
    if (result.kind === 'missing') refuse(errcodes.missingMedia, 'no part named media');
    if (result.kind === 'noFilename') refuse(errcodes.invalidParameter, 'the media part needs a filename');
    const { part } = result;
    const logBody = { type, filename: part.filename, contentType: part.mimeType, size: part.bytes.length, truncated: part.truncated };
    if (part.truncated) refuse(tooLargeErrcode(type), `${type} over ${max} bytes`);
    if (part.bytes.length < minUploadBytes) refuse(errcodes.invalidFileSize, 'media must be more than 5 bytes');
    if (core.switches.checkMediaFormat && !formatMatches(type, part.bytes)) refuse(errcodes.invalidFileType, `bytes are not a ${type} WeCom accepts`);
    const declared = part.mimeType && part.mimeType !== 'application/octet-stream' ? part.mimeType : undefined;
    const item = core.media.put({
      corpId,
      type,
      bytes: part.bytes,
      filename: part.filename,
      contentType: declared ?? sniffContentType(part.bytes) ?? 'application/octet-stream',
      createdAt: now,
    });
    return { json: { type, media_id: item.mediaId, created_at: String(Math.floor(now / 1000)) }, logBody };
  },
};

/**
 * `GET media/get?media_id=` (§10): the bytes with `Content-Type` and `Content-disposition`, 206 for
 * a `Range`, 416 for an unsatisfiable one; unknown or expired → JSON 40007 with `application/json`.
 */
export const mediaGet: Route = {
  verbs: ['GET'],
  auth: true,
  body: 'none',
  handle({ core, query, corpId, req, now }) {
    const mediaId = query.get('media_id');
    if (!mediaId) refuse(errcodes.invalidMediaId, 'media_id missing');
    const item = core.media.get(corpId, mediaId, now);
    if (!item) refuse(errcodes.invalidMediaId);
    const size = mediaSize(item);
    const headers: Record<string, string | number> = {
      'Content-Type': item.contentType,
      'Content-disposition': contentDisposition(item.filename),
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'no-cache, must-revalidate',
    };
    if (item.padTo !== undefined || item.chunked) {
      if (!item.chunked) headers['Content-Length'] = size;
      return { stream: { status: 200, headers, body: mediaStream(item) } };
    }
    const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
    if (range === 'unsatisfiable') {
      const body = Buffer.from(JSON.stringify({ errcode: errcodes.invalidParameter, errmsg: errmsgFor(errcodes.invalidParameter, 'range') }));
      return { raw: { status: 416, headers: { 'Content-Type': 'application/json', 'Content-Range': `bytes */${size}` }, body } };
    }
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
      return { raw: { status: 206, headers, body: item.bytes.subarray(range.start, range.end + 1) } };
    }
    item.servedBytes += size;
    return { raw: { status: 200, headers, body: item.bytes } };
  },
};
