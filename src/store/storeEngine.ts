import fs from 'node:fs';
import path from 'node:path';
import { SQLITE_FILE } from './sqliteFile';

/** The embedded store's engines (`STORE_ENGINE`). */
export const storeEngines = ['sqlite', 'nedb'] as const;
export type StoreEngine = (typeof storeEngines)[number];

/**
 * The engine a new `DATA_DIR` gets when `STORE_ENGINE` is not set: SQLite, which costs less CPU per
 * store operation on every hot path (bench/store) and per message end to end (bench/e2e). A
 * `DATA_DIR` already written by nedb keeps nedb (see {@link detectStoreEngine}).
 */
export const DEFAULT_STORE_ENGINE: StoreEngine = 'sqlite';

/**
 * Which engine opens `dataDir`: the one whose files are already there, else `configured`, else
 * {@link DEFAULT_STORE_ENGINE}. Data already written is never left behind by a change of setting:
 * a `DATA_DIR` with nedb datafiles (`<collection>.db`) keeps opening with nedb, one with
 * `store.sqlite` with SQLite; `mismatch` says when that overrode `configured`.
 *
 * @example
 * detectStoreEngine('./data', 'sqlite'); // { engine: 'nedb', mismatch: true } for an older DATA_DIR
 */
export function detectStoreEngine(dataDir: string, configured?: StoreEngine): { engine: StoreEngine; mismatch: boolean } {
  let names: string[];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    names = []; // missing: created at open
  }
  const found: StoreEngine | undefined = names.includes(SQLITE_FILE) ? 'sqlite' : names.some(isNedbDatafile) ? 'nedb' : undefined;
  const engine = found ?? configured ?? DEFAULT_STORE_ENGINE;
  return { engine, mismatch: configured !== undefined && engine !== configured };
}

/** `<collection>.db`: an nedb datafile (its `.bad-*` set-asides and compaction temporaries are not). */
function isNedbDatafile(name: string): boolean {
  return path.extname(name) === '.db' && !name.startsWith('.');
}
