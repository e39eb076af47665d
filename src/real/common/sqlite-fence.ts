/**
 * A fenced resource several real processes share: one SQLite file remembering, per key, the highest
 * fencing token it accepted and from whom. A write is judged in one immediate transaction (read the
 * highest, accept if the token is not lower, remember it), so two processes never both pass the
 * fence on a stale reading: the database a lock holder writes to, checking the token as a real
 * storage system would.
 *
 * The rule is `FencedResource`'s: a token at least the highest accepted is accepted (a holder writes
 * many times with one token); a lower one is refused.
 */
import Database from 'better-sqlite3';

export interface FenceVerdict {
  readonly accepted: boolean;
  /** The highest token accepted for the key before this write, 0 if none. */
  readonly highestBefore: number;
}

export interface SqliteFence {
  write(key: string, token: number, owner: string): FenceVerdict;
  close(): void;
}

export function openSqliteFence(path: string, busyTimeoutMs = 5_000): SqliteFence {
  const db = new Database(path);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS fence (key TEXT PRIMARY KEY, token BIGINT NOT NULL, owner TEXT NOT NULL, writes BIGINT NOT NULL)');
  const read = db.prepare<[string], { token: number }>('SELECT token FROM fence WHERE key = ?');
  const upsert = db.prepare(
    'INSERT INTO fence (key, token, owner, writes) VALUES (@key, @token, @owner, 1) ON CONFLICT (key) DO UPDATE SET token = excluded.token, owner = excluded.owner, writes = fence.writes + 1',
  );
  const judge = db.transaction((key: string, token: number, owner: string): FenceVerdict => {
    const highestBefore = read.get(key)?.token ?? 0;
    const accepted = token >= highestBefore;
    if (accepted) upsert.run({ key, token, owner });
    return { accepted, highestBefore };
  });
  return {
    // Immediate: the write lock is taken before the read, so the reading cannot go stale before the update.
    write: (key, token, owner) => judge.immediate(key, token, owner),
    close: () => {
      if (db.open) db.close();
    },
  };
}
