/**
 * The waiting line (`wait-queue.ts`) in a SQL lock store: table `lock_queue`, one row per place,
 * next to the `locks` table. The ticket is the table's own increasing key (SQLite `AUTOINCREMENT`,
 * PostgreSQL `BIGSERIAL`), so it records the order in which the database accepted the joins and is
 * never reused. Expiry is judged by the database's clock, or by `now` when one is given (simulation
 * passes the world's clock, as for the locks).
 */
import Database from 'better-sqlite3';
import type pg from 'pg';
import { pgDriver } from './pg-driver.js';
import { errorCode } from '../env/fs.js';
import { LockUnavailableError } from './errors.js';
import type { QueuePlace, WaitQueue } from './wait-queue.js';

export interface SqlQueueOptions {
  /** The clock that judges expiry; the database's own when absent. */
  readonly now?: () => number;
}

const QUEUE_TABLE = 'lock_queue';
const SQLITE_NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
const POSTGRES_NOW = '(floor(extract(epoch from clock_timestamp()) * 1000))::bigint';

/** A waiting line in SQLite: `database` is an open database (left open) or a path to open (closed by `close()`). */
export function createSqliteWaitQueue(database: Database.Database | string, options: SqlQueueOptions = {}): WaitQueue {
  const ownsDatabase = typeof database === 'string';
  let db: Database.Database;
  try {
    db = typeof database === 'string' ? new Database(database) : database;
    if (ownsDatabase) db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS ${QUEUE_TABLE} (
      ticket INTEGER PRIMARY KEY AUTOINCREMENT,
      queue_name TEXT NOT NULL,
      owner TEXT NOT NULL,
      expires_at BIGINT NOT NULL
    )`);
  } catch (error) {
    throw new LockUnavailableError('sqlite', `sqlite wait queue: cannot use database ${typeof database === 'string' ? database : database.name}: ${(error as Error).message}`, { cause: error });
  }
  const clock = options.now === undefined ? SQLITE_NOW : '@now';
  const at = (): number => Math.floor(options.now?.() ?? 0);
  const join = db.prepare<Record<string, unknown>, { ticket: number; expires_at: number }>(
    `INSERT INTO ${QUEUE_TABLE} (queue_name, owner, expires_at) VALUES (@key, @owner, ${clock} + @ttlMs) RETURNING ticket, expires_at`,
  );
  const prune = db.prepare<Record<string, unknown>>(`DELETE FROM ${QUEUE_TABLE} WHERE queue_name = @key AND expires_at <= ${clock}`);
  const keep = db.prepare<Record<string, unknown>, { expires_at: number }>(
    `UPDATE ${QUEUE_TABLE} SET expires_at = ${clock} + @ttlMs WHERE ticket = @ticket AND owner = @owner AND expires_at > ${clock} RETURNING expires_at`,
  );
  const ahead = db.prepare<Record<string, unknown>, { ahead: number }>(
    `SELECT COUNT(*) AS ahead FROM ${QUEUE_TABLE} WHERE queue_name = @key AND ticket < @ticket AND expires_at > ${clock}`,
  );
  const leave = db.prepare<Record<string, unknown>, { live: number }>(
    `DELETE FROM ${QUEUE_TABLE} WHERE ticket = @ticket AND owner = @owner RETURNING expires_at > ${clock} AS live`,
  );
  return {
    name: 'sqlite',
    async join(key, owner, ttlMs) {
      const now = at();
      prune.run({ key, now });
      const row = join.get({ key, owner, ttlMs: Math.floor(ttlMs), now });
      if (row === undefined) throw new Error('sqlite wait queue: the insert returned no row');
      return { key, owner, ticket: Number(row.ticket), expiresAt: Number(row.expires_at) };
    },
    async keep(place, ttlMs) {
      const now = at();
      const row = keep.get({ ticket: place.ticket, owner: place.owner, ttlMs: Math.floor(ttlMs), now });
      if (row === undefined) return null;
      const count = ahead.get({ key: place.key, ticket: place.ticket, now })?.ahead ?? 0;
      return { place: { ...place, expiresAt: Number(row.expires_at) }, ahead: Number(count) };
    },
    async leave(place) {
      return Boolean(leave.get({ ticket: place.ticket, owner: place.owner, now: at() })?.live);
    },
    async close() {
      if (ownsDatabase && db.open) db.close();
    },
  };
}

/** A waiting line in PostgreSQL: `database` is a pool (left open) or a URL to open one for (closed by `close()`). */
export async function createPostgresWaitQueue(database: pg.Pool | string, options: SqlQueueOptions = {}): Promise<WaitQueue> {
  const ownsPool = typeof database === 'string';
  const pool = typeof database === 'string' ? new (pgDriver().Pool)({ connectionString: database, max: 2, connectionTimeoutMillis: 5_000 }) : database;
  if (ownsPool) pool.on('error', () => undefined);
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${QUEUE_TABLE} (
      ticket BIGSERIAL PRIMARY KEY,
      queue_name TEXT NOT NULL,
      owner TEXT NOT NULL,
      expires_at BIGINT NOT NULL
    )`);
  } catch (error) {
    // Two processes creating the table at once: the loser sees a duplicate in the catalog.
    if (!['23505', '42P07', '42710'].includes(errorCode(error) ?? '')) {
      if (ownsPool) await pool.end().catch(() => undefined);
      throw new LockUnavailableError('postgres', `postgres wait queue: ${(error as Error).message}`, { cause: error });
    }
  }
  const clock = (position: number): string => (options.now === undefined ? POSTGRES_NOW : `$${position}::bigint`);
  const withNow = (values: unknown[]): unknown[] => (options.now === undefined ? values : [...values, Math.floor(options.now())]);
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> => (await pool.query<R>(text, withNow(values))).rows;
  return {
    name: 'postgres',
    async join(key, owner, ttlMs) {
      await query(`DELETE FROM ${QUEUE_TABLE} WHERE queue_name = $1 AND expires_at <= ${clock(2)}`, [key]);
      const [row] = await query<{ ticket: string; expires_at: string }>(
        `INSERT INTO ${QUEUE_TABLE} (queue_name, owner, expires_at) VALUES ($1, $2, ${clock(4)} + $3::bigint) RETURNING ticket, expires_at`,
        [key, owner, Math.floor(ttlMs)],
      );
      if (row === undefined) throw new Error('postgres wait queue: the insert returned no row');
      return { key, owner, ticket: Number(row.ticket), expiresAt: Number(row.expires_at) };
    },
    async keep(place: QueuePlace, ttlMs: number) {
      const [row] = await query<{ expires_at: string }>(
        `UPDATE ${QUEUE_TABLE} SET expires_at = ${clock(4)} + $3::bigint WHERE ticket = $1 AND owner = $2 AND expires_at > ${clock(4)} RETURNING expires_at`,
        [place.ticket, place.owner, Math.floor(ttlMs)],
      );
      if (row === undefined) return null;
      const [count] = await query<{ ahead: string }>(`SELECT COUNT(*) AS ahead FROM ${QUEUE_TABLE} WHERE queue_name = $1 AND ticket < $2 AND expires_at > ${clock(3)}`, [place.key, place.ticket]);
      return { place: { ...place, expiresAt: Number(row.expires_at) }, ahead: Number(count?.ahead ?? 0) };
    },
    async leave(place) {
      const [row] = await query<{ live: boolean }>(`DELETE FROM ${QUEUE_TABLE} WHERE ticket = $1 AND owner = $2 RETURNING expires_at > ${clock(3)} AS live`, [place.ticket, place.owner]);
      return row?.live === true;
    },
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}
