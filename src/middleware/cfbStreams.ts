/**
 * Reads the stream names of an OLE Compound File (MS-CFB), the container of legacy Office files.
 * file-type reports every such file as `cfb`; the names say what it holds: a Word document has a
 * `WordDocument` stream, an Excel workbook a `Workbook` (Excel 97+) or `Book` (Excel 5/95) stream.
 *
 * Limits, on purpose: only the directory is read (never stream contents), names are read from the
 * directory sectors reached through the FAT, and a malformed container (bad sector size, a chain
 * that loops or points outside the bytes) yields `undefined` rather than a guess. Encrypted OOXML
 * (`EncryptedPackage`), PowerPoint and Outlook files are CFB too; they are reported by name here and
 * are not DOC or XLS.
 */

const CFB_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const HEADER_DIFAT_ENTRIES = 109;
const DIRECTORY_ENTRY_BYTES = 128;
/** Sector ids at and above this are markers (free, end of chain, FAT, DIFAT), not sectors. */
const MAX_REGULAR_SECTOR = 0xfffffffa;
const END_OF_CHAIN = 0xfffffffe;
/** Object types in a directory entry: 1 storage, 2 stream, 5 root. */
const STREAM_OBJECT = 2;

/** True when `bytes` start with the CFB signature `D0 CF 11 E0 A1 B1 1A E1`. */
export function isCfb(bytes: Uint8Array): boolean {
  return bytes.length >= CFB_SIGNATURE.length && CFB_SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * The names of the streams in a CFB container's directory, or `undefined` when the bytes are not a
 * readable CFB.
 *
 * @example
 * cfbStreamNames(docBytes) // ['WordDocument', '1Table', '\u0005SummaryInformation']
 */
export function cfbStreamNames(bytes: Uint8Array): string[] | undefined {
  if (!isCfb(bytes) || bytes.length < 512) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sectorShift = view.getUint16(0x1e, true);
  if (sectorShift !== 9 && sectorShift !== 12) return undefined; // v3 (512 B) or v4 (4096 B) only
  const sectorSize = 1 << sectorShift;
  const sectorCount = Math.max(0, Math.floor(bytes.length / sectorSize) - 1); // the header fills the first sector
  const sectorOffset = (id: number): number | undefined => {
    const offset = (id + 1) * sectorSize; // sector 0 follows the header, which fills one sector
    return id <= MAX_REGULAR_SECTOR && offset + sectorSize <= bytes.length ? offset : undefined;
  };

  const fatSectors = readFatSectorIds(view, sectorOffset, sectorSize, sectorCount);
  if (!fatSectors) return undefined;
  const nextSector = (id: number): number | undefined => {
    const perSector = sectorSize / 4;
    const fatSector = fatSectors[Math.floor(id / perSector)];
    if (fatSector === undefined) return undefined;
    const offset = sectorOffset(fatSector);
    return offset === undefined ? undefined : view.getUint32(offset + (id % perSector) * 4, true);
  };

  const names: string[] = [];
  let sector = view.getUint32(0x30, true);
  // A chain can be at most as long as the file has sectors; anything longer loops.
  for (let visited = 0; sector !== END_OF_CHAIN; visited++) {
    const offset = sectorOffset(sector);
    if (offset === undefined || visited > sectorCount) return undefined;
    for (let entry = offset; entry < offset + sectorSize; entry += DIRECTORY_ENTRY_BYTES) {
      const name = entryName(view, entry);
      if (name !== undefined && view.getUint8(entry + 0x42) === STREAM_OBJECT) names.push(name);
    }
    const next = nextSector(sector);
    if (next === undefined) return undefined;
    sector = next;
  }
  return names;
}

/** The FAT's own sector ids: the 109 in the header, then the DIFAT chain. */
function readFatSectorIds(
  view: DataView,
  sectorOffset: (id: number) => number | undefined,
  sectorSize: number,
  sectorCount: number,
): number[] | undefined {
  const fatCount = view.getUint32(0x2c, true);
  if (fatCount > sectorCount) return undefined;
  const ids: number[] = [];
  for (let i = 0; i < HEADER_DIFAT_ENTRIES && ids.length < fatCount; i++) ids.push(view.getUint32(0x4c + i * 4, true));
  let difat = view.getUint32(0x44, true);
  for (let visited = 0; ids.length < fatCount; visited++) {
    const offset = sectorOffset(difat);
    if (offset === undefined || visited > sectorCount) return undefined;
    const perSector = sectorSize / 4 - 1; // the last entry links to the next DIFAT sector
    for (let i = 0; i < perSector && ids.length < fatCount; i++) ids.push(view.getUint32(offset + i * 4, true));
    difat = view.getUint32(offset + perSector * 4, true);
  }
  return ids;
}

/** A directory entry's name (UTF-16LE, length in bytes including the terminating NUL), or undefined for an unused entry. */
function entryName(view: DataView, entry: number): string | undefined {
  const lengthBytes = view.getUint16(entry + 0x40, true);
  if (lengthBytes < 2 || lengthBytes > 64 || lengthBytes % 2 !== 0) return undefined;
  let name = '';
  for (let i = 0; i < lengthBytes - 2; i += 2) name += String.fromCharCode(view.getUint16(entry + i, true));
  return name;
}
