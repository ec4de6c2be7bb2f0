import { crc32, deflateSync } from 'node:zlib';

let cached: Buffer | undefined;

/**
 * The avatar of a CSA this app creates (`kf/account/add` needs one): a 128×128 PNG, one calm blue,
 * built here so no asset file has to ship. WeCom accepts JPG and PNG for images.
 */
export function defaultAvatarPng(): Buffer {
  cached ??= solidPng(128, 128, [0x1f, 0x6f, 0xeb]);
  return cached;
}

function solidPng(width: number, height: number, [r, g, b]: readonly [number, number, number]): Buffer {
  const row = Buffer.alloc(1 + width * 3); // filter byte 0, then RGB
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}
