/**
 * Lock backends against the raw operations they are built on, in one run: each backend's
 * acquire + release round trip next to the same statements (or file operations) issued directly on
 * the same driver. The gap is the backend's own overhead: its async API, row mapping, checks.
 * Targets: SQLite and PostgreSQL within 1.5x of raw. PostgreSQL runs only when SIMRUN_PG_URL is set.
 *
 *   npm run build && node dist/bench/locks.js     (writes reports/bench/locks.json)
 */
import Database from 'better-sqlite3';
import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { Bench } from 'tinybench';
import type { FsPromises } from '../src/env/fs.js';
import { createFileLock, createMemoryLock, createPostgresLock, createSqliteLock, type LockBackend } from '../src/locks/index.js';
import { writeBenchResult } from './result-file.js';

export interface LocksBenchRow {
  readonly backend: string;
  /** What the raw baseline does. */
  readonly raw: string | null;
  readonly lockMeanUs: number;
  readonly rawMeanUs: number | null;
  /** lockMeanUs / rawMeanUs: 1.0 means no overhead. */
  readonly ratio: number | null;
  readonly targetRatio: number | null;
  readonly withinTarget: boolean | null;
}

export interface LocksBenchResult {
  readonly benchmark: 'locks';
  readonly node: string;
  readonly rows: readonly LocksBenchRow[];
  /** Backends left out, with why. */
  readonly skipped: readonly string[];
}

const KEY = 'bench-key';
const OWNER = 'bench#1';
const TTL_MS = 30_000;

/** Times one lock's acquire + release round trip and, if given, the raw equivalent, in one Bench. */
async function measure(backend: string, lock: LockBackend, raw: { what: string; run: () => unknown } | null, targetRatio: number | null, timeMs: number): Promise<LocksBenchRow> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 2) });
  bench.add(`${backend}: lock acquire+release`, async () => {
    const lease = await lock.tryAcquire(KEY, OWNER, TTL_MS);
    if (lease === null) throw new Error(`${backend}: the benchmark key was not free`);
    await lock.release(lease);
  });
  if (raw !== null) bench.add(`${backend}: raw ${raw.what}`, raw.run);
  await bench.run();
  const meanUs = (index: number): number => {
    const result = bench.tasks[index]?.result;
    if (result === undefined || !('latency' in result)) throw new Error(`${backend}: task ${index} did not complete (${result?.state ?? 'missing'})`);
    return result.latency.mean * 1000;
  };
  const lockMeanUs = meanUs(0);
  const rawMeanUs = raw === null ? null : meanUs(1);
  const ratio = rawMeanUs === null ? null : lockMeanUs / rawMeanUs;
  return { backend, raw: raw?.what ?? null, lockMeanUs, rawMeanUs, ratio, targetRatio, withinTarget: ratio === null || targetRatio === null ? null : ratio <= targetRatio };
}

/** The acquire and release statements as a hand-written caller would issue them to SQLite. */
function rawSqlite(db: Database.Database): () => unknown {
  db.exec('CREATE TABLE IF NOT EXISTS raw_locks (lock_name TEXT PRIMARY KEY, lock_owner TEXT, lock_time BIGINT NOT NULL, expires_at BIGINT NOT NULL, token BIGINT NOT NULL)');
  const acquire = db.prepare(`INSERT INTO raw_locks (lock_name, lock_owner, lock_time, expires_at, token) VALUES (@key, @owner, @now, @now + @ttlMs, 1)
    ON CONFLICT (lock_name) DO UPDATE SET lock_owner = excluded.lock_owner, lock_time = excluded.lock_time, expires_at = excluded.expires_at, token = raw_locks.token + 1
    WHERE raw_locks.lock_owner IS NULL OR raw_locks.expires_at <= excluded.lock_time RETURNING lock_owner, lock_time, expires_at, token`);
  const release = db.prepare(`UPDATE raw_locks SET lock_owner = NULL, expires_at = MIN(expires_at, @now)
    WHERE lock_name = @key AND lock_owner = @owner AND token = @token RETURNING lock_owner, lock_time, expires_at, token`);
  return () => {
    const row = acquire.get({ key: KEY, owner: OWNER, now: Date.now(), ttlMs: TTL_MS }) as { token: number };
    release.get({ key: KEY, owner: OWNER, token: row.token, now: Date.now() });
  };
}

