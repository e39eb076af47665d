/**
 * `simrun dag` for real: shell jobs, a SQLite (and, when available, PostgreSQL) run log that a
 * second run carries on from, restart of a failed job, and a bad pipeline file as one line, exit 2.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/scenario/run.js';
import scenario from '../../scenarios/dag.js';
import { hasStackTrace, simrun } from '../cli/helpers.js';
import { postgresUrlOrSkipReason } from '../locks/fixtures.js';

/**
 * extract and side succeed; flaky fails until the file `fixed` exists; load (after extract and
 * flaky) appends to `loaded`, so the test can count how often it ran.
 */
function pipelineDir(name: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-cli-'));
  const file = join(dir, 'etl.yaml');
  writeFileSync(
    file,
    `name: ${name}
jobs:
  extract:
    command: echo extracted >> ran; echo extract-out
  side:
    command: echo side-out 1>&2
  flaky:
    command: test -f fixed || { echo not yet; exit 3; }
    depends_on: [extract]
    retries: 1
  load:
    command: echo loaded >> loaded
    depends_on: [extract, flaky]
`,
  );
  return { dir, file };
}

function story(store: (dir: string) => string, name: string): void {
  const { dir, file } = pipelineDir(name);
  const first = simrun(['dag', 'run', file, '--store', store(dir), '--poll-ms', '50'], { cwd: dir });
  expect(first.status).toBe(1);
  expect(first.stdout).toContain('extract | extract-out');
  expect(first.stdout).toContain('side! | side-out');
  expect(first.stdout).toContain(`[job-failed] ${name}/flaky: failed (exit 3) after 2 attempt(s); blocked until it is restarted: load`);
  expect(first.stdout).toMatch(/flaky\s+failed after 2 attempts/);
  expect(first.stdout).toMatch(/load\s+blocked/);
  expect(existsSync(join(dir, 'loaded'))).toBe(false);

  const status = simrun(['dag', 'status', file, '--store', store(dir), '--json'], { cwd: dir });
  expect(status.status).toBe(0);
  const jobs = JSON.parse(status.stdout).jobs as { job: string; phase: string; lastStatus?: string }[];
  expect(jobs.map((job) => `${job.job}:${job.phase}`)).toEqual(['extract:succeeded', 'side:succeeded', 'flaky:failed', 'load:blocked']);

  writeFileSync(join(dir, 'fixed'), '');
  const restart = simrun(['dag', 'restart', file, 'flaky', '--store', store(dir)], { cwd: dir });
  expect(restart.status).toBe(0);
  expect(restart.stdout).toContain('queued: restart flaky');

  // A new runner: the state comes from the run log. extract is not run again; flaky is, then load.
  const second = simrun(['dag', 'run', file, '--store', store(dir), '--poll-ms', '50'], { cwd: dir });
  expect(second.stderr).toBe('');
  expect(second.status).toBe(0);
  expect(readFileSync(join(dir, 'ran'), 'utf8')).toBe('extracted\n');
  expect(readFileSync(join(dir, 'loaded'), 'utf8')).toBe('loaded\n');
  expect(second.stdout).toMatch(/load\s+succeeded/);
}

describe('simrun dag', () => {
  test('runs shell jobs, blocks downstream of a failure, and a restart in a later run lets it through (SQLite)', () => {
    story((dir) => `sqlite:${join(dir, 'state.db')}`, 'etl');
  });

  const postgres = postgresUrlOrSkipReason();
  if ('url' in postgres) {
    test('the same story with the run log in PostgreSQL', async () => {
      const name = `etl_${process.pid}`;
      try {
        story(() => postgres.url, name);
      } finally {
        const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
        await pool.query('DELETE FROM dag_run_log WHERE pipeline = $1', [name]).catch(() => undefined);
        await pool.end();
      }
    });
  } else {
    test.skip(`the same story with the run log in PostgreSQL: skipped: ${postgres.skip}`, () => {});
  }

  test.each([
    ['an unknown field', 'jobs:\n  a:\n    command: x\n    retry: 2\n', "etl.yaml:4: job 'a': unknown field 'retry'"],
    ['a missing dependency', 'jobs:\n  a:\n    command: x\n    depends_on: [b]\n', "etl.yaml:4: job 'a': depends_on 'b', which is not a job of this pipeline"],
    ['a cycle', 'jobs:\n  a:\n    command: x\n    depends_on: [b]\n  b:\n    command: y\n    depends_on: [a]\n', "etl.yaml:2: job 'a': dependency cycle a -> b -> a"],
  ])('a pipeline file with %s: one line naming the job and the line, exit 2', (_what, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-bad-'));
    writeFileSync(join(dir, 'etl.yaml'), text);
    const run = simrun(['dag', 'run', 'etl.yaml'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(`simrun: ${message}`);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(existsSync(join(dir, 'simrun-dag.db'))).toBe(false);
  });

  test('status and logs before anything ran read an empty run log and create no database', () => {
    const { dir } = pipelineDir('etl');
    const status = simrun(['dag', 'status', 'etl.yaml', '--json'], { cwd: dir });
    expect(status.status, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { jobs: { phase: string }[] }).jobs.map((job) => job.phase)).toEqual(['waiting', 'waiting', 'waiting', 'waiting']);
    const logs = simrun(['dag', 'logs', 'etl.yaml', 'extract'], { cwd: dir });
    expect(logs.status).toBe(2);
    expect(logs.stderr.trim()).toBe("simrun: job 'extract' of etl has no saved output yet (it has not ended an attempt)");
    expect(existsSync(join(dir, 'simrun-dag.db'))).toBe(false);
  });

  test('restarting a job the pipeline does not have is exit 2', () => {
    const { dir, file } = pipelineDir('etl');
    const run = simrun(['dag', 'restart', file, 'nope', '--store', `sqlite:${join(dir, 'state.db')}`]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe("simrun: pipeline 'etl' has no job 'nope' (known: extract, side, flaky, load)");
  });
});

test('simrun scenario dag: the same seed gives the same trace hash in two OS processes and in this one', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'simrun-dag-hash-'));
  const hashes = [1, 2].map(() => JSON.parse(simrun(['scenario', 'dag', '--seed', '9', '--json', '--out-dir', outDir]).stdout).traceHash as string);
  expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
  expect(hashes[1]).toBe(hashes[0]);
  expect((await runScenario(scenario, { seed: 9 })).traceHash).toBe(hashes[0]);
});
