/**
 * `simrun dag run` as real processes meet it: SIGTERM and SIGINT stop the runner within its bound
 * and end its jobs' whole process groups; a runner that was SIGKILLed leaves its job running, and
 * the next runner ends that process group (found in the run log) before it runs the job again; a
 * second runner of the same pipeline on the same store refuses with exit 2 and one line, so no job
 * runs twice; a failing webhook's log line keeps its own kind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { realEnv } from '../../src/env/real-env.js';
import { groupAlive } from '../../src/real/dag/process-groups.js';
import { hasStackTrace, ROOT, simrun } from '../cli/helpers.js';
import { postgresUrlOrSkipReason } from '../locks/fixtures.js';

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

const started: Running[] = [];
/** Job process groups the tests started (through a runner), ended whatever happens. */
const groups: number[] = [];

afterEach(() => {
  for (const run of started.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** Starts `simrun ARGS` in `cwd` without waiting for it. */
function start(args: readonly string[], cwd: string): Running {
  const child = spawn(process.execPath, [`${ROOT}bin/run.js`, ...args], { cwd, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const run = { child, exited };
  started.push(run);
  return run;
}

async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A pipeline whose one job writes its shell's pid (its process group) to `pid-N` (N counts the
 * runs), starts a child that outlives nothing on its own (`sleep 30 &`), and appends to `done`
 * only if it gets to finish.
 */
function slowPipeline(name = 'slow', store?: string): { dir: string; file: string; store: string } {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-life-'));
  const file = join(dir, 'p.yaml');
  writeFileSync(file, `name: ${name}\njobs:\n  slow:\n    command: n=$(ls | grep -c '^pid-'); echo $$ > pid-$n; sleep 30 & wait; echo done >> done\n`);
  return { dir, file, store: store ?? `sqlite:${join(dir, 'state.db')}` };
}

function pidFile(dir: string, n: number): number | undefined {
  const path = join(dir, `pid-${n}`);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8').trim();
  return text === '' ? undefined : Number(text);
}

function rows(dir: string): { status: string; execution: string | null; runner: string | null }[] {
  const db = new Database(join(dir, 'state.db'), { readonly: true });
  try {
    return db.prepare('SELECT status, execution, runner FROM dag_run_log ORDER BY id').all() as { status: string; execution: string | null; runner: string | null }[];
  } finally {
    db.close();
  }
}

describe('simrun dag run: lifecycle', () => {
  test.each([['SIGTERM'], ['SIGINT']] as const)('%s: ends the running job’s whole process group, records it interrupted, exits 0 within the bound', async (signal) => {
    const { dir, file, store } = slowPipeline();
    const runner = start(['dag', 'run', file, '--store', store, '--poll-ms', '50', '--stop-timeout-ms', '4000'], dir);
    await until('the job to start', () => pidFile(dir, 0) !== undefined);
    const pgid = pidFile(dir, 0) as number;
    groups.push(pgid);
    expect(groupAlive(pgid)).toBe(true);
    const sentAt = Date.now();
    runner.child.kill(signal);
    const result = await runner.exited;
    const tookMs = Date.now() - sentAt;
    expect(result.code, result.stderr).toBe(0);
    // The bound with room for a loaded machine: far below the 30 s the job would have taken.
    expect(tookMs).toBeLessThan(4_000 + 10_000);
    expect(result.stdout).toContain('pipeline slow (');
    expect(result.stdout).toContain('), stopped:');
    expect(result.stdout).toMatch(/slow\s+waiting/);
    expect(groupAlive(pgid)).toBe(false);
    expect(existsSync(join(dir, 'done'))).toBe(false);
    expect(rows(dir).map((row) => row.status)).toEqual(['running', 'running', 'interrupted']);
    expect(rows(dir)[1]?.execution).toBe(String(pgid));
    expect(rows(dir)[1]?.runner).toMatch(/^dag-runner@.+#\d+$/);
    // The lease was given back: the next runner starts at once and runs the job again.
    const next = start(['dag', 'run', file, '--store', store, '--poll-ms', '50'], dir);
    await until('the job to start again', () => pidFile(dir, 1) !== undefined);
    groups.push(pidFile(dir, 1) as number);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  });

  test('a job that ignores SIGTERM is SIGKILLed with its group within --stop-timeout-ms', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-life-'));
    writeFileSync(join(dir, 'p.yaml'), "name: stubborn\njobs:\n  stubborn:\n    command: trap '' TERM; echo $$ > pid; sleep 30 & wait; sleep 30\n");
    const runner = start(['dag', 'run', 'p.yaml', '--store', 'sqlite:state.db', '--poll-ms', '50', '--stop-timeout-ms', '2000'], dir);
    await until('the job to start', () => existsSync(join(dir, 'pid')) && readFileSync(join(dir, 'pid'), 'utf8').trim() !== '');
    const pgid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    groups.push(pgid);
    const sentAt = Date.now();
    runner.child.kill('SIGTERM');
    const result = await runner.exited;
    expect(result.code, result.stderr).toBe(0);
    // It ignores SIGTERM and would run 60 s: only the SIGKILL at half the bound ends it this soon.
    expect(Date.now() - sentAt).toBeLessThan(2_000 + 10_000);
    expect(groupAlive(pgid)).toBe(false);
  });

  test('dag run --follow exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-life-'));
    writeFileSync(join(dir, 'p.yaml'), 'name: quick\njobs:\n  quick:\n    command: echo hi > out\n');
    const runner = start(['dag', 'run', 'p.yaml', '--store', 'sqlite:state.db', '--poll-ms', '50', '--follow'], dir);
    await until('the job to run', () => existsSync(join(dir, 'out')));
    await new Promise((resolve) => setTimeout(resolve, 300));
    runner.child.kill('SIGTERM');
    const result = await runner.exited;
    expect(result.signal).toBe(null);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/quick\s+succeeded/);
  });

  test('a second dag run of a running pipeline refuses with exit 2 and one line; the job runs once', async () => {
    const { dir, file, store } = slowPipeline();
    const first = start(['dag', 'run', file, '--store', store, '--poll-ms', '50'], dir);
    await until('the job to start', () => pidFile(dir, 0) !== undefined);
    groups.push(pidFile(dir, 0) as number);
    const second = simrun(['dag', 'run', file, '--store', store, '--poll-ms', '50'], { cwd: dir });
    expect(second.status).toBe(2);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(/^simrun: pipeline 'slow' is already being run by dag-runner@.+#\d+ \(store sqlite:.*state\.db\): stop it first, or pass --wait to wait for it \(if it died, its lease lapses at .+\)$/m);
    expect(hasStackTrace(second.stderr)).toBe(false);
    expect(pidFile(dir, 1)).toBeUndefined();
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });

  test('after a SIGKILL the job’s group runs on; the next runner ends it before it runs the job again', async () => {
    const { dir, file, store } = slowPipeline();
    const first = start(['dag', 'run', file, '--store', store, '--poll-ms', '50'], dir);
    await until('the job to start', () => pidFile(dir, 0) !== undefined);
    const orphan = pidFile(dir, 0) as number;
    groups.push(orphan);
    first.child.kill('SIGKILL');
    await first.exited;
    // The operating system does not end it: the group outlives its runner.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(groupAlive(orphan)).toBe(true);
    // The dead runner's lease is taken over at once (its process is gone), and its orphan ended first.
    const second = start(['dag', 'run', file, '--store', store, '--poll-ms', '50', '--verbose'], dir);
    await until('the job to start again', () => pidFile(dir, 1) !== undefined);
    groups.push(pidFile(dir, 1) as number);
    expect(groupAlive(orphan)).toBe(false);
    second.child.kill('SIGTERM');
    const result = await second.exited;
    expect(result.code, result.stderr).toBe(0);
    const events = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { kind: string; data?: Record<string, unknown> });
    expect(events.find((event) => event.kind === 'dag.runner.took-over')).toBeDefined();
    expect(events.find((event) => event.kind === 'dag.job.orphan')?.data).toMatchObject({ job: 'slow', execution: String(orphan), outcome: 'ended' });
    expect(existsSync(join(dir, 'done'))).toBe(false);
  });

  test('a stop is on record once carried out: after a SIGKILL the next runner ends the stopped job’s group and leaves it stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-life-'));
    const file = join(dir, 'p.yaml');
    // It ignores SIGTERM, so the runner's stop leaves it running until the SIGKILL 5 s later, which the runner never gets to send.
    writeFileSync(file, "name: stubborn\njobs:\n  slow:\n    command: trap '' TERM; n=$(ls | grep -c '^pid-'); echo $$ > pid-$n; sleep 30 & wait; echo done >> done\n");
    const store = `sqlite:${join(dir, 'state.db')}`;
    const first = start(['dag', 'run', file, '--store', store, '--poll-ms', '50', '--follow'], dir);
    await until('the job to start', () => pidFile(dir, 0) !== undefined);
    const pgid = pidFile(dir, 0) as number;
    groups.push(pgid);
    expect(simrun(['dag', 'stop', file, 'slow', '--store', store], { cwd: dir }).status).toBe(0);
    await until('the stop to be committed', () => rows(dir).some((row) => row.status === 'stopped'));
    first.child.kill('SIGKILL');
    await first.exited;
    expect(groupAlive(pgid)).toBe(true);
    expect(rows(dir).at(-1)).toMatchObject({ status: 'stopped', execution: String(pgid) });
    const second = start(['dag', 'run', file, '--store', store, '--poll-ms', '50', '--verbose'], dir);
    const result = await second.exited;
    // Exit 1: a job was stopped. Its group was ended first, and it did not run again.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/slow\s+stopped/);
    expect(groupAlive(pgid)).toBe(false);
    expect(pidFile(dir, 1)).toBeUndefined();
    expect(existsSync(join(dir, 'done'))).toBe(false);
  });

  test('a failing webhook’s log line keeps its own kind; the notification’s kind stays in its data', async () => {
    const server = createServer((_request, response) => {
      response.statusCode = 500;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'simrun-dag-life-'));
      writeFileSync(join(dir, 'p.yaml'), 'name: hooked\njobs:\n  broken:\n    command: exit 3\n');
      const { port } = server.address() as AddressInfo;
      const run = start(['dag', 'run', 'p.yaml', '--store', 'sqlite:state.db', '--poll-ms', '50', '--verbose', '--webhook', `http://127.0.0.1:${port}/hook`], dir);
      const result = await run.exited;
      expect(result.code).toBe(1);
      const failed = result.stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { kind: string; data?: Record<string, unknown> })
        .find((event) => event.kind === 'dag.notify-failed');
      expect(failed?.data).toMatchObject({ kind: 'job-failed', job: 'broken' });
    } finally {
      server.close();
    }
  });
});

