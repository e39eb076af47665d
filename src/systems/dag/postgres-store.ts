/**
 * The run log in PostgreSQL (pg), for pipelines whose state must outlive one machine. Same tables
 * and statements as the SQLite store: a fenced append is one `INSERT ... SELECT ... WHERE` the
 * runner's lease is still held by the server's clock, and a commit (a command's rows and its removal)
 * one transaction that holds the lease row (`FOR SHARE`), so the lease cannot change hands during it.
 */
import type pg from 'pg';
import type { LockBackend } from '../../locks/lock.js';
import { createPostgresLock, POSTGRES_NOW_TIME, postgresDriver, postgresMsFromTime } from '../../locks/postgres-lock.js';
import { ADDED_RUN_LOG_COLUMNS, attemptOutputFromRow, commandsFromRows, entryFromRow, RUNNER_LEASE_TABLE, type AttemptOutputRow, type CommandRow, type CommitOptions, type DagStore, type RunLogEntry, type RunLogRow } from './run-log.js';

const COLUMNS = 'pipeline, job_key, attempt, status, exec_time, amount_of_data, timestamp, execution, runner, run_id';

/** duplicate key, duplicate table, duplicate object: another client created the table first. */
const CONCURRENT_CREATE_CODES = new Set(['23505', '42P07', '42710']);

