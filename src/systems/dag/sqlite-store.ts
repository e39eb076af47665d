/**
 * The run log in SQLite (better-sqlite3). Each call is one statement; taking commands is one
 * `DELETE ... RETURNING`, so two runners can never both take the same command.
 */
import Database from 'better-sqlite3';
import { commandsFromRows, entryFromRow, type CommandRow, type DagStore, type RunLogRow } from './run-log.js';

/**
 * A `DagStore` over `database`: an open better-sqlite3 `Database` (left open by `close()`), or a
 * file path or `':memory:'` to open (closed by `close()`). Creates the tables if they are missing.
 */
export function createSqliteStore(database: Database.Database | string): DagStore {
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
  );`);
  const insert = db.prepare(`INSERT INTO dag_run_log (pipeline, job_key, attempt, status, exec_time, amount_of_data, timestamp)
    VALUES (@pipeline, @jobKey, @attempt, @status, @execTimeMs, @amountOfDataBytes, @timestampMs)`);
  const select = db.prepare<[string], RunLogRow>('SELECT pipeline, job_key, attempt, status, exec_time, amount_of_data, timestamp FROM dag_run_log WHERE pipeline = ? ORDER BY id');
  const enqueue = db.prepare('INSERT INTO dag_commands (pipeline, action, job_key) VALUES (@pipeline, @action, @jobKey)');
  const take = db.prepare<[string], CommandRow>('DELETE FROM dag_commands WHERE pipeline = ? RETURNING id, pipeline, action, job_key');
  return {
    description: `sqlite:${db.name}`,
    async append(entry) {
      insert.run(entry);
    },
    async entries(pipeline) {
      return select.all(pipeline).map(entryFromRow);
    },
    async enqueue(command) {
      enqueue.run(command);
    },
    async take(pipeline) {
      return commandsFromRows(take.all(pipeline));
    },
    async close() {
      if (ownsDatabase && db.open) db.close();
    },
  };
}
