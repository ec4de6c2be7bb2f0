import { cfbStreamNames } from '../../src/middleware/cfbStreams';
import { detectMedia } from '../../src/middleware/detectMedia';
import { buildCfb } from '../../bench/middleware/fixtures/cfbBuilder';
import { makeMedia, minimalSize, type FixtureType } from '../../bench/middleware/fixtures/mediaFiles';

describe('detectMedia reads the real type from the bytes', () => {
  const expected: [FixtureType, string, string][] = [
    ['jpg', 'jpg', 'image/jpeg'],
    ['png', 'png', 'image/png'],
    ['mp4', 'mp4', 'video/mp4'],
    ['amr', 'amr', 'audio/amr'],
    ['pdf', 'pdf', 'application/pdf'],
    ['doc', 'doc', 'application/msword'],
    ['xls', 'xls', 'application/vnd.ms-excel'],
    ['docx', 'docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['xlsx', 'xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['exe', 'exe', 'application/x-msdownload'],
    ['elf', 'elf', 'application/x-elf'],
    ['zip', 'zip', 'application/zip'],
  ];

  it.each(expected)('%s at its minimal size', async (fixture, type, mime) => {
    await expect(detectMedia(makeMedia(fixture, minimalSize(fixture)))).resolves.toEqual({ type, mime });
  });

  it.each(expected)('%s padded to 64 KiB', async (fixture, type) => {
    await expect(detectMedia(makeMedia(fixture, 65_536))).resolves.toMatchObject({ type });
  });

  it('tells DOC from XLS by the CFB stream names (file-type says cfb for both)', async () => {
    await expect(detectMedia(buildCfb(['WordDocument', '1Table']))).resolves.toMatchObject({ type: 'doc' });
    await expect(detectMedia(buildCfb(['Workbook']))).resolves.toMatchObject({ type: 'xls' });
    await expect(detectMedia(buildCfb(['Book']))).resolves.toMatchObject({ type: 'xls' }); // Excel 5/95
    await expect(detectMedia(buildCfb(['PowerPoint Document']))).resolves.toMatchObject({ type: 'ppt' });
    await expect(detectMedia(buildCfb(['EncryptedPackage']))).resolves.toMatchObject({ type: 'encrypted-ooxml' });
    await expect(detectMedia(buildCfb(['Contents']))).resolves.toMatchObject({ type: 'cfb' });
  });

  it('does not take a stream name written in the document body for a directory entry', async () => {
    const body = Buffer.from('WordDocument', 'utf16le');
    const file = Buffer.concat([buildCfb(['Workbook']), body]);
    await expect(detectMedia(file)).resolves.toMatchObject({ type: 'xls' });
  });

  it('leaves a malformed CFB as cfb instead of guessing', async () => {
    const bareHeader = buildCfb(['WordDocument']).subarray(0, 512);
    await expect(detectMedia(bareHeader)).resolves.toMatchObject({ type: 'cfb' });
    const looping = Buffer.from(buildCfb(['WordDocument']));
    looping.writeUInt32LE(1, 512 + 4); // the directory sector's FAT entry points at itself
    expect(cfbStreamNames(looping)).toBeUndefined();
    await expect(detectMedia(looping)).resolves.toMatchObject({ type: 'cfb' });
  });

  it('knows AMR from its 6-byte header, and keeps AMR-WB and SILK apart', async () => {
    await expect(detectMedia(Buffer.from('#!AMR\n'))).resolves.toEqual({ type: 'amr', mime: 'audio/amr' });
    await expect(detectMedia(Buffer.from('#!AMR-WB\n\0\0'))).resolves.toMatchObject({ type: 'amr-wb' });
    await expect(detectMedia(Buffer.from('\x02#!SILK_V3\0\0', 'latin1'))).resolves.toMatchObject({ type: 'silk' });
  });

  it('returns undefined for bytes of no known type', async () => {
    await expect(detectMedia(Buffer.from('just some plain words, nothing more'))).resolves.toBeUndefined();
    await expect(detectMedia(Buffer.alloc(0))).resolves.toBeUndefined();
  });
});
