import fs from 'node:fs';
import path from 'node:path';
import { withTimeout } from '../common/timeout';
import { newId } from './newId';

/** How long a health probe may take before the store counts as not answering. */
export const PROBE_TIMEOUT_MS = 2000;

/** The probe file in `DATA_DIR`; written through a temporary file and a rename, as nedb compacts. */
export const PROBE_FILE = 'store.probe';

/**
 * Writes a fresh token to `DATA_DIR/store.probe` (temporary file, then rename) and reads it back.
 * Fails as a read-only, full or vanished disk fails nedb: the rename needs a writable folder,
 * which an append to an existing datafile does not, but compaction does.
 *
 * @example
 * await probeDataDir('/data'); // throws the system error (EROFS, ENOSPC, EACCES ...)
 */
export async function probeDataDir(dataDir: string): Promise<void> {
  const file = path.join(dataDir, PROBE_FILE);
  const tmp = `${file}~`;
  const token = newId();
  await fs.promises.writeFile(tmp, token);
  await fs.promises.rename(tmp, file);
  const back = await fs.promises.readFile(file, 'utf8');
  if (back !== token) throw new Error(`${file} read back something else than was written`);
}

/** A short description of a failed probe, with the system error code when there is one. */
export function describeFailure(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return typeof err?.code === 'string' && !message.includes(err.code) ? `${err.code}: ${message}` : message;
}

/**
 * Why `DATA_DIR` cannot take the embedded store's writes, or undefined when {@link probeDataDir}
 * succeeds within {@link PROBE_TIMEOUT_MS}: the reason both embedded engines' health checks give.
 *
 * @example
 * const reason = await dataDirProblem('/data'); // 'cannot write to DATA_DIR /data (EROFS: ...): check that ...'
 */
export async function dataDirProblem(dataDir: string): Promise<string | undefined> {
  try {
    await withTimeout(probeDataDir(dataDir), PROBE_TIMEOUT_MS, `DATA_DIR ${dataDir}`);
    return undefined;
  } catch (e) {
    return `cannot write to DATA_DIR ${dataDir} (${describeFailure(e)}): check that it is writable and the disk has free space`;
  }
}
