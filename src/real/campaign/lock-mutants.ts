/**
 * Deliberately broken lock stores for `simrun real lock --mutant NAME`: each one a shipped backend
 * (SQLite, or the file lock) with one flaw real lock code has shipped with, so real processes, real
 * pauses, real kills and real clock offsets must expose it through the same checkers a simulated run
 * uses.
 */
import Database from 'better-sqlite3';
import type { Env } from '../../env/env.js';
import { createFileLock } from '../../locks/file-lock.js';
import type { LockBackend } from '../../locks/lock.js';
import type { LockSpec } from '../../locks/lock-spec.js';
import { leaseFromRow, type LockRow } from '../../locks/sql-common.js';

export const REAL_LOCK_MUTANTS: Readonly<Record<string, string>> = {
  'no-token-bump-on-takeover':
    'the SQLite store bumps the fencing token when a free key is taken but not when an expired lease is taken over, so the paused holder and its successor share one token',
  'skew-margin-wrong-sign':
    "the file lock's skew margin (a quarter lease) is subtracted from a lease's expiry instead of added: a client takes a key over before its own clock reads the holder's expiry, by less than the clocks' disagreement",
};

/** The backend each mutant is a flawed copy of: a run of that mutant uses a store of this kind. */
export const REAL_LOCK_MUTANT_STORES: Readonly<Record<string, 'sqlite' | 'file'>> = {
  'no-token-bump-on-takeover': 'sqlite',
  'skew-margin-wrong-sign': 'file',
};

/**
 * The flawed store `name` over `spec` (of the mutant's kind), for the client whose `Env` is `env` and
 * whose leases last `ttlMs`: the file lock reads that client's clock, offset and all.
 */
export function openRealLockMutant(name: string, spec: LockSpec, env: Env, ttlMs: number): LockBackend {
  if (name === 'skew-margin-wrong-sign' && spec.kind === 'file') {
    // The simulated mutant's flaw: a margin meant to keep leases held a quarter lease longer, with its sign wrong.
    const expiryMarginMs = -Math.floor(ttlMs / 4);
    return { ...createFileLock(env.fs, spec.dir, { now: () => env.now(), expiryMarginMs }), name: `mutant:${name}` };
  }
  if (name === 'no-token-bump-on-takeover' && spec.kind === 'sqlite') return openTokenKeepingSqlite(name, spec.path);
  throw new Error(`real lock mutant ${name} does not replace a ${spec.kind} store`);
}

/** SQLite's own clock in ms, as the shipped backend reads it. */
const DATABASE_NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/** The SQLite store that keeps the token on a takeover, over the file at `path`. */
function openTokenKeepingSqlite(name: string, path: string): LockBackend {
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
