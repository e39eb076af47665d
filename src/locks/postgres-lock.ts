/**
 * A lock in a PostgreSQL table: the backend for locks shared by several machines.
 *
 * `lock_time` and `expires_at` are `timestamptz` columns, so `SELECT * FROM locks` shows real times;
 * the API still speaks ms since the epoch, converted exactly in the statements (whole ms, floored on
 * the way in). A table written by an older version (BIGINT ms columns) is converted on open, under
 * an exclusive lock on the table that makes concurrent openers convert it once (`migrateMsColumns`).
 *
 * Same table and statements as the SQLite backend (see `sqlite-lock.ts`): acquire is one upsert that
 * only overwrites a released or expired row and bumps its token; renew and release are single updates
 * guarded by owner and token. PostgreSQL re-checks an update's condition against the newest row
 * version after waiting for a concurrent writer, so two contenders cannot both win. With the database
 * clock, expiry is judged by `clock_timestamp()` of the server, evaluated inside the statement.
 */
import type pg from 'pg';
import { errorCode } from '../env/fs.js';
import { lazyRequire } from '../env/lazy-require.js';
import { LockConfigError, LockUnavailableError, maskUrl } from './errors.js';
import type { LockBackend } from './lock.js';
import { isSafeTableName, leaseFromRow, type LockRow, type SqlClockOptions } from './sql-common.js';

/** The PostgreSQL driver, loaded when a backend first opens a pool: simulated runs never do. */
export const postgresDriver: () => typeof pg = lazyRequire('pg');

export type PostgresLockOptions = SqlClockOptions & {
  /** Table name, default `locks`. */
  readonly table?: string;
  /** Connections in the pool this backend opens from a URL, default 4. */
  readonly poolSize?: number;
  /** How long to wait for a connection before reporting the database unavailable, default 5 000 ms. */
  readonly connectTimeoutMs?: number;
};

/** duplicate key, duplicate table, duplicate object (the table's row type). */
const CONCURRENT_CREATE_CODES = new Set(['23505', '42P07', '42710']);

/** The server's clock, truncated to the ms as every stored time is. */
export const POSTGRES_NOW_TIME = "date_trunc('milliseconds', clock_timestamp())";

/** SQL for the `timestamptz` of the ms expression `ms` (exact: whole ms of an interval, no float seconds). */
export function postgresTimeFromMs(ms: string): string {
  return `('epoch'::timestamptz + (${ms}) * interval '1 millisecond')`;
}

/** SQL for the ms since the epoch of the `timestamptz` in `time` (a column or expression). */
export function postgresMsFromTime(time: string): string {
  return `(floor(extract(epoch from ${time}) * 1000))::bigint`;
}

/** SQLSTATE classes and socket errors that mean "the database cannot be reached", not "the statement is wrong". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '28P01', '28000', '3D000']);

/** Checks that `url` is a PostgreSQL URL; throws `LockConfigError` naming it (password masked) if not. */
export function validatePostgresUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LockConfigError('postgres', `postgres lock: malformed URL ${maskUrl(url)}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new LockConfigError('postgres', `postgres lock: expected a postgres:// URL, got ${maskUrl(url)}`);
  }
  if (parsed.hostname === '') throw new LockConfigError('postgres', `postgres lock: URL has no host: ${maskUrl(url)}`);
  return parsed;
}

/**
 * A `LockBackend` over PostgreSQL: `database` is a `pg.Pool` (left open by `close()`) or a URL to open
 * a pool for (closed by `close()`). Creates the table if it is missing. Rejects with
 * `LockConfigError` for a malformed URL and `LockUnavailableError` when the server cannot be reached.
 */
