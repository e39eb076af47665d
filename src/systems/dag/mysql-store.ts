/**
 * The run log in MySQL or MariaDB (mysql2), beside SQLite and PostgreSQL. The table keeps the seed
 * design's columns with their types: `id`, `job_key`, `exec_time`, `amount_of_data`, and `timestamp`
 * as a DATETIME (with ms, in UTC), plus the same columns of ours as the other stores.
 *
 * MySQL has no `UPDATE … RETURNING`, so the runner lease is a short transaction that locks the row it
 * reads (`SELECT … FOR UPDATE`); a fenced append is one `INSERT … SELECT … WHERE EXISTS` the lease is
 * still held, judged by the server's clock; a commit (a command's rows and its removal) is one
 * transaction that holds the lease row while it writes (`LOCK IN SHARE MODE`).
 */
import type mysql from 'mysql2/promise';
import { lazyRequire } from '../../env/lazy-require.js';
import type { Lease, LockBackend } from '../../locks/lock.js';
import { leaseFromRow, type LockRow } from '../../locks/sql-common.js';
import { attemptOutputFromRow, commandsFromRows, entryFromRow, RUNNER_LEASE_TABLE, type AttemptOutputRow, type CommandRow, type DagStore, type RunLogEntry, type RunLogRow } from './run-log.js';

/** The server's clock in ms. */
const DATABASE_NOW = 'CAST(FLOOR(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)';
const INSERT_COLUMNS = 'pipeline, job_key, attempt, status, exec_time, amount_of_data, `timestamp`, execution, runner, run_id';
const INSERT_VALUES = '?, ?, ?, ?, ?, ?, FROM_UNIXTIME(? / 1000), ?, ?, ?';
const SELECT_COLUMNS = 'pipeline, job_key, attempt, status, exec_time, amount_of_data, CAST(FLOOR(UNIX_TIMESTAMP(`timestamp`) * 1000) AS SIGNED) AS `timestamp`, execution, runner, run_id';
const FENCE = `EXISTS (SELECT 1 FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = ? AND lock_owner = ? AND token = ? AND expires_at > ${DATABASE_NOW})`;

const TABLES = [
  `CREATE TABLE IF NOT EXISTS dag_run_log (
    id BIGINT NOT NULL AUTO_INCREMENT,
    pipeline VARCHAR(255) NOT NULL,
    job_key VARCHAR(255) NOT NULL,
    attempt INT NOT NULL,
    status VARCHAR(16) NOT NULL,
    exec_time BIGINT NOT NULL,
    amount_of_data BIGINT DEFAULT NULL,
    \`timestamp\` DATETIME(3),
    execution VARCHAR(255) DEFAULT NULL,
    runner VARCHAR(255) DEFAULT NULL,
    run_id INT DEFAULT NULL,
    PRIMARY KEY (id),
    KEY dag_run_log_pipeline (pipeline, id)
  )`,
  'CREATE TABLE IF NOT EXISTS dag_commands (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, pipeline VARCHAR(255) NOT NULL, action VARCHAR(16) NOT NULL, job_key VARCHAR(255))',
  `CREATE TABLE IF NOT EXISTS dag_attempt_output (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, pipeline VARCHAR(255) NOT NULL, run_id INT NOT NULL,
    job_key VARCHAR(255) NOT NULL, attempt INT NOT NULL, output LONGTEXT NOT NULL, truncated TINYINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${RUNNER_LEASE_TABLE} (lock_name VARCHAR(255) NOT NULL PRIMARY KEY, lock_owner VARCHAR(255), lock_time BIGINT NOT NULL,
    expires_at BIGINT NOT NULL, token BIGINT NOT NULL)`,
];

/** `entry` as the parameters of an insert of `INSERT_VALUES`. */
function valuesOf(entry: RunLogEntry): unknown[] {
  return [entry.pipeline, entry.jobKey, entry.attempt, entry.status, entry.execTimeMs, entry.amountOfDataBytes, entry.timestampMs, entry.execution ?? null, entry.runner ?? null, entry.run ?? null];
}

