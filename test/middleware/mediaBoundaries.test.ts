import { checkOutboundMedia } from '../../src/middleware/outboundMedia';
import { MB } from '../../src/middleware/mediaRules';
import { makeMedia, minimalSize, type FixtureType } from '../../bench/middleware/fixtures/mediaFiles';

// Every row of product.md's table, with REAL files of the exact sizes: the bytes decide.
const rows: { type: FixtureType; kind: string; max: number }[] = [
  { type: 'jpg', kind: 'image', max: 2 * MB },
  { type: 'png', kind: 'image', max: 2 * MB },
  { type: 'mp4', kind: 'video', max: 10 * MB },
  { type: 'amr', kind: 'voice', max: 2 * MB },
  { type: 'pdf', kind: 'file', max: 20 * MB },
  { type: 'doc', kind: 'file', max: 20 * MB },
  { type: 'docx', kind: 'file', max: 20 * MB },
  { type: 'xls', kind: 'file', max: 20 * MB },
  { type: 'xlsx', kind: 'file', max: 20 * MB },
];

const send = (bytes: Buffer, name?: string) => checkOutboundMedia({ bytes, name, requestedType: 'auto' });

describe.each(rows)('outgoing $type ($kind, at most $max bytes), by its real bytes', ({ type, kind, max }) => {
  it('refuses 5 bytes (the start of a real file) as too small', async () => {
    const five = makeMedia(type, 4096).subarray(0, 5);
    await expect(send(five)).rejects.toMatchObject({ code: 'media_rejected', direction: 'outbound', reason: 'too-small', size: 5, limit: 5 });
  });

  // A 6-byte PNG, MP4, DOC or DOCX cannot exist (their signatures are longer); for those the smallest
  // real file is used, and the 6-byte boundary itself is covered by mediaRules.test.ts.
  const smallest = Math.max(6, minimalSize(type));
  it(`accepts ${smallest} bytes${smallest === 6 ? '' : ' (its smallest real file)'}`, async () => {
    await expect(send(makeMedia(type, smallest))).resolves.toMatchObject({ mediaType: kind });
  });

  it('accepts exactly the limit', async () => {
    await expect(send(makeMedia(type, max), `a.${type}`)).resolves.toEqual({ mediaType: kind, contentType: expect.any(String), filename: `a.${type}` });
  });

  it('refuses one byte over the limit, before any upload', async () => {
    await expect(send(makeMedia(type, max + 1))).rejects.toMatchObject({
      code: 'media_rejected', direction: 'outbound', reason: 'too-large', kind, detectedType: type, size: max + 1, limit: max,
    });
  });
});

describe('outgoing media whose name lies', () => {
  it('refuses a renamed Windows executable', async () => {
    await expect(send(makeMedia('exe', 40_000), 'holiday.jpg')).rejects.toMatchObject({
      code: 'media_rejected', reason: 'executable', detectedType: 'exe', filename: 'holiday.jpg',
    });
  });

  it('refuses a renamed ELF binary', async () => {
    await expect(send(makeMedia('elf', 40_000), 'report.pdf')).rejects.toMatchObject({ code: 'media_rejected', reason: 'executable', detectedType: 'elf' });
  });

  it('sends a DOCX named .jpg as a file, named .docx so the customer can open it', async () => {
    const decision = await checkOutboundMedia({ bytes: makeMedia('docx', 20_000), name: 'scan.jpg', declaredContentType: 'image/jpeg', requestedType: 'image' });
    expect(decision).toEqual({
      mediaType: 'file',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      filename: 'scan.docx',
    });
  });

  it('sends a PNG named .pdf as an image', async () => {
    await expect(send(makeMedia('png', 1000), 'invoice.pdf')).resolves.toEqual({ mediaType: 'image', contentType: 'image/png', filename: 'invoice.png' });
  });

  it('keeps a name that is right, drops any directory, and names nameless media by kind', async () => {
    await expect(send(makeMedia('jpg', 1000), 'C:\\Users\\me\\photo.JPEG')).resolves.toMatchObject({ filename: 'photo.JPEG' });
    await expect(send(makeMedia('amr', 1000))).resolves.toMatchObject({ filename: 'voice.amr' });
  });

  it('refuses a plain zip as unsupported', async () => {
    await expect(send(makeMedia('zip', 4096), 'report.docx')).rejects.toMatchObject({ code: 'media_rejected', reason: 'unsupported-type', detectedType: 'zip' });
  });
});
