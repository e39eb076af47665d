/**
 * Bad input gives one clear error: lock specs, malformed and unreachable database URLs (password
 * masked), unopenable SQLite files, and corrupt lock files (named, never deleted).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createFileLock,
  createPostgresLock,
  createSqliteLock,
  LockConfigError,
  LockStateCorruptError,
  LockUnavailableError,
  maskUrl,
  openLock,
  parseLockSpec,
} from '../../src/locks/index.js';
import { realEnv } from '../../src/env/real-env.js';
import { memoryFs, postgresUrlOrSkipReason, realFs } from './fixtures.js';

describe('parseLockSpec', () => {
  it('reads every documented spec', () => {
    expect(parseLockSpec('memory')).toEqual({ kind: 'memory' });
    expect(parseLockSpec('file:/var/locks')).toEqual({ kind: 'file', dir: '/var/locks' });
    expect(parseLockSpec('sqlite:./locks.db')).toEqual({ kind: 'sqlite', path: './locks.db' });
    expect(parseLockSpec('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseLockSpec('postgres://app:s3cret@db.internal:6543/jobs')).toEqual({
      kind: 'postgres',
      url: 'postgres://app:s3cret@db.internal:6543/jobs',
      display: 'postgres://app:***@db.internal:6543/jobs',
    });
    expect(parseLockSpec('postgresql://db/jobs').kind).toBe('postgres');
  });

  it.each(['', 'redis://localhost', 'file:', 'sqlite:', 'memroy'])('rejects %j with a LockConfigError listing the forms', (spec) => {
    expect(() => parseLockSpec(spec)).toThrow(LockConfigError);
    expect(() => parseLockSpec(spec)).toThrow(/expected memory, file:DIR, sqlite:PATH/);
  });

  it('rejects a malformed PostgreSQL URL without printing its password', () => {
    const attempt = (): unknown => parseLockSpec('postgres://app:s3cret@db.internal:99999999/jobs');
    expect(attempt).toThrow(LockConfigError);
    expect(attempt).toThrow(/postgres lock: malformed URL postgres:\/\/app:\*\*\*@db\.internal:99999999\/jobs/);
    expect(attempt).not.toThrow(/s3cret/);
  });
});

describe('openLock', () => {
  it('opens the backend each spec names, with time and files from the env', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simrun-open-lock-'));
    const env = realEnv('opener#1', { logLine: () => {} });
    try {
      for (const [spec, name] of [['memory', 'memory'], [`file:${dir}/locks`, 'file'], ['sqlite::memory:', 'sqlite'], [`sqlite:${dir}/locks.db`, 'sqlite']] as const) {
        const lock = await openLock(spec, env);
        expect(lock.name).toBe(name);
        const lease = await lock.tryAcquire('job', env.id, 60_000);
        expect(lease?.token).toBe(1);
        expect(await lock.tryAcquire('job', 'other#1', 60_000)).toBeNull();
        expect(await lock.release(lease!)).toBe(true);
        await lock.close?.();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('maskUrl', () => {
  it('masks only the password', () => {
    expect(maskUrl('postgres://u:p%40ss@h:1/d')).toBe('postgres://u:***@h:1/d');
    expect(maskUrl('postgres://u@h/d')).toBe('postgres://u@h/d');
    expect(maskUrl('not a url://u:secret@h')).toBe('not a url://u:***@h');
  });
});

describe('unreachable stores', () => {
  it('an unreachable PostgreSQL server is one LockUnavailableError naming the backend and the masked URL', async () => {
    // Port 1 on loopback refuses at once: nothing listens there.
    const attempt = createPostgresLock('postgres://app:s3cret@127.0.0.1:1/jobs', { clock: 'database', connectTimeoutMs: 2_000 });
    const error = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LockUnavailableError);
    expect((error as LockUnavailableError).backend).toBe('postgres');
    expect((error as Error).message).toMatch(/^postgres lock: database postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/jobs unavailable: /);
    expect((error as Error).message).not.toMatch(/s3cret/);
  });

  it('a SQLite file that cannot be opened is a LockUnavailableError naming the path', () => {
    expect(() => createSqliteLock('/nonexistent-dir-for-simrun/locks.db', { clock: 'database' })).toThrow(LockUnavailableError);
    expect(() => createSqliteLock('/nonexistent-dir-for-simrun/locks.db', { clock: 'database' })).toThrow(/sqlite lock: cannot open database \/nonexistent-dir-for-simrun\/locks\.db/);
  });

  it('a file that is not a SQLite database is a LockUnavailableError naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simrun-sqlite-bad-'));
    try {
      const path = join(dir, 'locks.db');
      await writeFile(path, 'this is not a database, it is a text file that is long enough to have a header\n'.repeat(20));
      expect(() => createSqliteLock(path, { clock: 'database' })).toThrow(new RegExp(`sqlite lock: cannot (open|use) database ${path}: file is not a database`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('bad options are LockConfigErrors', () => {
    expect(() => createSqliteLock(':memory:', { clock: 'database', table: 'locks; DROP TABLE x' })).toThrow(LockConfigError);
    expect(() => createFileLock(memoryFs(), '', { now: () => 0 })).toThrow(LockConfigError);
  });
});

describe('a corrupt lock file', () => {
  it('is reported with its path and left in place, on every operation', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simrun-file-corrupt-'));
    try {
      let now = 1_000;
      const lock = createFileLock(realFs, dir, { now: () => now });
      const lease = await lock.tryAcquire('job', 'a#1', 100);
      expect(lease).not.toBeNull();
      const keyDir = join(dir, 'key-job');
      const [current] = await readdir(keyDir);
      const corrupt = join(keyDir, 'gen-000000000002.json');
      await writeFile(corrupt, '{"owner": "b#1", "tok');
      now += 1_000;
      for (const operation of [() => lock.tryAcquire('job', 'c#1', 100), () => lock.renew(lease!, 100), () => lock.release(lease!)]) {
        const error = await operation().then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(LockStateCorruptError);
        expect((error as LockStateCorruptError).location).toBe(corrupt);
        expect((error as Error).message).toContain(`file lock: corrupt lock state at ${corrupt}: not valid JSON`);
      }
      expect((await readdir(keyDir)).sort()).toEqual([current, 'gen-000000000002.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL tests without a server URL', () => {
  it('skip with the reason and the fix, except under CI=true where they fail', () => {
    const saved = { url: process.env['SIMRUN_PG_URL'], ci: process.env['CI'] };
    try {
      delete process.env['SIMRUN_PG_URL'];
      process.env['CI'] = 'false';
      expect(postgresUrlOrSkipReason()).toEqual({ skip: 'SIMRUN_PG_URL is unset (start one with: export SIMRUN_PG_URL="$(.ci/postgres.sh)")' });
      process.env['CI'] = 'true';
      expect(() => postgresUrlOrSkipReason()).toThrow('CI=true but SIMRUN_PG_URL is unset');
      process.env['SIMRUN_PG_URL'] = 'postgres://u@h/d';
      expect(postgresUrlOrSkipReason()).toEqual({ url: 'postgres://u@h/d' });
    } finally {
      for (const [name, value] of [['SIMRUN_PG_URL', saved.url], ['CI', saved.ci]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
