/**
 * Faults of a real store, struck from outside the processes that use it, as another program on the
 * machine would: a writer holding the SQLite file in a long transaction, and PostgreSQL backends
 * terminated by an administrator (`pg_terminate_backend`). The processes must ride them out: wait,
 * fail a call and retry, or give a lease up; never break the lease contract.
 */
import Database from 'better-sqlite3';
import { pgDriver } from '../../locks/pg-driver.js';

/**
 * Takes SQLite's write lock on `path` (BEGIN IMMEDIATE) and holds it for `ms`; resolves true once
 * taken, false when the file was busy beyond a short wait (another writer already held it).
 */
export async function holdSqliteWriteLock(path: string, ms: number): Promise<boolean> {
  let db: Database.Database | undefined;
  try {
    // A short busy wait: better-sqlite3 blocks this process while it waits for the lock.
    db = new Database(path, { fileMustExist: true, timeout: 100 });
    db.exec('BEGIN IMMEDIATE');
  } catch {
    db?.close();
    return false;
  }
  const held = db;
  setTimeout(() => {
    try {
      held.exec('ROLLBACK');
    } finally {
      held.close();
    }
  }, ms);
  return true;
}

/**
 * Terminates the backends connected to the database at `url` under `applicationName` (the clients
 * of one run, started with `PGAPPNAME`; nobody else's); resolves true when it reached the database.
 */
export async function terminatePostgresBackends(url: string, applicationName: string): Promise<boolean> {
  const client = new (pgDriver().Client)({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()', [applicationName]);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
