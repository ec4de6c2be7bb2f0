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
 * Sets aside the lines of a datafile nedb cannot read, which it would otherwise drop silently at its
 * compaction (or refuse the file with a message that does not name it). Runs only after nedb
 * reported such lines, so a healthy file is read once, by nedb.
 *
 * - Up to {@link MAX_BAD_LINE_RATE} of the lines: appended to `<file>.bad-<time>`, then removed from
 *   the datafile, and logged at error level with their count and where they went.
 * - More: throws {@link StoreCorruptError} naming the file and what to do, and changes nothing.
 *
 * @example
 * const { badLines, badFile } = setAsideBadLines('/data/inbox.db', clock, logger);
 */
export function setAsideBadLines(file: string, clock: Clock, logger: Logger): SetAside {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
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
 * at the end, which nedb counts as corruption. A line without its newline was never acknowledged, so
 * dropping it (with a warning) loses nothing.
 */
export function dropTornTail(file: string, logger: Logger): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (text.length === 0 || text.endsWith('\n')) return;
  const keep = text.slice(0, text.lastIndexOf('\n') + 1);
  logger.warn({ filename: file, droppedBytes: Buffer.byteLength(text) - Buffer.byteLength(keep) }, 'embedded store: dropping an incomplete last line (the process stopped while writing it)');
  fs.truncateSync(file, Buffer.byteLength(keep));
}
