/**
 * The SQL lock tables keep `lock_time` and `expires_at` as times an operator can read: readable UTC
 * instants in SQLite, `timestamptz` in PostgreSQL. A table written with integer-ms columns (older
 * versions) is converted on open, rows and leases intact. SQLite on a real file; PostgreSQL needs
 * SIMRUN_PG_URL (skipped with the reason otherwise).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresLock, createSqliteLock } from '../../src/locks/index.js';
import { postgresUrlOrSkipReason } from './fixtures.js';

const LOCK_TIME = Date.UTC(2020, 7, 18, 2, 15, 0, 123);
const HOUR = 3_600_000;
const OLD_TABLE = 'lock_name TEXT PRIMARY KEY, lock_owner TEXT, lock_time BIGINT NOT NULL, expires_at BIGINT NOT NULL, token BIGINT NOT NULL';

describe('sqlite lock table', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const databaseFile = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'simrun-sql-times-'));
    dirs.push(dir);
    return join(dir, 'locks.db');
  };

  it('reads as the seed describes: owner, the time it was taken, and when it expires (an hour later)', async () => {
    const path = await databaseFile();
    const lock = createSqliteLock(path, { clock: 'caller', now: () => LOCK_TIME + 0.9 });
    const lease = await lock.tryAcquire('backup', 'server-1', HOUR);
    await lock.close?.();
    expect(lease).toMatchObject({ acquiredAt: LOCK_TIME, expiresAt: LOCK_TIME + HOUR, token: 1 });
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT * FROM locks').all()).toEqual([
      { lock_name: 'backup', lock_owner: 'server-1', lock_time: '2020-08-18T02:15:00.123Z', expires_at: '2020-08-18T03:15:00.123Z', token: 1 },
    ]);
    db.close();
  });

  it('converts a table with integer-ms columns on open, keeping its leases', async () => {
    const path = await databaseFile();
    const old = new Database(path);
    old.exec(`CREATE TABLE locks (${OLD_TABLE})`);
    old.prepare('INSERT INTO locks VALUES (?, ?, ?, ?, ?)').run('backup', 'server-1', LOCK_TIME, LOCK_TIME + HOUR, 7);
    old.close();

    const now = { ms: LOCK_TIME + 60_000 };
    const lock = createSqliteLock(path, { clock: 'caller', now: () => now.ms });
    // Still held by server-1 until an hour after it was taken; then server-2 takes it with the next token.
    expect(await lock.tryAcquire('backup', 'server-2', HOUR)).toBeNull();
    expect(await lock.renew({ key: 'backup', owner: 'server-1', token: 7, acquiredAt: LOCK_TIME, expiresAt: LOCK_TIME + HOUR }, HOUR)).toMatchObject({ token: 7, expiresAt: now.ms + HOUR });
    now.ms += 2 * HOUR;
    expect(await lock.tryAcquire('backup', 'server-2', HOUR)).toMatchObject({ owner: 'server-2', token: 8 });
    // A second open finds nothing left to convert.
    const again = createSqliteLock(path, { clock: 'caller', now: () => now.ms });
    await again.close?.();
    await lock.close?.();

    const db = new Database(path, { readonly: true });
    const columns = db.prepare<[], { name: string; type: string }>("SELECT name, type FROM pragma_table_info('locks')").all();
    expect(columns.filter((column) => column.name === 'lock_time' || column.name === 'expires_at').map((column) => column.type)).toEqual(['TEXT', 'TEXT']);
    expect(db.prepare('SELECT lock_owner, lock_time, expires_at, token FROM locks').get()).toEqual({
      lock_owner: 'server-2',
      lock_time: '2020-08-18T04:16:00.123Z',
      expires_at: '2020-08-18T05:16:00.123Z',
      token: 8,
    });
    db.close();
  });
});

const postgres = postgresUrlOrSkipReason();

if (!('url' in postgres)) {
  describe('postgres lock table', () => {
    it.skip(`skipped: ${postgres.skip}`, () => {});
  });
} else {
  const { url } = postgres;
  describe('postgres lock table', () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const tables: string[] = [];
    afterAll(async () => {
      for (const table of tables) await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    });
    const freshTable = async (suffix: string): Promise<string> => {
      const table = `locks_times_${suffix}_${process.pid}`;
      tables.push(table);
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      return table;
    };
    const columnTypes = async (table: string): Promise<string[]> =>
      (await pool.query<{ data_type: string }>("SELECT data_type FROM information_schema.columns WHERE table_name = $1 AND column_name IN ('lock_time', 'expires_at') ORDER BY column_name", [table])).rows.map((row) => row.data_type);

    it('keeps lock_time and expires_at as timestamptz, an hour apart for an hour-long lease', async () => {
      const table = await freshTable('new');
      const lock = await createPostgresLock(url, { clock: 'caller', now: () => LOCK_TIME + 0.9, table });
      const lease = await lock.tryAcquire('backup', 'server-1', HOUR);
      await lock.close?.();
      expect(lease).toMatchObject({ acquiredAt: LOCK_TIME, expiresAt: LOCK_TIME + HOUR, token: 1 });
      expect(await columnTypes(table)).toEqual(['timestamp with time zone', 'timestamp with time zone']);
      const { rows } = await pool.query(`SELECT * FROM ${table}`);
      expect(rows).toEqual([{ lock_name: 'backup', lock_owner: 'server-1', lock_time: new Date(LOCK_TIME), expires_at: new Date(LOCK_TIME + HOUR), token: '1' }]);
      const { rows: text } = await pool.query(`SELECT expires_at - lock_time AS lease FROM ${table}`);
      expect(text[0]).toMatchObject({ lease: { hours: 1 } });
    });

    it('converts a BIGINT-ms table on open (several openers at once), keeping its leases', async () => {
      const table = await freshTable('old');
      await pool.query(`CREATE TABLE ${table} (${OLD_TABLE})`);
      await pool.query(`INSERT INTO ${table} VALUES ($1, $2, $3, $4, $5)`, ['backup', 'server-1', LOCK_TIME, LOCK_TIME + HOUR, 7]);
      const now = { ms: LOCK_TIME + 60_000 };
      const locks = await Promise.all([1, 2, 3].map(() => createPostgresLock(url, { clock: 'caller', now: () => now.ms, table, poolSize: 1 })));
      try {
        expect(await columnTypes(table)).toEqual(['timestamp with time zone', 'timestamp with time zone']);
        const { rows } = await pool.query(`SELECT lock_time, expires_at, token FROM ${table}`);
        expect(rows).toEqual([{ lock_time: new Date(LOCK_TIME), expires_at: new Date(LOCK_TIME + HOUR), token: '7' }]);
        const [first, second] = locks as [NonNullable<(typeof locks)[0]>, NonNullable<(typeof locks)[0]>];
        expect(await first.tryAcquire('backup', 'server-2', HOUR)).toBeNull();
        now.ms += 2 * HOUR;
        expect(await second.tryAcquire('backup', 'server-2', HOUR)).toMatchObject({ owner: 'server-2', token: 8, acquiredAt: now.ms, expiresAt: now.ms + HOUR });
      } finally {
        await Promise.all(locks.map((lock) => lock.close?.()));
      }
    });
  });
}
