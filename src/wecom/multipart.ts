import { randomBytes } from 'node:crypto';

/** A multipart/form-data body with its content type. */
export interface MultipartBody {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * The one-part multipart body of `media/upload`. Written by hand because WeCom documents a
 * `filelength` parameter in the part's Content-Disposition, which FormData implementations cannot
 * add. The filename (shown to the customer) goes as UTF-8, as WeCom's own SDKs send it.
 *
 * @example
 * const { body, contentType } = mediaUploadBody(bytes, '发票.pdf', 'application/pdf');
 */
export function mediaUploadBody(bytes: Uint8Array, filename: string, contentType = 'application/octet-stream'): MultipartBody {
  const boundary = `----wecom${randomBytes(12).toString('hex')}`;
  const safeName = filename.replace(/["\r\n\\]/g, '_');
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="media"; filename="${safeName}"; filelength=${bytes.length}\r\n` +
    `Content-Type: ${contentType.replace(/[\r\n]/g, '')}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head, 'utf8'), bytes, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
