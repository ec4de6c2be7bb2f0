import Database from 'better-sqlite3';
import type { IndexSpec } from './collection';
import { StoreCorruptError, StoreFileError } from './errors';

/** The SQLite engine's database in `DATA_DIR` (plus `-wal` and `-shm` beside it while open). */
export const SQLITE_FILE = 'store.sqlite';

/** SQLite's page cache per database, KiB (`PRAGMA cache_size`). */
export const SQLITE_CACHE_KIB = 2000;

/** One pending row change: the serialized document, or null to delete the row. */
type RowChange = string | null;

/** The row ids of a table, mapped to their change. */
type TableChanges = Map<number, RowChange>;

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * The SQLite engine's durable side: one table per collection, a row per document (the document as
 * one line of nedb's JSON, Dates as `{"$$date": ms}`), plus `_indexes` with each collection's
 * declared indexes.
 *
 * Rows are keyed by an integer the collection hands out in insertion order (`rid`), not by `_id`:
 * an insert then appends to the table's last page, where a random `_id` would dirty a page per
 * document (a pulled page of 10 documents: ~10 WAL pages per commit instead of 1–2, measured 7×
 * slower). `_id` uniqueness is the collection's job, in memory, as every other unique index.
 *
 * Group commit: every row change of a tick (here: a turn of the event loop, the I/O callbacks that
 * came in together and their microtasks), across all collections, goes into one transaction,
 * committed in a `setImmediate`; changes to one row in that tick collapse to the last. Each
 * caller's promise settles after that commit. (A commit per microtask made 3 commits per message
 * under load end to end, this one 0.6.)
 *
 * Durability: WAL with `synchronous = NORMAL`. A commit returns once its pages are written to the
 * `-wal` file, i.e. in the OS page cache, so a SIGKILL right after loses nothing (the kernel still
 * writes them), and a restart replays the WAL. fsync happens at checkpoints only, so a power cut can
 * lose the last commits but never corrupts the file. That is nedb's append without fsync, kept as is;
 * `FULL` (an fsync per commit, milliseconds on a busy disk) would not change what a SIGKILL loses.
 *
 * @example
 * const file = SqliteFile.open('/data/store.sqlite');
 * file.ensureTable('inbox');
 * file.write('inbox', 1, '{"_id":"m1"}');
 * await file.settled(); // committed
 */
export class SqliteFile {
  private readonly pending = new Map<string, TableChanges>();
  private waiters: Waiter[] = [];
  private scheduled = false;
  private readonly tables = new Set<string>();
  private readonly upserts = new Map<string, Database.Statement>();
  private readonly deletes = new Map<string, Database.Statement>();
  private readonly reads = new Map<string, Database.Statement>();
  private readonly scans = new Map<string, Database.Statement>();
  private readonly commit: (batch: Map<string, TableChanges>) => void;
  /** Transactions committed since open (one per tick with changes): what the disk sees, for benchmarks and tests. */
  commits = 0;

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {
    this.commit = db.transaction((batch: Map<string, TableChanges>) => {
      for (const [table, rows] of batch) {
        const upsert = this.statement(this.upserts, table, `INSERT INTO ${quote(table)} (rid, doc) VALUES (?, ?) ON CONFLICT(rid) DO UPDATE SET doc = excluded.doc`);
        const remove = this.statement(this.deletes, table, `DELETE FROM ${quote(table)} WHERE rid = ?`);
        for (const [rid, doc] of rows) {
          if (doc === null) remove.run(rid);
          else upsert.run(rid, doc);
        }
      }
    });
  }

  /** Opens (or creates) the database. Throws StoreCorruptError when the file is not a sound SQLite database. */
  static open(file: string): SqliteFile {
    let db: Database.Database | undefined;
    try {
      // Another process still holding the file (an operator's sqlite3 shell) fails the open after this.
      db = new Database(file, { timeout: 2000 });
      // One process per DATA_DIR (the lock): the connection may keep the file's lock, which spares
      // the lock and shared-memory system calls of every transaction (measured: half a commit's cost).
      // The WAL index then lives in this process's memory, and no other process can open the file
      // while this one runs.
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // SQLite's page cache, bounded at SQLite's own default: better-sqlite3 builds it with 16 MiB,
      // which the process kept as the file grew (end-to-end soak of 100,000 messages: malloc's heap
      // +23 MiB with 16, +8 with 2). The hot rows are the newest (inserts append to the last page) and
      // a turn's documents come from the parsed-document cache; a page the cache lacks is a read from
      // the OS's file cache.
      db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
      db.exec('CREATE TABLE IF NOT EXISTS _indexes (collection TEXT NOT NULL, fields TEXT NOT NULL, spec TEXT NOT NULL, PRIMARY KEY (collection, fields)) WITHOUT ROWID');
      return new SqliteFile(file, db);
    } catch (e) {
      db?.close();
      throw asStoreError(file, e);
    }
  }

