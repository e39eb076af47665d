/**
 * A command is carried out whole or not at all: the rows it comes to and its removal from the
 * store are one transaction (`DagStore.commit`). The same contract, for real, on each store: SQLite
 * always, PostgreSQL and MariaDB when a server is there (under CI=true they must be).
 */
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { createMysqlStore } from '../../src/systems/dag/mysql-store.js';
import { createPostgresStore } from '../../src/systems/dag/postgres-store.js';
import type { DagStore, RunLogEntry } from '../../src/systems/dag/run-log.js';
import { createSqliteStore } from '../../src/systems/dag/sqlite-store.js';
import { mysqlUrlOrSkipReason, postgresUrlOrSkipReason } from '../locks/fixtures.js';

function row(pipeline: string, jobKey: string, status: RunLogEntry['status'] = 'restarted'): RunLogEntry {
  return { pipeline, jobKey, attempt: 0, status, execTimeMs: 0, amountOfDataBytes: 0, timestampMs: Date.UTC(2024, 0, 1), run: 1 };
}

/** The contract, on stores opened by `open` (two of them on one database, as two runners would have). */
function commitContract(open: () => Promise<DagStore>): void {
  test('pending commands are listed oldest first, per pipeline, and stay until committed', async () => {
    const store = await open();
    const pipeline = `pending_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    try {
      expect(await store.pending(pipeline)).toEqual([]);
      await store.enqueue({ pipeline, action: 'stop', jobKey: 'a' });
      await store.enqueue({ pipeline: `${pipeline}_other`, action: 'start', jobKey: null });
      await store.enqueue({ pipeline, action: 'rerun', jobKey: null });
      const pending = await store.pending(pipeline);
      expect(pending.map(({ action, jobKey }) => ({ action, jobKey }))).toEqual([
        { action: 'stop', jobKey: 'a' },
        { action: 'rerun', jobKey: null },
      ]);
      expect(await store.pending(pipeline)).toEqual(pending);
      const [first, second] = pending;
      expect(await store.commit([row(pipeline, 'a', 'stopped')], { command: first!.id })).toBe(true);
      expect(await store.pending(pipeline)).toEqual([second]);
      expect((await store.entries(pipeline)).map((entry) => `${entry.jobKey} ${entry.status}`)).toEqual(['a stopped']);
      // Carried out already (by another runner): refused, and nothing more is written.
      expect(await store.commit([row(pipeline, 'a', 'restarted')], { command: first!.id })).toBe(false);
      expect((await store.entries(pipeline)).map((entry) => `${entry.jobKey} ${entry.status}`)).toEqual(['a stopped']);
    } finally {
      await store.close();
    }
  });

  test("an attempt's end and its output are committed together", async () => {
    const store = await open();
    const pipeline = `output_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    try {
      const output = { pipeline, run: 1, jobKey: 'a', attempt: 1, output: 'line 1\nline 2\n', truncated: true };
      expect(await store.commit([{ ...row(pipeline, 'a', 'succeeded'), attempt: 1 }], { output })).toBe(true);
      expect(await store.outputs(pipeline, 'a')).toEqual([output]);
      expect((await store.entries(pipeline)).map((entry) => entry.status)).toEqual(['succeeded']);
    } finally {
      await store.close();
    }
  });

  test('a commit under a lease that is gone writes nothing and leaves the command pending', async () => {
    const store = await open();
    const pipeline = `fenced_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    try {
      const key = `dag-runner:${pipeline}`;
      const lease = await store.runnerLock.tryAcquire(key, 'first', 60_000);
      expect(lease).not.toBeNull();
      const fence = { key, owner: 'first', token: lease!.token };
      await store.enqueue({ pipeline, action: 'rerun', jobKey: 'a' });
      const [command] = await store.pending(pipeline);
      expect(await store.commit([row(pipeline, 'a'), row(pipeline, 'b')], { fence: { ...fence, token: fence.token + 1 }, command: command!.id })).toBe(false);
      expect(await store.breakLease(key, 'first')).toBe(true);
      expect(await store.commit([row(pipeline, 'a'), row(pipeline, 'b')], { fence, command: command!.id })).toBe(false);
      expect(await store.entries(pipeline)).toEqual([]);
      expect(await store.pending(pipeline)).toEqual([command]);
      const next = await store.runnerLock.tryAcquire(key, 'second', 60_000);
      expect(await store.commit([row(pipeline, 'a'), row(pipeline, 'b')], { fence: { key, owner: 'second', token: next!.token }, command: command!.id })).toBe(true);
      expect((await store.entries(pipeline)).map((entry) => entry.jobKey)).toEqual(['a', 'b']);
      expect(await store.pending(pipeline)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('a commit that fails part way writes none of its rows and leaves the command pending', async () => {
    const store = await open();
    const pipeline = `atomic_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    try {
      await store.enqueue({ pipeline, action: 'rerun', jobKey: 'a' });
      const [command] = await store.pending(pipeline);
      // The second row breaks a NOT NULL constraint, after the first was inserted.
      const broken = { ...row(pipeline, 'b'), jobKey: null as unknown as string };
      const output = { pipeline, run: 1, jobKey: 'a', attempt: 1, output: 'hello\n', truncated: false };
      await expect(store.commit([row(pipeline, 'a'), broken], { command: command!.id, output })).rejects.toThrow();
      expect(await store.entries(pipeline)).toEqual([]);
      expect(await store.outputs(pipeline, 'a')).toEqual([]);
      expect(await store.pending(pipeline)).toEqual([command]);
    } finally {
      await store.close();
    }
  });

  test('of two runners committing the same command at once, exactly one carries it out', async () => {
    const [one, two] = [await open(), await open()];
    const pipeline = `race_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    try {
      await one.enqueue({ pipeline, action: 'start', jobKey: null });
      const [command] = await one.pending(pipeline);
      const results = await Promise.all([
        one.commit([row(pipeline, 'a'), row(pipeline, 'b')], { command: command!.id }),
        two.commit([row(pipeline, 'a'), row(pipeline, 'b')], { command: command!.id }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await one.entries(pipeline)).map((entry) => entry.jobKey)).toEqual(['a', 'b']);
    } finally {
      await one.close();
      await two.close();
    }
  });
}

describe('SQLite store: commit', () => {
  const database = new Database(':memory:');
  commitContract(async () => createSqliteStore(database));
});

const postgres = postgresUrlOrSkipReason();
if ('url' in postgres) {
  describe('PostgreSQL store: commit', () => commitContract(() => createPostgresStore(postgres.url)));
} else {
  test.skip(`PostgreSQL store commit: skipped: ${postgres.skip}`, () => {});
}

const mariadb = mysqlUrlOrSkipReason();
if ('url' in mariadb) {
  describe('MariaDB store: commit', () => commitContract(() => createMysqlStore(mariadb.url)));
} else {
  test.skip(`MariaDB store commit: skipped: ${mariadb.skip}`, () => {});
}
