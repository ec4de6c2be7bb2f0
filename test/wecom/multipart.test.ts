import busboy from 'busboy';
import { mediaUploadBody } from '../../src/wecom';

describe('mediaUploadBody', () => {
  it('writes the media part with filename, filelength and content type, and a multipart parser reads the exact bytes back', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255, 13, 10]);
    const { body, contentType } = mediaUploadBody(bytes, '图片 "a".png', 'image/png');
    expect(body.toString('utf8')).toContain(`name="media"; filename="图片 _a_.png"; filelength=${bytes.length}\r\nContent-Type: image/png`);

    const parsed = await new Promise<{ name: string; filename: string; mime: string; data: Buffer }>((resolve, reject) => {
      const bb = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8' });
      bb.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve({ name, filename: info.filename, mime: info.mimeType, data: Buffer.concat(chunks) }));
      });
      bb.on('error', reject);
      bb.end(body);
    });
    expect(parsed).toEqual({ name: 'media', filename: '图片 _a_.png', mime: 'image/png', data: bytes });
  });
});
