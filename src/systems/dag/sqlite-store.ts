/**
 * The run log in SQLite (better-sqlite3). A fenced append is one `INSERT ... SELECT ... WHERE` the
 * runner's lease is still held, judged in that statement; a commit (a command's rows and its
 * removal) is one `BEGIN IMMEDIATE` transaction, so two runners can never both carry out a command.
 */
import Database from 'better-sqlite3';
import { createSqliteLock, sqliteMsFromTime, sqliteTimeFromMs } from '../../locks/sqlite-lock.js';
import { ADDED_RUN_LOG_COLUMNS, attemptOutputFromRow, commandsFromRows, entryFromRow, RUNNER_LEASE_TABLE, type AttemptOutputRow, type CommandRow, type CommitOptions, type DagStore, type RunLogEntry, type RunLogRow } from './run-log.js';

/** SQLite's own clock in ms, as the SQLite lock backend reads it. */
const DATABASE_NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

export interface SqliteStoreOptions {
  /**
   * The clock that judges the runner leases' expiry, ms: the database's own by default. A
   * simulation passes the world's clock (SQLite's own would be the real time of the test machine).
   */
  readonly now?: () => number;
}

/**
 * A `DagStore` over `database`: an open better-sqlite3 `Database` (left open by `close()`), or a
 * file path or `':memory:'` to open (closed by `close()`). Creates the tables if they are missing.
 */
