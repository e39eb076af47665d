/**
 * What the SQLite and PostgreSQL backends share: the clock choice, the row shape, table-name checking.
 *
 * Which clock judges expiry in a SQL lock, shared by the SQLite and PostgreSQL backends.
 *
 * - `caller`: the caller's clock (`env.now`), sent with each statement. Simple, but two callers whose
 *   clocks disagree disagree about expiry: a caller whose clock runs fast takes over a live lease.
 * - `database`: the database's own clock, read inside the statement, so every caller is judged by one
 *   clock and skew between callers cannot matter. In simulation the real database clock would be
 *   real time, so a simulation passes `now` (the world's clock) and it is sent with each statement
 *   as the database's clock; in real mode leave `now` out.
 */
import type { Lease } from './lock.js';

export type SqlClockOptions =
  | { readonly clock: 'caller'; readonly now: () => number }
  | { readonly clock: 'database'; readonly now?: () => number };

/** A table name safe to splice into SQL: letters, digits and underscores, optionally schema-qualified. */
export function isSafeTableName(table: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table);
}

/** A row of the `locks` table as both drivers return it (PostgreSQL returns BIGINT as a string). */
export interface LockRow {
  readonly lock_owner: string | null;
  readonly lock_time: number | string;
  readonly expires_at: number | string;
  readonly token: number | string;
}

/** The lease a `RETURNING` row describes. */
export function leaseFromRow(key: string, owner: string, row: LockRow): Lease {
  return { key, owner, token: Number(row.token), acquiredAt: Number(row.lock_time), expiresAt: Number(row.expires_at) };
}