export async function createPostgresLock(database: pg.Pool | string, options: PostgresLockOptions): Promise<LockBackend> {
  const table = options.table ?? 'locks';
  if (!isSafeTableName(table)) throw new LockConfigError('postgres', `postgres lock: invalid table name "${table}"`);
  if (options.clock === 'caller' && typeof options.now !== 'function') {
    throw new LockConfigError('postgres', 'postgres lock: clock "caller" needs a now() function');
  }
  const ownsPool = typeof database === 'string';
  const where = typeof database === 'string' ? maskUrl(database) : describePool(database);
  if (typeof database === 'string') validatePostgresUrl(database);
  const pool =
    typeof database === 'string'
      ? new (postgresDriver().Pool)({ connectionString: database, max: options.poolSize ?? 4, connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000 })
      : database;
  // An idle connection that drops emits 'error' on the pool; unhandled, that would end the process.
  if (ownsPool) pool.on('error', () => undefined);

  const unavailable = (error: unknown): unknown =>
    isUnavailable(error) ? new LockUnavailableError('postgres', `postgres lock: database ${where} unavailable: ${(error as Error).message || errorCode(error)}`, { cause: error }) : error;

  try {
    await createTable(pool, table);
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw unavailable(error);
  }

  const now = options.now;
  // Caller (or injected) time is the last parameter; otherwise the server's clock is read in the statement.
  const clock = (position: number): string => (now === undefined ? POSTGRES_NOW_TIME : postgresTimeFromMs(`$${position}::bigint`));
  const withNow = (values: unknown[]): unknown[] => (now === undefined ? values : [...values, Math.floor(now())]);
  const returning = `RETURNING lock_owner, ${postgresMsFromTime('lock_time')} AS lock_time, ${postgresMsFromTime('expires_at')} AS expires_at, token`;
  const later = (position: number): string => `$${position}::bigint * interval '1 millisecond'`;
  const mode = now === undefined ? 'db' : 'param';

  const acquire = {
    name: `simrun-lock-acquire-${table}-${mode}`,
    // The clock is read once: two reads of clock_timestamp() can straddle a millisecond, and the
    // lease would then run a millisecond longer than asked.
    text: `INSERT INTO ${table} AS l (lock_name, lock_owner, lock_time, expires_at, token)
      SELECT $1, $2, c.now, c.now + ${later(3)}, 1 FROM (SELECT ${clock(4)} AS now) AS c
      ON CONFLICT (lock_name) DO UPDATE SET
        lock_owner = excluded.lock_owner,
        lock_time = excluded.lock_time,
        expires_at = excluded.expires_at,
        token = l.token + 1
      WHERE l.lock_owner IS NULL OR l.expires_at <= excluded.lock_time
      ${returning}`,
  };
  const renew = {
    name: `simrun-lock-renew-${table}-${mode}`,
    text: `UPDATE ${table} SET expires_at = ${clock(5)} + ${later(4)}
      WHERE lock_name = $1 AND lock_owner = $2 AND token = $3::bigint AND expires_at > ${clock(5)}
      ${returning}`,
  };
  const release = {
    name: `simrun-lock-release-${table}-${mode}`,
    text: `UPDATE ${table} SET lock_owner = NULL, expires_at = LEAST(expires_at, ${clock(4)})
      WHERE lock_name = $1 AND lock_owner = $2 AND token = $3::bigint
      ${returning}`,
  };

  async function run(statement: { name: string; text: string }, values: unknown[]): Promise<LockRow | undefined> {
    try {
      const result = await pool.query<LockRow>({ ...statement, values: withNow(values) });
      return result.rows[0];
    } catch (error) {
      throw unavailable(error);
    }
  }

  return {
    name: 'postgres',

    async tryAcquire(key, owner, ttlMs) {
      const row = await run(acquire, [key, owner, Math.floor(ttlMs)]);
      return row === undefined ? null : leaseFromRow(key, owner, row);
    },

    async renew(lease, ttlMs) {
      const row = await run(renew, [lease.key, lease.owner, lease.token, Math.floor(ttlMs)]);
      return row === undefined ? null : leaseFromRow(lease.key, lease.owner, row);
    },

    async release(lease) {
      return (await run(release, [lease.key, lease.owner, lease.token])) !== undefined;
    },

    async close() {
      if (ownsPool) await pool.end();
    },
  };
}

async function createTable(pool: pg.Pool, table: string): Promise<void> {
  const create = `CREATE TABLE IF NOT EXISTS ${table} (
    lock_name TEXT PRIMARY KEY,
    lock_owner TEXT,
    lock_time TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    token BIGINT NOT NULL
  )`;
  try {
    await pool.query(create);
  } catch (error) {
    // Two processes creating the table at once: the loser sees a duplicate in the catalog (the
    // table, its row type or its index) once the winner committed. Make sure it is really there.
    if (!CONCURRENT_CREATE_CODES.has(errorCode(error) ?? '')) throw error;
    await pool.query(`SELECT 1 FROM ${table} LIMIT 0`);
  }
  await migrateMsColumns(pool, table);
}

/**
 * Converts a table whose times are BIGINT ms (as older versions wrote them) to `timestamptz`, rows
 * included, in one transaction holding the table exclusively; the type is checked again under that
 * lock, so of several processes opening at once one converts and the others find it done.
 */
async function migrateMsColumns(pool: pg.Pool, table: string): Promise<void> {
  const typeOf = async (client: pg.Pool | pg.PoolClient): Promise<string | undefined> => {
    const result = await client.query<{ type: string }>("SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'lock_time'", [table]);
    return result.rows[0]?.type;
  };
  if ((await typeOf(pool)) !== 'bigint') return;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    if ((await typeOf(client)) === 'bigint') {
      await client.query(`ALTER TABLE ${table}
        ALTER COLUMN lock_time TYPE timestamptz USING ${postgresTimeFromMs('lock_time')},
        ALTER COLUMN expires_at TYPE timestamptz USING ${postgresTimeFromMs('expires_at')}`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function isUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(message);
}

function describePool(pool: pg.Pool): string {
  const options = pool.options as { host?: string; port?: number; database?: string; connectionString?: string };
  if (typeof options.connectionString === 'string') return maskUrl(options.connectionString);
  return `postgres://${options.host ?? 'localhost'}:${options.port ?? 5432}/${options.database ?? ''}`;
}