  /**
   * A small write and read back, committed on its own (after what is pending): throws our error when
   * the file refuses it. For {@link SqliteStore.check}.
   */
  probe(token: string): void {
    this.flush();
    try {
      this.db.exec('CREATE TABLE IF NOT EXISTS _probe (k INTEGER PRIMARY KEY, v TEXT NOT NULL)');
      this.db.prepare('INSERT INTO _probe (k, v) VALUES (1, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v').run(token);
      const back = (this.db.prepare('SELECT v FROM _probe WHERE k = 1').get() as { v: string } | undefined)?.v;
      if (back !== token) throw new Error(`${this.file} read back something else than was written`);
    } catch (e) {
      throw asStoreError(this.file, e);
    }
  }

  /** Creates the collection's table if it is missing. */
  ensureTable(table: string): void {
    if (this.tables.has(table)) return;
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${quote(table)} (rid INTEGER PRIMARY KEY, doc TEXT NOT NULL)`);
    this.tables.add(table);
  }

  /**
   * The row's document as it stands now: this tick's pending change (undefined when it deletes the
   * row), else the table's row, else undefined.
   */
  row(table: string, rid: number): string | undefined {
    const change = this.pending.get(table)?.get(rid);
    if (change !== undefined) return change ?? undefined;
    return this.statement(this.reads, table, `SELECT doc FROM ${quote(table)} WHERE rid = ?`).pluck().get(rid) as string | undefined;
  }

  /**
   * Every row of the table as it stands now (this tick's pending changes included), in insertion
   * order, read as it goes; with `needles`, only the rows whose JSON holds each of them (SQLite's
   * `instr`, so the others are never handed to JavaScript) plus this tick's changed rows, which are
   * not filtered: a superset either way. No other statement may run on the file until the scan
   * ends (SQLite's connection is busy with it): consume it without reading or committing, or stop
   * it (`break`).
   */
  *scan(table: string, needles: readonly string[] = []): Generator<{ rid: number; doc: string }> {
    const where = needles.map(() => `instr(doc, ?) > 0`).join(' AND ');
    const sql = `SELECT rid, doc FROM ${quote(table)}${where ? ` WHERE ${where}` : ''} ORDER BY rid`;
    const rows = this.statement(this.scans, `${table}\u0000${needles.length}`, sql).iterate(...needles) as IterableIterator<{ rid: number; doc: string }>;
    const pending = this.pending.get(table);
    if (!pending) {
      yield* rows;
      return;
    }
    // This tick's changes, merged in row order: an update or insert replaces or joins the rows, a delete hides one.
    const changes = [...pending].sort(([a], [b]) => a - b);
    let next = 0;
    for (const row of rows) {
      for (; next < changes.length && changes[next]![0] < row.rid; next++) {
        const [rid, doc] = changes[next]!;
        if (doc !== null) yield { rid, doc };
      }
      if (next < changes.length && changes[next]![0] === row.rid) {
        const doc = changes[next++]![1];
        if (doc !== null) yield { rid: row.rid, doc };
      } else yield row;
    }
    for (; next < changes.length; next++) {
      const [rid, doc] = changes[next]!;
      if (doc !== null) yield { rid, doc };
    }
  }

  /** The collection's declared indexes. */
  indexes(table: string): IndexSpec[] {
    const rows = this.db.prepare('SELECT spec FROM _indexes WHERE collection = ?').all(table) as { spec: string }[];
    return rows.map((r) => JSON.parse(r.spec) as IndexSpec);
  }

  /** Records an index (TTL settings are not kept: they are declared at every start). */
  saveIndex(table: string, spec: IndexSpec): void {
    const { expireAfterSeconds: _notKept, ...kept } = spec;
    this.db.prepare('INSERT INTO _indexes (collection, fields, spec) VALUES (?, ?, ?) ON CONFLICT(collection, fields) DO UPDATE SET spec = excluded.spec')
      .run(table, Object.keys(spec.keys).join(','), JSON.stringify(kept));
  }

  /** Removes a table and its indexes (used for leases at open). */
  dropTable(table: string): void {
    for (const cache of [this.upserts, this.deletes, this.reads]) cache.delete(table);
    for (const key of [...this.scans.keys()]) if (key.startsWith(`${table}\u0000`)) this.scans.delete(key);
    this.db.exec(`DROP TABLE IF EXISTS ${quote(table)}`);
    this.db.prepare('DELETE FROM _indexes WHERE collection = ?').run(table);
    this.tables.delete(table);
  }

  /** Queues a row change (`doc` null: delete the row) for this tick's commit; {@link settled} tells when it is on disk. */
  write(table: string, rid: number, doc: RowChange): void {
    let rows = this.pending.get(table);
    if (!rows) this.pending.set(table, (rows = new Map()));
    rows.set(rid, doc);
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate: after the I/O callbacks of this turn of the event loop (each callback's microtasks
    // run between them), so the writes of every request and response that came in together share one
    // commit; a lone write waits only for the rest of this turn, not for a timer.
    setImmediate(() => this.flush());
  }

  /** Resolves after the pending commit (at once when nothing is pending); rejects when it fails. */
  settled(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Commits what is pending now. A failed commit is rolled back and rejects every waiter with a
   * StoreFileError (disk) or StoreCorruptError; {@link onFailed} hears which tables it held first, so
   * their collections drop their in-memory state, which the disk now lacks.
   */
  flush(): void {
    this.scheduled = false;
    const batch = new Map(this.pending);
    const waiters = this.waiters;
    this.pending.clear();
    this.waiters = [];
    try {
      if (batch.size > 0) {
        this.commit(batch);
        this.commits++;
      }
    } catch (e) {
      const error = asStoreError(this.file, e);
      this.onFailed?.([...batch.keys()], error);
      for (const w of waiters) w.reject(error);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  /** Told about every failed commit (set by the store). */
  onFailed: ((tables: string[], error: unknown) => void) | undefined;

  /** SQLite's page cache bound on this connection, KiB. */
  cacheKiB(): number {
    const size = this.db.pragma('cache_size', { simple: true }) as number;
    // Negative: KiB; positive: pages.
    return size < 0 ? -size : (size * (this.db.pragma('page_size', { simple: true }) as number)) / 1024;
  }

  /** Commits what is pending, then closes the database (SQLite folds the WAL back into the file). */
  close(): void {
    this.flush();
    this.db.close();
  }

  private statement(cache: Map<string, Database.Statement>, table: string, sql: string): Database.Statement {
    let s = cache.get(table);
    if (!s) cache.set(table, (s = this.db.prepare(sql)));
    return s;
  }
}

/** The collection name as an SQL identifier (names are letters, digits, `_ . -`; see validateCollectionName). */
function quote(table: string): string {
  return `"c:${table}"`;
}

const sqliteErrno: Record<string, string> = {
  SQLITE_FULL: 'ENOSPC',
  SQLITE_READONLY: 'EROFS',
  SQLITE_CANTOPEN: 'EACCES',
  SQLITE_PERM: 'EACCES',
  SQLITE_IOERR: 'EIO',
  SQLITE_BUSY: 'EBUSY',
};

/**
 * SQLite's error as ours: a damaged file is StoreCorruptError, a refusing disk StoreFileError with the
 * nearest system error code (`SQLITE_FULL` → `ENOSPC`, `SQLITE_READONLY_*` → `EROFS` ...).
 */
export function asStoreError(file: string, e: unknown): unknown {
  if (e instanceof StoreCorruptError || e instanceof StoreFileError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return e;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new StoreCorruptError(file, (e as Error).message, { cause: e, engine: 'sqlite' });
  const base = code.split('_').slice(0, 2).join('_');
  const errno = sqliteErrno[base] ?? (code.startsWith('E') ? code : undefined);
  return errno === undefined ? e : new StoreFileError(file, `${errno}, ${code}`, { cause: e });
}
