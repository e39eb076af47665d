/**
 * A lock in a SQLite table, shared by every process that opens the same database file.
 *
 * Table `locks(lock_name PRIMARY KEY, lock_owner, lock_time, expires_at, token)`. The two times are
 * readable UTC instants at millisecond precision, `2020-08-18T02:15:00.000Z`, so an operator's
 * `SELECT * FROM locks` shows when the lock was taken and until when it holds; that fixed-width form
 * sorts as the instants do, so expiry is judged by comparing the text. The API still speaks ms since
 * the epoch; times are floored to the ms on the way in, which can only make a lease end earlier for
 * its holder and later for its contenders. A table written by an older version (integer-ms columns)
 * is converted on open, in one transaction (`migrateMsColumns`). Each
 * operation is one atomic statement, so two processes can never both see a key free and both take it:
 * - acquire: an upsert that updates only a released or expired row and bumps its token;
 * - renew: an update where owner and token match and the lease is unexpired;
 * - release: an update where owner and token match that clears the owner and keeps the row, so the
 *   token keeps increasing and a late release cannot touch a newer holder's lease.
 * better-sqlite3 is synchronous; the API is async like every other backend's.
 */
import type Database from 'better-sqlite3';
import { lazyRequire } from '../env/lazy-require.js';
import { LockConfigError, LockUnavailableError } from './errors.js';
import type { LockBackend } from './lock.js';
import { isSafeTableName, leaseFromRow, type LockRow, type SqlClockOptions } from './sql-common.js';

/** The SQLite driver, loaded when a database is first opened: most simulated runs never open one. */
export const sqliteDriver: () => typeof Database = lazyRequire('better-sqlite3');

export type SqliteLockOptions = SqlClockOptions & {
  /** Table name, default `locks`. */
  readonly table?: string;
  /** How long a statement waits for another process's write lock on the file, default 5 000 ms. */
  readonly busyTimeoutMs?: number;
};

/** SQLite's own clock in ms; `'now'` is fixed for the duration of one statement. */
const DATABASE_NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/** The last ms SQLite's date functions can write (9999-12-31T23:59:59.999Z): a "forever" lease ends there. */
const LATEST_MS = 253_402_300_799_999;

/** SQL for the readable instant (`2020-08-18T02:15:00.000Z`) of the ms expression `ms`. */
export function sqliteTimeFromMs(ms: string): string {
  return `strftime('%Y-%m-%dT%H:%M:%fZ', MIN(${ms}, ${LATEST_MS}) / 1000.0, 'unixepoch')`;
}

/** SQL for the ms since the epoch of the readable instant in `time` (a column or expression). */
export function sqliteMsFromTime(time: string): string {
  return `CAST(round(unixepoch(${time}, 'subsec') * 1000) AS INTEGER)`;
}

const COLUMNS = `(
      lock_name TEXT PRIMARY KEY,
      lock_owner TEXT,
      lock_time TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      token BIGINT NOT NULL
    )`;

/**
 * A `LockBackend` over `database`: an open better-sqlite3 `Database` (left open by `close()`), or a
 * file path or `':memory:'` to open (closed by `close()`). A file is switched to WAL mode so readers
 * and the single writer do not block each other.
 */
