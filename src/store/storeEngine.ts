import fs from 'node:fs';
import path from 'node:path';
import { SQLITE_FILE } from './sqliteFile';

/** The embedded store's engines (`STORE_ENGINE`). */
export const storeEngines = ['sqlite', 'nedb'] as const;
export type StoreEngine = (typeof storeEngines)[number];

/**
 * The engine a new `DATA_DIR` gets when `STORE_ENGINE` is not set. Still nedb: the SQLite engine
 * costs less CPU per operation (bench/store), but it answers a failing pull faster, so during a
 * WeCom outage more callbacks find no pull running and each starts one; every failure grows the
 * pull back-off, and test/adapter/e2e/pullRetry.test.ts then misses its 5 s window. Flip this once
 * a callback during back-off no longer pulls (src/adapter/inboundPipeline.ts `notify`).
 */
export const DEFAULT_STORE_ENGINE: StoreEngine = 'nedb';

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
