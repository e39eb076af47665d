/**
 * Lock fixtures for every backend, for the contract checks: fresh, empty state per call.
 */
import Database from 'better-sqlite3';
import { Volume } from 'memfs';
import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { FsPromises } from '../../src/env/fs.js';
import { createFileLock, createMemoryLock, createPostgresLock, createSqliteLock, type LockBackend } from '../../src/locks/index.js';
import type { LockFixture, LockFixtureFactory } from './contract.js';

/** node:fs/promises as the project's `FsPromises`. */
export const realFs = nodeFs as unknown as FsPromises;

/** A fresh memfs volume's promise API as the project's `FsPromises`. */
export function memoryFs(): FsPromises {
  return new Volume().promises as unknown as FsPromises;
}

function fixture(connect: () => Promise<LockBackend>, cleanup: () => Promise<void> = async () => {}): LockFixture {
  const opened: LockBackend[] = [];
  return {
    async connect() {
      const backend = await connect();
      opened.push(backend);
      return backend;
    },
    async dispose() {
      for (const backend of opened) await backend.close?.();
      await cleanup();
    },
  };
}

export const memoryFixture: LockFixtureFactory = async (now) => {
  const shared = createMemoryLock({ now });
  return fixture(async () => shared);
};

export const memfsFileFixture: LockFixtureFactory = async (now) => {
  const fs = memoryFs();
  return fixture(async () => createFileLock(fs, '/locks', { now }));
};

export const realFileFixture: LockFixtureFactory = async (now) => {
  const dir = await nodeFs.mkdtemp(join(tmpdir(), 'simrun-file-lock-'));
  return fixture(async () => createFileLock(realFs, dir, { now }), () => nodeFs.rm(dir, { recursive: true, force: true }));
};

export const sqliteMemoryFixture = (clock: 'caller' | 'database'): LockFixtureFactory => async (now) => {
  const db = new Database(':memory:');
  return fixture(async () => createSqliteLock(db, { clock, now }), async () => void db.close());
};

/** Each handle is its own connection to one database file, as separate processes would have. */
export const sqliteFileFixture: LockFixtureFactory = async (now) => {
  const dir = await nodeFs.mkdtemp(join(tmpdir(), 'simrun-sqlite-lock-'));
  return fixture(async () => createSqliteLock(join(dir, 'locks.db'), { clock: 'caller', now }), () => nodeFs.rm(dir, { recursive: true, force: true }));
};

let tableCounter = 0;

/** Each fixture gets its own table, dropped at the end; each handle its own pool. */
export const postgresFixture = (url: string, clock: 'caller' | 'database'): LockFixtureFactory => async (now) => {
  tableCounter += 1;
  const table = `locks_contract_${process.pid}_${tableCounter}`;
  return fixture(
    async () => createPostgresLock(url, { clock, now, table, poolSize: 1 }),
    async () => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    },
  );
};

/** The PostgreSQL URL for tests, and why PostgreSQL tests are skipped when there is none. */
export function postgresUrlOrSkipReason(): { url: string } | { skip: string } {
  const url = process.env['SIMRUN_PG_URL'];
  if (url !== undefined && url !== '') return { url };
  if (process.env['CI'] === 'true') throw new Error('CI=true but SIMRUN_PG_URL is unset: start a server with .ci/postgres.sh and export its URL');
  return { skip: 'SIMRUN_PG_URL is unset (start one with: export SIMRUN_PG_URL="$(.ci/postgres.sh)")' };
}

/** The MariaDB/MySQL server the tests use (`SIMRUN_MYSQL_URL`), or why they are skipped; under CI=true it must be set. */
export function mysqlUrlOrSkipReason(): { url: string } | { skip: string } {
  const url = process.env['SIMRUN_MYSQL_URL'];
  if (url !== undefined && url !== '') return { url };
  if (process.env['CI'] === 'true') throw new Error('CI=true but SIMRUN_MYSQL_URL is unset: start a server with .ci/mariadb.sh and export its URL');
  return { skip: 'SIMRUN_MYSQL_URL is unset (start one with: export SIMRUN_MYSQL_URL="$(.ci/mariadb.sh)")' };
}
