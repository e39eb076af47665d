/**
 * The run log in MariaDB/MySQL, for real: the seed's columns with their types, the runner lease
 * (one holder; fenced appends refused once it is gone), commands carried out once, saved output, and the
 * `simrun dag` story on `--store mysql://…`. Needs a server: `export SIMRUN_MYSQL_URL="$(.ci/mariadb.sh)"`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { describe, expect, test } from 'vitest';
import { createMysqlStore } from '../../src/systems/dag/mysql-store.js';
import { simrun } from '../cli/helpers.js';
import { mysqlUrlOrSkipReason } from '../locks/fixtures.js';

const server = mysqlUrlOrSkipReason();

if ('url' in server) {
  const url = server.url;
  describe('the MySQL run-log store', () => {
    test('has the seed\'s columns, a lease with one holder, fenced appends, commands carried out once, and saved output', async () => {
      const pipeline = `unit_${process.pid}`;
      const store = await createMysqlStore(url);
      try {
        const connection = await mysql.createConnection(url);
        const [columns] = await connection.query<mysql.RowDataPacket[]>(
          "SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dag_run_log' ORDER BY ORDINAL_POSITION",
        );
        await connection.end();
        const types = Object.fromEntries(columns.map((column) => [column['name'], column['type']]));
        expect(types).toMatchObject({ id: 'bigint', job_key: 'varchar', exec_time: 'bigint', amount_of_data: 'bigint', timestamp: 'datetime' });

        const key = `dag-runner:${pipeline}`;
        const lease = await store.runnerLock.tryAcquire(key, 'first', 60_000);
        expect(lease).not.toBeNull();
        expect(await store.runnerLock.tryAcquire(key, 'second', 60_000)).toBeNull();
        expect((await store.leaseHolder(key))?.owner).toBe('first');
        const fence = { key, owner: 'first', token: lease?.token ?? 0 };
        const entry = { pipeline, jobKey: 'a', attempt: 1, status: 'succeeded' as const, execTimeMs: 1_234, amountOfDataBytes: 42, timestampMs: Date.UTC(2024, 1, 29, 12, 30, 45, 678), run: 1 };
        expect(await store.append(entry, fence)).toBe(true);
        expect(await store.entries(pipeline)).toEqual([entry]);

        await store.enqueue({ pipeline, action: 'rerun', jobKey: 'a' });
        const [command] = await store.pending(pipeline);
        expect(command).toMatchObject({ pipeline, action: 'rerun', jobKey: 'a' });
        expect(await store.commit([], { fence: { ...fence, token: fence.token + 1 }, command: command?.id ?? 0 })).toBe(false);
        expect(await store.commit([], { fence, command: command?.id ?? 0 })).toBe(true);
        expect(await store.pending(pipeline)).toEqual([]);

        expect(await store.breakLease(key, 'first')).toBe(true);
        expect(await store.append({ ...entry, attempt: 2 }, fence)).toBe(false);
        const next = await store.runnerLock.tryAcquire(key, 'second', 60_000);
        expect(next?.token).toBe((lease?.token ?? 0) + 1);

        expect(await store.commit([], { output: { pipeline, run: 1, jobKey: 'a', attempt: 1, output: 'hello\n', truncated: false } })).toBe(true);
        expect(await store.outputs(pipeline, 'a')).toEqual([{ pipeline, run: 1, jobKey: 'a', attempt: 1, output: 'hello\n', truncated: false }]);
      } finally {
        await store.close();
      }
    });

    test('simrun dag on --store mysql://: a failure blocks, a restart lets it through, status reads the log', () => {
      const name = `etl_${process.pid}`;
      const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-mysql-'));
      const file = join(dir, 'etl.yaml');
      writeFileSync(file, `name: ${name}\njobs:\n  extract:\n    command: echo "SIMRUN_DATA amount=7"\n  flaky:\n    command: test -f fixed || exit 3\n    depends_on: [extract]\n  load:\n    command: echo loaded >> loaded\n    depends_on: [flaky]\n`);
      const first = simrun(['dag', 'run', file, '--store', url, '--poll-ms', '50'], { cwd: dir });
      expect(first.stdout).toContain(`[job-failed] ${name}/flaky: failed (exit 3) after 1 attempt(s); blocked until it is restarted: load`);
      expect(first.status).toBe(1);
      writeFileSync(join(dir, 'fixed'), '');
      expect(simrun(['dag', 'restart', file, 'flaky', '--store', url], { cwd: dir }).status).toBe(0);
      const second = simrun(['dag', 'run', file, '--store', url, '--poll-ms', '50'], { cwd: dir });
      expect(second.status).toBe(0);
      expect(readFileSync(join(dir, 'loaded'), 'utf8')).toBe('loaded\n');
      const status = JSON.parse(simrun(['dag', 'status', file, '--store', url, '--json'], { cwd: dir }).stdout) as { jobs: { job: string; phase: string; amountOfDataBytes: number }[] };
      expect(status.jobs.map((job) => `${job.job}:${job.phase}`)).toEqual(['extract:succeeded', 'flaky:succeeded', 'load:succeeded']);
      expect(status.jobs[0]?.amountOfDataBytes).toBe(7);
    });
  });
} else {
  test.skip(`the MySQL run-log store: skipped: ${server.skip}`, () => {});
}
