/**
 * The run log in PostgreSQL (pg), for pipelines whose state must outlive one machine. Same tables
 * and statements as the SQLite store; taking commands is one `DELETE ... RETURNING`.
 */
import pg from 'pg';
import { commandsFromRows, entryFromRow, type CommandRow, type DagStore, type RunLogRow } from './run-log.js';

/** duplicate key, duplicate table, duplicate object: another client created the table first. */
const CONCURRENT_CREATE_CODES = new Set(['23505', '42P07', '42710']);

/** A `DagStore` over `database`: a `pg.Pool` (left open by `close()`) or a URL to open one for. */
export async function createPostgresStore(database: pg.Pool | string): Promise<DagStore> {
  const ownsPool = typeof database === 'string';
  const pool = typeof database === 'string' ? new pg.Pool({ connectionString: database, max: 2, connectionTimeoutMillis: 5_000 }) : database;
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
    ]) {
      await pool.query(statement).catch((error: { code?: string }) => {
        if (!CONCURRENT_CREATE_CODES.has(error.code ?? '')) throw error;
      });
    }
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw error;
  }
  return {
    description,
    async append(entry) {
      await pool.query(
        'INSERT INTO dag_run_log (pipeline, job_key, attempt, status, exec_time, amount_of_data, timestamp) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [entry.pipeline, entry.jobKey, entry.attempt, entry.status, entry.execTimeMs, entry.amountOfDataBytes, entry.timestampMs],
      );
    },
    async entries(pipeline) {
      const result = await pool.query<RunLogRow>('SELECT pipeline, job_key, attempt, status, exec_time, amount_of_data, timestamp FROM dag_run_log WHERE pipeline = $1 ORDER BY id', [pipeline]);
      return result.rows.map(entryFromRow);
    },
    async enqueue(command) {
      await pool.query('INSERT INTO dag_commands (pipeline, action, job_key) VALUES ($1, $2, $3)', [command.pipeline, command.action, command.jobKey]);
    },
    async take(pipeline) {
      const result = await pool.query<CommandRow>('DELETE FROM dag_commands WHERE pipeline = $1 RETURNING id, pipeline, action, job_key', [pipeline]);
      return commandsFromRows(result.rows);
    },
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}

function maskPassword(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
