import { WeComChannelError } from '../common';

/**
 * A write would give two documents the same value for a unique index (`_id` included). Both stores
 * throw this one class: MongoDB's `E11000` (code 11000) and nedb's `uniqueViolated` map to it.
 *
 * @example
 * try { await inbox.insertOne({ msgid, ... }); }
 * catch (e) { if (e instanceof DuplicateKeyError) return; throw e; } // already received
 */
export class DuplicateKeyError extends WeComChannelError {
  override readonly name = 'DuplicateKeyError' as const;
  readonly code = 'duplicate_key' as const;

  constructor(
    readonly collection: string,
    /** The duplicated key's value, when the store reports it. */
    readonly key?: unknown,
    options?: { cause?: unknown },
  ) {
    super(`Duplicate key in collection "${collection}"${key === undefined ? '' : `: ${safeJson(key)}`}`, options);
  }
}

/**
 * A filter, update or sort uses an operator outside the supported set (see `collection.ts`). The
 * store refuses it before anything runs, in both implementations, so an operator that one store
 * would ignore can never become a silent no-op.
 *
 * @example
 * await expect(c.find({ name: { $regex: 'a' } })).rejects.toMatchObject({ code: 'unsupported_operator' });
 */
export class UnsupportedOperatorError extends WeComChannelError {
  override readonly name = 'UnsupportedOperatorError' as const;
  readonly code = 'unsupported_operator' as const;

  constructor(
    readonly operator: string,
    readonly where: 'filter' | 'update',
  ) {
    super(`Operator ${operator} is not supported in a ${where} by this store. See docs/store.md for the supported set.`);
  }
}

/**
 * A filter, update, document, index or collection name is malformed (for example an update without
 * operators, a `$in` without an array, a field name with a dot, two operators on one path).
 */
export class InvalidQueryError extends WeComChannelError {
  override readonly name = 'InvalidQueryError' as const;
  readonly code = 'invalid_query' as const;

  constructor(
    readonly problem: string,
    readonly path?: string,
  ) {
    super(path === undefined ? problem : `${problem} (at "${path}")`);
  }
}

/**
 * The embedded store's `DATA_DIR` is already open in another live process (or in this one).
 * The embedded store is for one process; several instances need MongoDB.
 */
export class StoreLockedError extends WeComChannelError {
  override readonly name = 'StoreLockedError' as const;
  readonly code = 'store_locked' as const;

  constructor(
    readonly dataDir: string,
    readonly holderPid: number | undefined,
    readonly holderHost: string | undefined,
  ) {
    super(
      `The embedded store in ${dataDir} is already in use by ${describeHolder(holderPid, holderHost)}. ` +
        'The embedded store serves one process only: stop the other process, give this one its own DATA_DIR, ' +
        'or set MONGODB_URI to share state between several instances.',
    );
  }
}

/**
 * An embedded datafile cannot be loaded: too many of its lines are unreadable (more than 10 %), or
 * nedb refused it; or the SQLite engine's `store.sqlite` is not a sound database. The message names the file and what to do; the file is left as it was.
 *
 * @example
 * try { await store.collection('inbox').find({}); }
 * catch (e) { if (e instanceof StoreCorruptError) logger.error({ file: e.file }, e.message); }
 */
export class StoreCorruptError extends WeComChannelError {
  override readonly name = 'StoreCorruptError' as const;
  readonly code = 'store_corrupt' as const;

  constructor(
    /** The datafile's full path. */
    readonly file: string,
    problem: string,
    /** `engine: 'sqlite'`: the file is the SQLite engine's database (no lines are set aside there). */
    options?: { cause?: unknown; engine?: 'nedb' | 'sqlite' },
  ) {
    super(
      options?.engine === 'sqlite'
        ? `The embedded store cannot load ${file}: ${problem}. It was left as it is. Restore it from a backup, ` +
            'or stop the app and move it aside (the store then starts empty).'
        : `The embedded store cannot load ${file}: ${problem}. It was left as it is. Restore it from a backup, ` +
            'or stop the app and move it aside (that collection then starts empty); lines set aside earlier are in ' +
            `${file}.bad-* files.`,
      options,
    );
  }
}

/**
 * The disk refused an embedded datafile read or write (read-only or full disk, permissions). The
 * message names the file and the system error; the collection reloads from disk on its next use.
 */
export class StoreFileError extends WeComChannelError {
  override readonly name = 'StoreFileError' as const;
  readonly code = 'store_file_error' as const;

  constructor(
    readonly file: string,
    /** The system error code, e.g. `ENOSPC`, `EROFS`, `EACCES`. */
    readonly errno: string,
    options?: { cause?: unknown },
  ) {
    super(`The embedded store cannot write or read ${file} (${errno}). Check that DATA_DIR is writable and the disk has free space.`, options);
  }
}

/** An operation ran after `store.close()`. */
export class StoreClosedError extends WeComChannelError {
  override readonly name = 'StoreClosedError' as const;
  readonly code = 'store_closed' as const;

  constructor(readonly kind: 'mongodb' | 'embedded') {
    super(`The ${kind} store is closed`);
  }
}

/** MongoDB could not be reached at start. The message never contains the URI (it may hold a password). */
export class StoreUnavailableError extends WeComChannelError {
  override readonly name = 'StoreUnavailableError' as const;
  readonly code = 'store_unavailable' as const;

  constructor(reason: string, options?: { cause?: unknown }) {
    super(`Cannot connect to MongoDB: ${reason}. Check MONGODB_URI and that the server is reachable.`, options);
  }
}

/**
 * A botbuilder `Storage` write carried an eTag that no longer matches the stored item. The message is
 * exactly botbuilder's own (`MemoryStorage`, `BlobsStorage`), so code that matches on it keeps working.
 */
export class ETagConflictError extends WeComChannelError {
  override readonly name = 'ETagConflictError' as const;
  readonly code = 'etag_conflict' as const;

  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
  }
}

function describeHolder(pid: number | undefined, host: string | undefined): string {
  if (pid === undefined) return 'another process';
  return host === undefined ? `process ${pid}` : `process ${pid} on ${host}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