export function createSqliteStore(database: Database.Database | string, options: SqliteStoreOptions = {}): DagStore {
  const ownsDatabase = typeof database === 'string';
  const db = typeof database === 'string' ? new Database(database) : database;
  if (ownsDatabase && database !== ':memory:') {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
  }
  db.exec(`CREATE TABLE IF NOT EXISTS dag_run_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline TEXT NOT NULL,
    job_key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    exec_time BIGINT NOT NULL,
    amount_of_data BIGINT NOT NULL,
    timestamp BIGINT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS dag_run_log_pipeline ON dag_run_log (pipeline, id);
  CREATE TABLE IF NOT EXISTS dag_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline TEXT NOT NULL,
    action TEXT NOT NULL,
    job_key TEXT
  );
  CREATE TABLE IF NOT EXISTS dag_attempt_output (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    job_key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    output TEXT NOT NULL,
    truncated INTEGER NOT NULL
  );`);
  addMissingColumns(db);
  const runnerLock = createSqliteLock(db, { clock: 'database', ...(options.now === undefined ? {} : { now: options.now }), table: RUNNER_LEASE_TABLE });
  const clock = options.now === undefined ? DATABASE_NOW : '@now';
  const clockMs = options.now ?? ((): number => 0);
  // The lease table keeps readable instants (see the SQLite lock backend).
  const clockTime = sqliteTimeFromMs(clock);
  const columns = 'pipeline, job_key, attempt, status, exec_time, amount_of_data, timestamp, execution, runner, run_id';
  const values = '@pipeline, @jobKey, @attempt, @status, @execTimeMs, @amountOfDataBytes, @timestampMs, @execution, @runner, @run';
  const insert = db.prepare(`INSERT INTO dag_run_log (${columns}) VALUES (${values})`);
  /** The runner's lease `@fenceKey` is still held by `@fenceOwner` under `@fenceToken`, by the store's clock. */
  const leaseStillHeld = `EXISTS (SELECT 1 FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = @fenceKey AND lock_owner = @fenceOwner AND token = @fenceToken AND expires_at > ${clockTime})`;
  const fencedInsert = db.prepare(`INSERT INTO dag_run_log (${columns}) SELECT ${values} WHERE ${leaseStillHeld}`);
  const selectAfter = db.prepare<[string, number], RunLogRow & { readonly id: number }>(`SELECT id, ${columns} FROM dag_run_log WHERE pipeline = ? AND id > ? ORDER BY id`);
  const countUpTo = db.prepare<[string, number], number>('SELECT count(*) FROM dag_run_log WHERE pipeline = ? AND id <= ?').pluck();
  /**
   * The rows read so far per pipeline, and the id of the last. The run log only grows, and SQLite
   * hands out its ids in commit order, so a later read needs only the rows after that id: a
   * simulated day reads the log every few seconds and re-reading every row was most of a DAG run's
   * time. Rows deleted behind its back (a hand-cleaned table) change the count of rows up to that
   * id, and then it reads everything again.
   */
  const readSoFar = new Map<string, { entries: RunLogEntry[]; lastId: number }>();
  const enqueue = db.prepare('INSERT INTO dag_commands (pipeline, action, job_key) VALUES (@pipeline, @action, @jobKey)');
  const saveOutput = db.prepare('INSERT INTO dag_attempt_output (pipeline, run_id, job_key, attempt, output, truncated) VALUES (@pipeline, @run, @jobKey, @attempt, @output, @truncated)');
  const pending = db.prepare<[string], CommandRow>('SELECT id, pipeline, action, job_key FROM dag_commands WHERE pipeline = ? ORDER BY id');
  const leaseHeld = db.prepare<Record<string, unknown>, number>(`SELECT ${leaseStillHeld}`).pluck();
  const removeCommand = db.prepare('DELETE FROM dag_commands WHERE id = ?');
  /** The checks first, then the writes: a refused commit has written nothing, with no rollback needed. */
  const commit = db.transaction((entries: readonly RunLogEntry[], options: CommitOptions): boolean => {
    const fence = options.fence;
    if (fence !== undefined && leaseHeld.get({ fenceKey: fence.key, fenceOwner: fence.owner, fenceToken: fence.token, now: clockMs() }) !== 1) return false;
    if (options.command !== undefined && removeCommand.run(options.command).changes !== 1) return false;
    for (const entry of entries) insert.run(rowOf(entry));
    if (options.output !== undefined) saveOutput.run({ ...options.output, truncated: options.output.truncated ? 1 : 0 });
    return true;
  });
  const breakLease = db.prepare(`UPDATE ${RUNNER_LEASE_TABLE} SET lock_owner = NULL, expires_at = MIN(expires_at, ${clockTime}) WHERE lock_name = @key AND lock_owner = @owner`);
  const outputs = db.prepare<[string, string], AttemptOutputRow>('SELECT pipeline, run_id, job_key, attempt, output, truncated FROM dag_attempt_output WHERE pipeline = ? AND job_key = ? ORDER BY id');
  const holder = db.prepare<[string], { lock_owner: string | null; expires_at: number | string }>(`SELECT lock_owner, ${sqliteMsFromTime('expires_at')} AS expires_at FROM ${RUNNER_LEASE_TABLE} WHERE lock_name = ?`);
  return {
    description: `sqlite:${db.name}`,
    runnerLock,
    async append(entry, fence) {
      const row = rowOf(entry);
      if (fence === undefined) {
        insert.run(row);
        return true;
      }
      return fencedInsert.run({ ...row, fenceKey: fence.key, fenceOwner: fence.owner, fenceToken: fence.token, now: clockMs() }).changes === 1;
    },
    async commit(entries, options = {}) {
      // IMMEDIATE: the write lock is taken at BEGIN, so a second runner's commit waits rather than reading a command this one removes.
      return commit.immediate(entries, options);
    },
    async entries(pipeline) {
      let read = readSoFar.get(pipeline);
      if (read === undefined || countUpTo.get(pipeline, read.lastId) !== read.entries.length) {
        read = { entries: [], lastId: 0 };
        readSoFar.set(pipeline, read);
      }
      for (const row of selectAfter.all(pipeline, read.lastId)) {
        read.entries.push(entryFromRow(row));
        read.lastId = row.id;
      }
      return read.entries.slice();
    },
    async enqueue(command) {
      enqueue.run(command);
    },
    async pending(pipeline) {
      return commandsFromRows(pending.all(pipeline));
    },
    async outputs(pipeline, job) {
      return outputs.all(pipeline, job).map(attemptOutputFromRow);
    },
    async breakLease(key, owner) {
      return breakLease.run({ key, owner, now: clockMs() }).changes === 1;
    },
    async leaseHolder(key) {
      const row = holder.get(key);
      return row?.lock_owner == null ? undefined : { owner: row.lock_owner, expiresAtMs: Number(row.expires_at) };
    },
    async close() {
      if (ownsDatabase && db.open) db.close();
    },
  };
}

/** `entry` as the insert statement's named parameters. */
function rowOf(entry: RunLogEntry): Record<string, unknown> {
  return { ...entry, execution: entry.execution ?? null, runner: entry.runner ?? null, run: entry.run === undefined ? null : String(entry.run) };
}

/** Adds the run log's newer columns to a database written before they existed. */
function addMissingColumns(db: Database.Database): void {
  const present = new Set((db.pragma('table_info(dag_run_log)') as { name: string }[]).map((column) => column.name));
  for (const column of ADDED_RUN_LOG_COLUMNS) if (!present.has(column)) db.exec(`ALTER TABLE dag_run_log ADD COLUMN ${column} TEXT`);
}