/** A `DagStore` over `database`: a `pg.Pool` (left open by `close()`) or a URL to open one for. */
export async function createPostgresStore(database: pg.Pool | string): Promise<DagStore> {
  const ownsPool = typeof database === 'string';
  const pool = typeof database === 'string' ? new (postgresDriver().Pool)({ connectionString: database, max: 2, connectionTimeoutMillis: 5_000 }) : database;
  // An idle connection that drops emits 'error' on the pool; unhandled, that would end the process.
  if (ownsPool) pool.on('error', () => undefined);
  const description = typeof database === 'string' ? maskPassword(database) : 'postgres pool';
  try {
    for (const statement of [
      `CREATE TABLE IF NOT EXISTS dag_run_log (
        id BIGSERIAL PRIMARY KEY,
        pipeline TEXT NOT NULL,
        job_key TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        exec_time BIGINT NOT NULL,
        amount_of_data BIGINT NOT NULL,
        timestamp BIGINT NOT NULL)`,
      'CREATE INDEX IF NOT EXISTS dag_run_log_pipeline ON dag_run_log (pipeline, id)',
      'CREATE TABLE IF NOT EXISTS dag_commands (id BIGSERIAL PRIMARY KEY, pipeline TEXT NOT NULL, action TEXT NOT NULL, job_key TEXT)',
      `CREATE TABLE IF NOT EXISTS dag_attempt_output (id BIGSERIAL PRIMARY KEY, pipeline TEXT NOT NULL, run_id INTEGER NOT NULL, job_key TEXT NOT NULL,
        attempt INTEGER NOT NULL, output TEXT NOT NULL, truncated BOOLEAN NOT NULL)`,
      ...ADDED_RUN_LOG_COLUMNS.map((column) => `ALTER TABLE dag_run_log ADD COLUMN IF NOT EXISTS ${column} TEXT`),
    ]) {
      await pool.query(statement).catch((error: { code?: string }) => {
        if (!CONCURRENT_CREATE_CODES.has(error.code ?? '')) throw error;
      });
    }
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw error;
  }
  let runnerLock: LockBackend;
  try {
    runnerLock = await createPostgresLock(pool, { clock: 'database', table: RUNNER_LEASE_TABLE });
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw error;
  }
  return {
    description,
    runnerLock,
    async append(entry, fence) {
      const values = valuesOf(entry);
      if (fence === undefined) {
        await pool.query(`INSERT INTO dag_run_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, values);
        return true;
      }
      const result = await pool.query(
        `INSERT INTO dag_run_log (${COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
          WHERE EXISTS (SELECT 1 FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = $11 AND lock_owner = $12 AND token = $13::bigint AND expires_at > ${POSTGRES_NOW_TIME})`,
        [...values, fence.key, fence.owner, fence.token],
      );
      return result.rowCount === 1;
    },
    async entries(pipeline) {
      const result = await pool.query<RunLogRow>(`SELECT ${COLUMNS} FROM dag_run_log WHERE pipeline = $1 ORDER BY id`, [pipeline]);
      return result.rows.map(entryFromRow);
    },
    async outputs(pipeline, job) {
      const result = await pool.query<AttemptOutputRow>('SELECT pipeline, run_id, job_key, attempt, output, truncated FROM dag_attempt_output WHERE pipeline = $1 AND job_key = $2 ORDER BY id', [pipeline, job]);
      return result.rows.map(attemptOutputFromRow);
    },
    async breakLease(key, owner) {
      const result = await pool.query(`UPDATE ${RUNNER_LEASE_TABLE} SET lock_owner = NULL, expires_at = LEAST(expires_at, ${POSTGRES_NOW_TIME}) WHERE lock_name = $1 AND lock_owner = $2`, [key, owner]);
      return result.rowCount === 1;
    },
    async leaseHolder(key) {
      const result = await pool.query<{ lock_owner: string | null; expires_at: string }>(`SELECT lock_owner, ${postgresMsFromTime('expires_at')} AS expires_at FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = $1`, [key]);
      const row = result.rows[0];
      return row?.lock_owner == null ? undefined : { owner: row.lock_owner, expiresAtMs: Number(row.expires_at) };
    },
    async enqueue(command) {
      await pool.query('INSERT INTO dag_commands (pipeline, action, job_key) VALUES ($1, $2, $3)', [command.pipeline, command.action, command.jobKey]);
    },
    async pending(pipeline) {
      const result = await pool.query<CommandRow>('SELECT id, pipeline, action, job_key FROM dag_commands WHERE pipeline = $1 ORDER BY id', [pipeline]);
      return commandsFromRows(result.rows);
    },
    async commit(entries, options = {}) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const written = await commitIn(client, entries, options);
        await client.query(written ? 'COMMIT' : 'ROLLBACK');
        return written;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}

/** `entry` as the parameters of an insert into `COLUMNS`. */
function valuesOf(entry: RunLogEntry): unknown[] {
  return [entry.pipeline, entry.jobKey, entry.attempt, entry.status, entry.execTimeMs, entry.amountOfDataBytes, entry.timestampMs, entry.execution ?? null, entry.runner ?? null, entry.run === undefined ? null : String(entry.run)];
}

/** A commit's checks and writes, inside the caller's transaction; false: refused, to be rolled back. */
async function commitIn(client: pg.PoolClient, entries: readonly RunLogEntry[], options: CommitOptions): Promise<boolean> {
  const fence = options.fence;
  if (fence !== undefined) {
    const held = await client.query(
      `SELECT 1 FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = $1 AND lock_owner = $2 AND token = $3::bigint AND expires_at > ${POSTGRES_NOW_TIME} FOR SHARE`,
      [fence.key, fence.owner, fence.token],
    );
    if (held.rowCount !== 1) return false;
  }
  if (options.command !== undefined) {
    const removed = await client.query('DELETE FROM dag_commands WHERE id = $1', [options.command]);
    if (removed.rowCount !== 1) return false;
  }
  for (const entry of entries) await client.query(`INSERT INTO dag_run_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, valuesOf(entry));
  const output = options.output;
  if (output !== undefined) {
    await client.query('INSERT INTO dag_attempt_output (pipeline, run_id, job_key, attempt, output, truncated) VALUES ($1, $2, $3, $4, $5, $6)', [
      output.pipeline,
      output.run,
      output.jobKey,
      output.attempt,
      // PostgreSQL TEXT cannot hold a NUL character.
      output.output.replaceAll('\0', '\uFFFD'),
      output.truncated,
    ]);
  }
  return true;
}

function maskPassword(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