/** The MySQL driver, loaded when a store is first opened on it. */
const mysqlDriver: () => typeof mysql = lazyRequire('mysql2/promise');

/** A `DagStore` over a `mysql://user:pass@host:port/database` URL (the pool is closed by `close()`). */
export async function createMysqlStore(url: string): Promise<DagStore> {
  const pool = mysqlDriver().createPool({ uri: url, connectionLimit: 2, connectTimeout: 5_000, timezone: 'Z' });
  // FROM_UNIXTIME and UNIX_TIMESTAMP read DATETIMEs in the session's zone: UTC, so they round-trip.
  pool.pool.on('connection', (connection) => connection.query("SET time_zone = '+00:00'"));
  try {
    for (const statement of TABLES) await pool.query(statement);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const inTransaction = async <T>(work: (connection: mysql.PoolConnection) => Promise<T>): Promise<T> => {
    const connection = await pool.getConnection();
    try {
      await connection.beginTransaction();
      const result = await work(connection);
      await connection.commit();
      return result;
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  };
  const leaseRow = async (connection: mysql.PoolConnection, key: string): Promise<(LockRow & { now: number | string }) | undefined> => {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(`SELECT lock_owner, lock_time, expires_at, token, ${DATABASE_NOW} AS now FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = ? FOR UPDATE`, [key]);
    return rows[0] as (LockRow & { now: number | string }) | undefined;
  };

  const runnerLock: LockBackend = {
    name: 'mysql',
    async tryAcquire(key, owner, ttlMs) {
      return inTransaction(async (connection) => {
        await connection.query(`INSERT IGNORE INTO ${RUNNER_LEASE_TABLE} (lock_name, lock_owner, lock_time, expires_at, token) VALUES (?, NULL, 0, 0, 0)`, [key]);
        const row = (await leaseRow(connection, key)) as LockRow & { now: number | string };
        const now = Number(row.now);
        if (row.lock_owner !== null && Number(row.expires_at) > now) return null;
        const token = Number(row.token) + 1;
        const expiresAt = now + Math.floor(ttlMs);
        await connection.query(`UPDATE ${RUNNER_LEASE_TABLE} SET lock_owner = ?, lock_time = ?, expires_at = ?, token = ? WHERE lock_name = ?`, [owner, now, expiresAt, token, key]);
        return leaseFromRow(key, owner, { lock_owner: owner, lock_time: now, expires_at: expiresAt, token });
      });
    },
    async renew(lease, ttlMs) {
      return inTransaction(async (connection): Promise<Lease | null> => {
        const row = await leaseRow(connection, lease.key);
        if (row === undefined || row.lock_owner !== lease.owner || Number(row.token) !== lease.token || Number(row.expires_at) <= Number(row.now)) return null;
        const expiresAt = Number(row.now) + Math.floor(ttlMs);
        await connection.query(`UPDATE ${RUNNER_LEASE_TABLE} SET expires_at = ? WHERE lock_name = ?`, [expiresAt, lease.key]);
        return leaseFromRow(lease.key, lease.owner, { ...row, expires_at: expiresAt });
      });
    },
    async release(lease) {
      const [result] = await pool.query<mysql.ResultSetHeader>(
        `UPDATE ${RUNNER_LEASE_TABLE} SET lock_owner = NULL, expires_at = LEAST(expires_at, ${DATABASE_NOW}) WHERE lock_name = ? AND lock_owner = ? AND token = ?`,
        [lease.key, lease.owner, lease.token],
      );
      return result.affectedRows === 1;
    },
    async close() {
      // The store's pool is closed by the store.
    },
  };

  return {
    description: url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@'),
    runnerLock,
    async append(entry, fence) {
      const values = valuesOf(entry);
      if (fence === undefined) {
        await pool.query(`INSERT INTO dag_run_log (${INSERT_COLUMNS}) VALUES (${INSERT_VALUES})`, values);
        return true;
      }
      const [result] = await pool.query<mysql.ResultSetHeader>(`INSERT INTO dag_run_log (${INSERT_COLUMNS}) SELECT ${INSERT_VALUES} FROM DUAL WHERE ${FENCE}`, [...values, fence.key, fence.owner, fence.token]);
      return result.affectedRows === 1;
    },
    async entries(pipeline) {
      const [rows] = await pool.query<mysql.RowDataPacket[]>(`SELECT ${SELECT_COLUMNS} FROM dag_run_log WHERE pipeline = ? ORDER BY id`, [pipeline]);
      return (rows as unknown as RunLogRow[]).map(entryFromRow);
    },
    async enqueue(command) {
      await pool.query('INSERT INTO dag_commands (pipeline, action, job_key) VALUES (?, ?, ?)', [command.pipeline, command.action, command.jobKey]);
    },
    async pending(pipeline) {
      const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT id, pipeline, action, job_key FROM dag_commands WHERE pipeline = ? ORDER BY id', [pipeline]);
      return commandsFromRows(rows as unknown as CommandRow[]);
    },
    async commit(entries, options = {}) {
      const refused = new Error('commit refused');
      try {
        return await inTransaction(async (connection) => {
          const fence = options.fence;
          if (fence !== undefined) {
            const [held] = await connection.query<mysql.RowDataPacket[]>(
              `SELECT 1 FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = ? AND lock_owner = ? AND token = ? AND expires_at > ${DATABASE_NOW} LOCK IN SHARE MODE`,
              [fence.key, fence.owner, fence.token],
            );
            if (held.length !== 1) throw refused;
          }
          if (options.command !== undefined) {
            const [removed] = await connection.query<mysql.ResultSetHeader>('DELETE FROM dag_commands WHERE id = ?', [options.command]);
            if (removed.affectedRows !== 1) throw refused;
          }
          for (const entry of entries) await connection.query(`INSERT INTO dag_run_log (${INSERT_COLUMNS}) VALUES (${INSERT_VALUES})`, valuesOf(entry));
          const output = options.output;
          if (output !== undefined) {
            await connection.query('INSERT INTO dag_attempt_output (pipeline, run_id, job_key, attempt, output, truncated) VALUES (?, ?, ?, ?, ?, ?)', [
              output.pipeline,
              output.run,
              output.jobKey,
              output.attempt,
              output.output,
              output.truncated ? 1 : 0,
            ]);
          }
          return true;
        });
      } catch (error) {
        // Thrown to roll the transaction back: nothing was written.
        if (error === refused) return false;
        throw error;
      }
    },
    async outputs(pipeline, job) {
      const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT pipeline, run_id, job_key, attempt, output, truncated FROM dag_attempt_output WHERE pipeline = ? AND job_key = ? ORDER BY id', [pipeline, job]);
      return (rows as unknown as AttemptOutputRow[]).map(attemptOutputFromRow);
    },
    async breakLease(key, owner) {
      const [result] = await pool.query<mysql.ResultSetHeader>(`UPDATE ${RUNNER_LEASE_TABLE} SET lock_owner = NULL, expires_at = LEAST(expires_at, ${DATABASE_NOW}) WHERE lock_name = ? AND lock_owner = ?`, [key, owner]);
      return result.affectedRows === 1;
    },
    async leaseHolder(key) {
      const [rows] = await pool.query<mysql.RowDataPacket[]>(`SELECT lock_owner, expires_at FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = ?`, [key]);
      const row = rows[0];
      return row === undefined || row['lock_owner'] === null ? undefined : { owner: String(row['lock_owner']), expiresAtMs: Number(row['expires_at']) };
    },
    async close() {
      await pool.end();
    },
  };
}
