/**
 * Deliberately broken lock stores for `simrun real lock --mutant NAME`: each one the shipped SQLite
 * backend with one flaw real lock code has shipped with, so real processes, real pauses and real
 * kills must expose it through the same checkers a simulated run uses.
 */
import Database from 'better-sqlite3';
import type { LockBackend } from '../../locks/lock.js';
import { leaseFromRow, type LockRow } from '../../locks/sql-common.js';

export const REAL_LOCK_MUTANTS: Readonly<Record<string, string>> = {
  'no-token-bump-on-takeover':
    'the SQLite store bumps the fencing token when a free key is taken but not when an expired lease is taken over, so the paused holder and its successor share one token',
};

/** SQLite's own clock in ms, as the shipped backend reads it. */
const DATABASE_NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/** The flawed store `name` over the SQLite file at `path`. */
export function openRealLockMutant(name: string, path: string): LockBackend {
  if (name !== 'no-token-bump-on-takeover') throw new Error(`unknown real lock mutant ${name}`);
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS locks (lock_name TEXT PRIMARY KEY, lock_owner TEXT, lock_time BIGINT NOT NULL, expires_at BIGINT NOT NULL, token BIGINT NOT NULL)');
  const returning = 'RETURNING lock_owner, lock_time, expires_at, token';
  const acquire = db.prepare<Record<string, unknown>, LockRow>(`
    INSERT INTO locks (lock_name, lock_owner, lock_time, expires_at, token)
    VALUES (@key, @owner, ${DATABASE_NOW}, ${DATABASE_NOW} + @ttlMs, 1)
    ON CONFLICT (lock_name) DO UPDATE SET
      lock_owner = excluded.lock_owner,
      lock_time = excluded.lock_time,
      expires_at = excluded.expires_at,
      token = CASE WHEN locks.lock_owner IS NULL THEN locks.token + 1 ELSE locks.token END
    WHERE locks.lock_owner IS NULL OR locks.expires_at <= excluded.lock_time
    ${returning}`);
  const renew = db.prepare<Record<string, unknown>, LockRow>(`
    UPDATE locks SET expires_at = ${DATABASE_NOW} + @ttlMs
    WHERE lock_name = @key AND lock_owner = @owner AND token = @token AND expires_at > ${DATABASE_NOW}
    ${returning}`);
  const release = db.prepare<Record<string, unknown>, LockRow>(`
    UPDATE locks SET lock_owner = NULL, expires_at = MIN(expires_at, ${DATABASE_NOW})
    WHERE lock_name = @key AND lock_owner = @owner AND token = @token
    ${returning}`);
  return {
    name: `mutant:${name}`,
    async tryAcquire(key, owner, ttlMs) {
      const row = acquire.get({ key, owner, ttlMs });
      return row === undefined ? null : leaseFromRow(key, owner, row);
    },
    async renew(lease, ttlMs) {
      const row = renew.get({ key: lease.key, owner: lease.owner, token: lease.token, ttlMs });
      return row === undefined ? null : leaseFromRow(lease.key, lease.owner, row);
    },
    async release(lease) {
      return release.get({ key: lease.key, owner: lease.owner, token: lease.token }) !== undefined;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
