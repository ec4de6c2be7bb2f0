import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../common';
import { StoreLockedError } from './errors';

interface LockContent {
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * Makes the embedded store single-process: a lock file `DATA_DIR/store.lock` holding the owner's pid,
 * created with `O_EXCL` so that two processes cannot both create it.
 *
 * - A lock whose pid is alive refuses with {@link StoreLockedError} (the same pid too: one process
 *   must open a `DATA_DIR` once and share the store).
 * - A lock whose pid is dead (the process was SIGKILLed or crashed) is taken over, with a warning.
 * - A lock from another host (a `DATA_DIR` on a shared disk) cannot be checked and refuses.
 *
 * Known limits: if the dead owner's pid has been reused by an unrelated process, the lock looks
 * alive (delete the file by hand); two processes taking over the same stale lock in the same
 * millisecond could both succeed. Both need a misconfiguration first (two instances on one
 * `DATA_DIR`), which is what the lock reports.
 *
 * @example
 * const lock = DataDirLock.acquire('./data', logger); // throws StoreLockedError when in use
 * // ...
 * lock.release();
 */
export class DataDirLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(readonly file: string) {
    // A normal exit without close() removes the lock too; SIGKILL cannot, hence the pid check.
    process.once('exit', this.onExit);
  }

  static acquire(dataDir: string, logger: Logger): DataDirLock {
    const file = path.join(dataDir, 'store.lock');
    // Two rounds: the second runs after removing a stale lock, and fails like any other if a
    // third process got in first.
    for (let round = 0; round < 2; round += 1) {
      if (tryCreate(file)) return new DataDirLock(file);
      const holder = readLock(file);
      if (holder === 'missing') continue;
      if (holder !== 'unreadable') {
        if (holder.host !== os.hostname()) throw new StoreLockedError(dataDir, holder.pid, holder.host);
        if (holder.pid === process.pid || isAlive(holder.pid)) throw new StoreLockedError(dataDir, holder.pid, undefined);
      }
      logger.warn(
        { lockFile: file, stalePid: holder === 'unreadable' ? undefined : holder.pid },
        'embedded store: taking over a lock left by a process that is no longer running',
      );
      fs.rmSync(file, { force: true });
    }
    throw new StoreLockedError(dataDir, undefined, undefined);
  }

  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    const holder = readLock(this.file);
    if (holder !== 'missing' && holder !== 'unreadable' && holder.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    const content: LockContent = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
    fs.writeSync(fd, JSON.stringify(content) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function readLock(file: string): LockContent | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') {
      const { pid, host, startedAt } = parsed as Record<string, unknown>;
      if (Number.isInteger(pid) && typeof host === 'string') return { pid: pid as number, host, startedAt: String(startedAt) };
    }
  } catch {
    // fall through: a lock we cannot read was left half-written by a process killed while creating it
  }
  return 'unreadable';
}

/** `kill(pid, 0)` delivers nothing; it only says whether the process exists (EPERM: it does, as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
