import { cfbStreamNames, isCfb } from './cfbStreams';
import { loadFileType } from '../common/fileType';

/** A file's real type, read from its bytes. `type` is file-type's `ext`, plus the types named below. */
export interface DetectedMedia {
  readonly type: string;
  readonly mime: string;
}

/**
 * Headers checked before file-type, for what it does not tell apart: it reports AMR-WB as `amr`
 * (WeCom's voice is narrow-band AMR) and does not know WeChat's SILK voice (`voice_format` 1).
 * Longest prefix first.
 */
const HEADERS: readonly { readonly prefix: Buffer; readonly media: DetectedMedia }[] = [
  { prefix: Buffer.from('#!AMR-WB\n', 'latin1'), media: { type: 'amr-wb', mime: 'audio/amr-wb' } },
  { prefix: Buffer.from('#!AMR\n', 'latin1'), media: { type: 'amr', mime: 'audio/amr' } },
  { prefix: Buffer.from('\x02#!SILK_V3', 'latin1'), media: { type: 'silk', mime: 'audio/silk' } },
  { prefix: Buffer.from('#!SILK_V3', 'latin1'), media: { type: 'silk', mime: 'audio/silk' } },
];

/** What a CFB container holds, by the first stream name that decides it. */
const CFB_CONTENTS: readonly { readonly streams: readonly string[]; readonly media: DetectedMedia }[] = [
  { streams: ['WordDocument'], media: { type: 'doc', mime: 'application/msword' } },
  { streams: ['Workbook', 'Book'], media: { type: 'xls', mime: 'application/vnd.ms-excel' } },
  { streams: ['PowerPoint Document'], media: { type: 'ppt', mime: 'application/vnd.ms-powerpoint' } },
  { streams: ['EncryptedPackage'], media: { type: 'encrypted-ooxml', mime: 'application/x-cfb' } },
];

/**
 * The real type of `bytes`, or `undefined` when nothing is recognised. Names and declared content
 * types are never consulted: a DOCX named `photo.jpg` is `docx`, a renamed program is `exe`/`elf`.
 *
 * Beyond file-type: `doc` / `xls` / `ppt` inside an OLE container (file-type says `cfb` for all of
 * them; see cfbStreams.ts for how far that reading goes), `amr-wb` apart from `amr`, and `silk`.
 * A CFB whose directory cannot be read stays `cfb`.
 *
 * @example
 * await detectMedia(await fs.readFile('report.xls')) // { type: 'xls', mime: 'application/vnd.ms-excel' }
 * await detectMedia(Buffer.from('#!AMR\n'))         // { type: 'amr', mime: 'audio/amr' }
 */
export async function detectMedia(bytes: Uint8Array): Promise<DetectedMedia | undefined> {
  const header = HEADERS.find((h) => startsWith(bytes, h.prefix));
  if (header) return header.media;
  if (isCfb(bytes)) return cfbContent(bytes);
  const sniff = await loadFileType();
  const found = await sniff(bytes);
  return found ? { type: found.ext, mime: found.mime } : undefined;
}

function cfbContent(bytes: Uint8Array): DetectedMedia {
  const names = cfbStreamNames(bytes);
  const match = names && CFB_CONTENTS.find((c) => c.streams.some((s) => names.includes(s)));
  return match ? match.media : { type: 'cfb', mime: 'application/x-cfb' };
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
