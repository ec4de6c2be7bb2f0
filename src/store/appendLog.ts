import fs from 'node:fs';

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * The append side of one datafile, kept open between writes. nedb's own append opened, wrote and
 * closed the file for every operation (three calls through the thread pool, the biggest single
 * cost of a store write); this keeps the descriptor and writes with one system call.
 *
 * Group commit: every line appended in the same tick goes out in one write. Each caller's promise
 * resolves once its bytes are written, so durability is as before: in the OS page cache before the
 * operation resolves (a SIGKILL loses nothing; there is no fsync, so a power cut may).
 *
 * Writes go where the path points *now*, as with open-append-close: the file is checked (one stat)
 * before each write and reopened when it is another file than the one held — nedb's compaction
 * replaces it by rename, and an operator may move it aside or replace it. A failed write rejects
 * every caller of that write with the system error (its `code` and `syscall` kept) and drops the
 * descriptor, so the next write opens the path again.
 *
 * @example
 * const log = new AppendLog('/data/kf_inbox.db', 0o644);
 * await log.append('{"_id":"a"}\n'); // written (one write for everything appended this tick)
 * log.close();
 */
export class AppendLog {
  private fd: number | undefined;
  private held: { dev: number; ino: number } | undefined;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;

  constructor(
    readonly file: string,
    private readonly mode: number,
  ) {}

  /** Appends `text` (whole lines); resolves once it is written. */
  append(text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push(text);
      this.waiters.push({ resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // A microtask, not a timer: a lone write is not delayed by a turn of the event loop.
      queueMicrotask(() => this.flush());
    });
  }

  /** Writes whatever is queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    try {
      this.write(Buffer.from(text, 'utf8'));
    } catch (e) {
      this.closeFd();
      for (const w of waiters) w.reject(e);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  /** Writes what is queued and lets the descriptor go; the next append opens the file again. */
  close(): void {
    this.flush();
    this.closeFd();
  }

  private write(bytes: Buffer): void {
    const fd = this.open();
    // Synchronous: a page-cache write takes microseconds, less than a hop through the thread pool costs.
    for (let offset = 0; offset < bytes.length;) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
  }

  private open(): number {
    const now = fs.statSync(this.file, { throwIfNoEntry: false });
    if (this.fd !== undefined && now && now.ino === this.held?.ino && now.dev === this.held.dev) return this.fd;
    this.closeFd();
    const fd = fs.openSync(this.file, 'a', this.mode);
    try {
      const { dev, ino } = fs.fstatSync(fd);
      this.held = { dev, ino };
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    this.fd = fd;
    return fd;
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.held = undefined;
    try {
      fs.closeSync(fd);
    } catch {
      // Nothing is lost: every write on it has completed or was already reported to its caller.
    }
  }
}