/** The same statements, with the server's clock, as a hand-written caller would send them through `pg`. */
function rawPostgres(pool: pg.Pool, table: string): () => Promise<unknown> {
  const now = '(floor(extract(epoch from clock_timestamp()) * 1000))::bigint';
  const acquire = `INSERT INTO ${table} AS l (lock_name, lock_owner, lock_time, expires_at, token) VALUES ($1, $2, ${now}, ${now} + $3::bigint, 1)
    ON CONFLICT (lock_name) DO UPDATE SET lock_owner = excluded.lock_owner, lock_time = excluded.lock_time, expires_at = excluded.expires_at, token = l.token + 1
    WHERE l.lock_owner IS NULL OR l.expires_at <= excluded.lock_time RETURNING lock_owner, lock_time, expires_at, token`;
  const release = `UPDATE ${table} SET lock_owner = NULL, expires_at = LEAST(expires_at, ${now}) WHERE lock_name = $1 AND lock_owner = $2 AND token = $3::bigint RETURNING token`;
  return async () => {
    const { rows } = await pool.query<{ token: string }>(acquire, [KEY, OWNER, TTL_MS]);
    await pool.query(release, [KEY, OWNER, rows[0]!.token]);
  };
}

/** Runs every backend's pair and writes `reports/bench/locks.json`. */
export async function runLocksBench(options: { timeMs?: number } = {}): Promise<LocksBenchResult> {
  const timeMs = options.timeMs ?? 1_000;
  const rows: LocksBenchRow[] = [];
  const skipped: string[] = [];
  const now = (): number => Date.now();

  rows.push(await measure('memory', createMemoryLock({ now }), null, null, timeMs));

  const dir = await nodeFs.mkdtemp(join(tmpdir(), 'simrun-bench-locks-'));
  try {
    const fs = nodeFs as unknown as FsPromises;
    const rawPath = join(dir, 'raw.lock');
    rows.push(
      await measure('file', createFileLock(fs, join(dir, 'locks'), { now }), {
        what: "writeFile(flag 'wx') + unlink",
        run: async () => {
          await nodeFs.writeFile(rawPath, '{}', { flag: 'wx' });
          await nodeFs.unlink(rawPath);
        },
      }, null, timeMs),
    );
  } finally {
    await nodeFs.rm(dir, { recursive: true, force: true });
  }

  const db = new Database(':memory:');
  rows.push(await measure('sqlite', createSqliteLock(db, { clock: 'caller', now }), { what: 'prepared upsert + update', run: rawSqlite(db) }, 1.5, timeMs));
  db.close();

  const url = process.env['SIMRUN_PG_URL'];
  if (url === undefined || url === '') {
    skipped.push('postgres: SIMRUN_PG_URL is unset');
  } else {
    const table = `locks_bench_${process.pid}`;
    const lock = await createPostgresLock(url, { clock: 'database', table, poolSize: 1 });
    const rawTable = await createPostgresLock(url, { clock: 'database', table: `${table}_raw`, poolSize: 1 });
    await rawTable.close?.();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      rows.push(await measure('postgres', lock, { what: 'upsert + update via pool.query', run: rawPostgres(pool, `${table}_raw`) }, 1.5, timeMs));
    } finally {
      await lock.close?.();
      await pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_raw`);
      await pool.end();
    }
  }

  const result: LocksBenchResult = { benchmark: 'locks', node: process.version, rows, skipped };
  return writeBenchResult('locks', result);
}

function formatRow(row: LocksBenchRow): string {
  const raw = row.rawMeanUs === null ? '' : `  raw ${row.rawMeanUs.toFixed(1)} µs (${row.raw})  ratio ${row.ratio!.toFixed(2)}${row.targetRatio === null ? '' : ` (target <= ${row.targetRatio}: ${row.withinTarget ? 'met' : 'MISSED'})`}`;
  return `${row.backend.padEnd(9)} lock ${row.lockMeanUs.toFixed(1)} µs${raw}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runLocksBench()
    .then((result) => {
      for (const row of result.rows) console.log(formatRow(row));
      for (const reason of result.skipped) console.log(`skipped ${reason}`);
      console.log('wrote reports/bench/locks.json');
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(3);
    });
}