export function createSqliteLock(database: Database.Database | string, options: SqliteLockOptions): LockBackend {
  const table = options.table ?? 'locks';
  if (!isSafeTableName(table)) throw new LockConfigError('sqlite', `sqlite lock: invalid table name "${table}"`);
  if (options.clock === 'caller' && typeof options.now !== 'function') {
    throw new LockConfigError('sqlite', 'sqlite lock: clock "caller" needs a now() function');
  }
  const db = typeof database === 'string' ? openDatabase(database, options.busyTimeoutMs ?? 5_000) : database;
  const ownsDatabase = typeof database === 'string';
  const now = options.now;
  const clock = now === undefined ? DATABASE_NOW : '@now';

  try {
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} ${COLUMNS}`);
    migrateMsColumns(db, table);
  } catch (error) {
    if (ownsDatabase) db.close();
    throw new LockUnavailableError('sqlite', `sqlite lock: cannot use database ${db.name}: ${(error as Error).message}`, { cause: error });
  }

  const returning = `RETURNING lock_owner, ${sqliteMsFromTime('lock_time')} AS lock_time, ${sqliteMsFromTime('expires_at')} AS expires_at, token`;
  const nowTime = sqliteTimeFromMs(clock);
  const acquire = db.prepare<Record<string, unknown>, LockRow>(`
    INSERT INTO ${table} (lock_name, lock_owner, lock_time, expires_at, token)
    VALUES (@key, @owner, ${nowTime}, ${sqliteTimeFromMs(`${clock} + @ttlMs`)}, 1)
    ON CONFLICT (lock_name) DO UPDATE SET
      lock_owner = excluded.lock_owner,
      lock_time = excluded.lock_time,
      expires_at = excluded.expires_at,
      token = ${table}.token + 1
    WHERE ${table}.lock_owner IS NULL OR ${table}.expires_at <= excluded.lock_time
    ${returning}`);
  const renew = db.prepare<Record<string, unknown>, LockRow>(`
    UPDATE ${table} SET expires_at = ${sqliteTimeFromMs(`${clock} + @ttlMs`)}
    WHERE lock_name = @key AND lock_owner = @owner AND token = @token AND expires_at > ${nowTime}
    ${returning}`);
  const release = db.prepare<Record<string, unknown>, LockRow>(`
    UPDATE ${table} SET lock_owner = NULL, expires_at = MIN(expires_at, ${nowTime})
    WHERE lock_name = @key AND lock_owner = @owner AND token = @token
    ${returning}`);

  // With the database's own clock the statements have no @now, and better-sqlite3 ignores the extra key.
  const clockMs = now === undefined ? (): number => 0 : (): number => Math.floor(now());

  return {
    name: 'sqlite',

    async tryAcquire(key, owner, ttlMs) {
      const row = acquire.get({ key, owner, ttlMs: Math.floor(ttlMs), now: clockMs() });
      return row === undefined ? null : leaseFromRow(key, owner, row);
    },

    async renew(lease, ttlMs) {
      const row = renew.get({ key: lease.key, owner: lease.owner, token: lease.token, ttlMs: Math.floor(ttlMs), now: clockMs() });
      return row === undefined ? null : leaseFromRow(lease.key, lease.owner, row);
    },

    async release(lease) {
      return release.get({ key: lease.key, owner: lease.owner, token: lease.token, now: clockMs() }) !== undefined;
    },

    async close() {
      if (ownsDatabase && db.open) db.close();
    },
  };
}

/**
 * Converts a table whose times are integer ms (as older versions wrote them) to readable instants,
 * rows included. Runs in one write transaction that checks again inside it, so processes opening the
 * same file at once convert it once; a table already converted is left alone.
 */
function migrateMsColumns(db: Database.Database, table: string): void {
  const [schema, bare] = table.includes('.') ? (table.split('.') as [string, string]) : ['main', table];
  const lockTimeType = db.prepare<[string, string], { type: string }>('SELECT type FROM pragma_table_info(?, ?) WHERE name = \'lock_time\'');
  const needsMigration = (): boolean => /INT/i.test(lockTimeType.get(bare, schema)?.type ?? '');
  if (!needsMigration()) return;
  const staging = `${schema}.${bare}__migrating`;
  db.transaction(() => {
    if (!needsMigration()) return;
    db.exec(`DROP TABLE IF EXISTS ${staging};
      CREATE TABLE ${staging} ${COLUMNS};
      INSERT INTO ${staging} (lock_name, lock_owner, lock_time, expires_at, token)
        SELECT lock_name, lock_owner, ${sqliteTimeFromMs('lock_time')}, ${sqliteTimeFromMs('expires_at')}, token FROM ${schema}.${bare};
      DROP TABLE ${schema}.${bare};
      ALTER TABLE ${staging} RENAME TO ${bare};`);
  }).immediate();
}

function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    const Driver = sqliteDriver();
    db = new Driver(path, { fileMustExist: false });
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
    return db;
  } catch (error) {
    db?.close();
    throw new LockUnavailableError('sqlite', `sqlite lock: cannot open database ${path}: ${(error as Error).message}`, { cause: error });
  }
}
