import fs from 'node:fs';
import { deserialize } from '@seald-io/nedb/lib/model.js';
import type { Clock, Logger } from '../common';
import { StoreCorruptError } from './errors';

/** Above this share of unreadable lines a datafile is refused, as nedb's own default does. */
export const MAX_BAD_LINE_RATE = 0.1;

/** What {@link checkDatafile} set aside. */
export interface SetAside {
  /** Unreadable lines moved out of the datafile. */
  readonly badLines: number;
  /** Where they went (`<file>.bad-<time>`), when there were any. */
  readonly badFile?: string;
}

/**
 * Readies a datafile for nedb, which would otherwise drop unreadable lines silently at its
 * compaction (or refuse the file with a message that does not name it):
 *
 * - a torn last line (no newline: the process died while appending it) was never acknowledged and
 *   is dropped with a warning;
 * - other unreadable lines, up to {@link MAX_BAD_LINE_RATE} of the file, are appended to
 *   `<file>.bad-<time>` and removed from the datafile, and logged at error level with their count;
 * - more than that throws {@link StoreCorruptError} and changes nothing.
 *
 * @example
 * const { badLines } = checkDatafile('/data/inbox.db', clock, logger);
 */
export function checkDatafile(file: string, clock: Clock, logger: Logger): SetAside {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { badLines: 0 };
    throw e;
  }
  text = dropTornTail(file, text, logger);
  const lines = text.split('\n').filter((l) => l !== '');
  const good: string[] = [];
  const bad: string[] = [];
  for (const line of lines) (isReadable(line) ? good : bad).push(line);
  if (bad.length === 0) return { badLines: 0 };
  if (bad.length / lines.length > MAX_BAD_LINE_RATE) {
    throw new StoreCorruptError(file, `${bad.length} of its ${lines.length} lines cannot be read (more than ${MAX_BAD_LINE_RATE * 100} %)`);
  }
  const badFile = `${file}.bad-${new Date(clock.now()).toISOString().replace(/[:.]/g, '-')}`;
  // Kept aside first, then removed: a crash in between leaves them in both places, never in neither.
  fs.appendFileSync(badFile, bad.join('\n') + '\n');
  const tmp = `${file}.check~`;
  fs.writeFileSync(tmp, good.length === 0 ? '' : good.join('\n') + '\n');
  fs.renameSync(tmp, file);
  logger.error(
    { file, badLines: bad.length, lines: lines.length, badFile },
    `embedded store: ${bad.length} unreadable line(s) of ${file} moved to ${badFile}; the documents they held are missing until restored`,
  );
  return { badLines: bad.length, badFile };
}

/** nedb keeps a line that parses to a document (`_id`) or an index record; anything else it drops or counts as corrupt. */
function isReadable(line: string): boolean {
  let doc: unknown;
  try {
    doc = deserialize(line);
  } catch {
    return false;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  const created = d.$$indexCreated as { fieldName?: unknown } | undefined;
  return Boolean(d._id) || (created !== undefined && created !== null && created.fieldName != null) || typeof d.$$indexRemoved === 'string';
}

/**
 * nedb appends one line per write. A process killed in the middle of an append can leave half a line
 * at the end. A line without its newline was never acknowledged, so dropping it loses nothing.
 */
function dropTornTail(file: string, text: string, logger: Logger): string {
  if (text.length === 0 || text.endsWith('\n')) return text;
  const keep = text.slice(0, text.lastIndexOf('\n') + 1);
  logger.warn({ filename: file, droppedBytes: Buffer.byteLength(text) - Buffer.byteLength(keep) }, 'embedded store: dropping an incomplete last line (the process stopped while writing it)');
  fs.truncateSync(file, Buffer.byteLength(keep));
  return keep;
}