const postgres = postgresUrlOrSkipReason();
if ('url' in postgres) {
  test('PostgreSQL store: a second runner refuses, and after a SIGKILL the next one ends the orphan first', async () => {
    const name = `life_${process.pid}`;
    const { dir, file, store } = slowPipeline(name, postgres.url);
    const first = start(['dag', 'run', file, '--store', store, '--poll-ms', '50'], dir);
    await until('the job to start', () => pidFile(dir, 0) !== undefined);
    const orphan = pidFile(dir, 0) as number;
    groups.push(orphan);
    const second = simrun(['dag', 'run', file, '--store', store], { cwd: dir });
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`simrun: pipeline '${name}' is already being run by dag-runner@`);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(groupAlive(orphan)).toBe(true);
    const third = start(['dag', 'run', file, '--store', store, '--poll-ms', '50'], dir);
    await until('the job to start again', () => pidFile(dir, 1) !== undefined);
    groups.push(pidFile(dir, 1) as number);
    expect(groupAlive(orphan)).toBe(false);
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  });
} else {
  test.skip(`PostgreSQL store lifecycle: skipped: ${postgres.skip}`, () => {});
}

test('realEnv: a log line is {t, pid, kind, data}; fields of the data never replace the line’s own', () => {
  const lines: string[] = [];
  const env = realEnv('runner#1', { logLine: (line) => lines.push(line) });
  env.log('dag.notify-failed', { kind: 'job-failed', pid: 99, t: 'then' });
  env.log('plain');
  const [first, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(first).toMatchObject({ pid: 'runner#1', kind: 'dag.notify-failed', data: { kind: 'job-failed', pid: 99, t: 'then' } });
  expect(typeof first?.t).toBe('string');
  expect(first?.t).not.toBe('then');
  expect(second).toEqual({ t: second?.t, pid: 'runner#1', kind: 'plain' });
});
