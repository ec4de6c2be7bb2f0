import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../common';
import { StoreLockedError } from './errors';

/** What `store.owner` says about the holder: for the refusal's message only, never a reason to refuse. */
interface OwnerInfo {
  pid: number;
  host: string;
  startedAt: string;
}

/** The file the OS lock is held on. It stays empty and is never deleted (see below). */
export const LOCK_FILE = 'store.lock';
/** Who holds the lock, for the message a refused process prints. Removed at close. */
export const OWNER_FILE = 'store.owner';

/**
 * Makes the embedded store single-process with an OS lock that dies with its process: SQLite
 * (better-sqlite3) opens `DATA_DIR/store.lock` in exclusive locking mode and keeps a write
 * transaction open, so the kernel holds an `fcntl` lock on the file until `release()` or the
 * process's death, SIGKILL included. Nothing is ever written to the file.
 *
 * - A lock held by a live process (this one included: SQLite tracks its own connections) refuses
 *   with {@link StoreLockedError} at once.
 * - After a crash or SIGKILL the kernel has already released it: a restart takes it at once, with
 *   the same pid (PID 1 in a container) or on another host sharing the volume.
 *
 * Rules that keep the lock sound: the file is never deleted (a process waiting on the old inode and
 * one creating a new file would both "hold" it), and this process never opens it other than through
 * SQLite (POSIX drops a process's `fcntl` locks when it closes any descriptor of the file).
 *
 * @example
 * const lock = DataDirLock.acquire('./data', logger); // throws StoreLockedError when in use
 * // ...
 * lock.release();
 */
export class DataDirLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    private readonly db: Database.Database,
    private readonly ownerFile: string,
  ) {
    // A normal exit without close() removes the owner note; the kernel drops the lock itself.
    process.once('exit', this.onExit);
  }

  static acquire(dataDir: string, logger: Logger): DataDirLock {
    const file = path.join(dataDir, LOCK_FILE);
    const ownerFile = path.join(dataDir, OWNER_FILE);
    const db = lockOrRefuse(file, dataDir, ownerFile, logger);
    const owner: OwnerInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
    try {
      fs.writeFileSync(ownerFile, JSON.stringify(owner) + '\n');
    } catch (e) {
      db.close(); // a DATA_DIR we cannot write to: do not keep it locked for nothing
      throw e;
    }
    return new DataDirLock(db, ownerFile);
  }

  /** The files a `fresh` wipe must leave alone. */
  static files(dataDir: string): string[] {
    return [path.join(dataDir, LOCK_FILE), path.join(dataDir, OWNER_FILE)];
  }

  /** Drops the OS lock and the owner note. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    fs.rmSync(this.ownerFile, { force: true });
    this.db.close();
  }
}

function lockOrRefuse(file: string, dataDir: string, ownerFile: string, logger: Logger): Database.Database {
  // Two rounds: the second runs after clearing an older version's lock file (JSON, not a database).
  for (let round = 0; ; round += 1) {
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: 0 }); // never wait: a held lock is an answer
      db.pragma('journal_mode = MEMORY'); // no -journal file next to it
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE'); // takes the lock now; never committed, so kept until close
      return db;
    } catch (e) {
      db?.close();
      const code = (e as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        const holder = readOwner(ownerFile);
        throw new StoreLockedError(dataDir, holder?.pid, holder && holder.host !== os.hostname() ? holder.host : undefined);
      }
      if (code === 'SQLITE_NOTADB' && round === 0) {
        // Versions before the OS lock wrote `{pid, host}` into store.lock: a leftover from one of
        // them is not a lock any more. This version keeps the file empty.
        logger.warn({ lockFile: file }, 'embedded store: emptying a lock file left by an older version');
        fs.truncateSync(file, 0);
        continue;
      }
      throw e;
    }
  }
}

function readOwner(file: string): OwnerInfo | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed !== null && typeof parsed === 'object') {
      const { pid, host, startedAt } = parsed as Record<string, unknown>;
      if (Number.isInteger(pid) && typeof host === 'string') return { pid: pid as number, host, startedAt: String(startedAt) };
    }
  } catch {
    // missing (the holder is starting or stopping) or half-written: the message just says "another process"
  }
  return undefined;
}
