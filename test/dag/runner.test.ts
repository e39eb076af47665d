/**
 * The DAG runner under a simulated world: parallelism, start times, failures and restarts, retries,
 * limits and alerts, stop and start, and a runner restart that carries on from the run log. Every
 * test is deterministic: virtual time, simulated jobs.
 */
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { Env } from '../../src/env/env.js';
import { World } from '../../src/sim/world.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { DagRunner } from '../../src/systems/dag/dag-runner.js';
import type { Notification } from '../../src/systems/dag/notifier.js';
import { validateGraph, type JobDefinition } from '../../src/systems/dag/pipeline.js';
import type { PipelineCommand } from '../../src/systems/dag/run-log.js';
import { createSqliteStore } from '../../src/systems/dag/sqlite-store.js';
import { createSimExecutor, SimExecutionRegistry, type SimJobBehaviour } from '../../src/systems/job-runner/sim-executor.js';

interface SimJob extends Omit<JobDefinition, 'command' | 'retries'> {
  readonly retries?: number;
  /** Output chunks, one every `everyMs` (default 1 chunk of 10 bytes after 1 000 ms). */
  readonly chunks?: number;
  readonly chunkBytes?: number;
  readonly everyMs?: number;
  /** Its first `failures` executions exit 1. */
  readonly failures?: number;
}

interface Harness {
  readonly world: World;
  readonly database: Database.Database;
  /** Every notification but the successes, which are in `successes`. */
  readonly notifications: Notification[];
  readonly successes: Notification[];
  /** Each job's attempt starts, as [virtual ms past the epoch, job]. */
  starts(): [number, string][];
  ends(): [number, string, string][];
}

/** A world running one DAG runner over `jobs`, with operator commands sent at the given times. */
interface HarnessOptions {
  readonly maxParallel?: number;
  /** Carry on from this run log (a second `dag run` on the same store). */
  readonly database?: Database.Database;
  readonly newRun?: boolean;
}

function harness(jobs: readonly SimJob[], commands: readonly [number, PipelineCommand['action'], string | null][] = [], options: HarnessOptions = {}): Harness {
  const world = new World({ seed: 1, horizonMs: 24 * 3_600_000 });
  const database = options.database ?? new Database(':memory:');
  const pipeline = validateGraph({
    ...(options.maxParallel === undefined ? {} : { maxParallel: options.maxParallel }),
    name: 'test',
    jobs: jobs.map(({ chunks: _c, chunkBytes: _b, everyMs: _e, failures: _f, ...job }) => ({ ...job, command: job.name, retries: job.retries ?? 0 })),
  });
  const registry = new SimExecutionRegistry();
  const executions = new Map<string, number>();
  const behaviourOf = (command: string): SimJobBehaviour => {
    const job = jobs.find((candidate) => candidate.name === command) as SimJob;
    const seen = executions.get(command) ?? 0;
    executions.set(command, seen + 1);
    return { chunks: job.chunks ?? 1, chunkBytes: job.chunkBytes ?? 10, everyMs: job.everyMs ?? 1_000, tailMs: 0, exitCode: seen < (job.failures ?? 0) ? 1 : 0 };
  };
  const notifications: Notification[] = [];
  const successes: Notification[] = [];
  world.spawn('dag-runner', async (env: Env) => {
    const runner = await DagRunner.open({
      env,
      pipeline,
      executor: createSimExecutor(env, registry, behaviourOf),
      store: createSqliteStore(database),
      notifier: { notify: async (notification) => void (notification.kind === 'job-succeeded' ? successes : notifications).push(notification) },
      commandPollMs: 500,
      ...(options.newRun === undefined ? {} : { newRun: options.newRun }),
    });
    await runner.run({ follow: true });
  });
  const store = createSqliteStore(database);
  for (const [atMs, action, jobKey] of commands) world.at(atMs, () => void store.enqueue({ pipeline: 'test', action, jobKey }));
  const events = (kind: string): TraceEvent[] => world.trace.events.filter((event) => event.kind === kind);
  return {
    world,
    database,
    notifications,
    successes,
    starts: () => events('dag.job.start').map((event) => [event.t - world.epochMs, String(event.data?.job)]),
    ends: () => events('dag.job.end').map((event) => [event.t - world.epochMs, String(event.data?.job), String(event.data?.outcome)]),
  };
}

async function run(h: Harness, horizonMs = 3_600_000): Promise<void> {
  // The runner polls for commands forever; stop the world once the test's story is over.
  h.world.at(horizonMs, () => h.world.crash('dag-runner'));
  await h.world.run();
}

describe('DagRunner', () => {
  test('runs independent jobs in parallel and a job after all its upstream jobs', async () => {
    const h = harness([
      { name: 'a', dependsOn: [], everyMs: 1_000 },
      { name: 'b', dependsOn: [], everyMs: 3_000 },
      { name: 'c', dependsOn: ['a', 'b'] },
    ]);
    await run(h);
    expect(h.starts()).toEqual([[0, 'a'], [0, 'b'], [3_000, 'c']]);
    expect(h.ends()).toEqual([[1_000, 'a', 'succeeded'], [3_000, 'b', 'succeeded'], [4_000, 'c', 'succeeded']]);
  });

  test('a job whose start time has come still waits for its upstream jobs; one whose upstream is done waits for its time', async () => {
    const h = harness([
      { name: 'a', dependsOn: [], everyMs: 10_000 },
      { name: 'early', dependsOn: ['a'], startAtMs: new World({ seed: 0 }).epochMs + 2_000 },
      { name: 'late', dependsOn: ['a'], startAtMs: new World({ seed: 0 }).epochMs + 60_000 },
    ]);
    await run(h);
    expect(h.starts()).toEqual([[0, 'a'], [10_000, 'early'], [60_000, 'late']]);
  });

  test('retries a failing job, then succeeds without blocking anything', async () => {
    const h = harness([
      { name: 'a', dependsOn: [], failures: 2, retries: 2 },
      { name: 'b', dependsOn: ['a'] },
    ]);
    await run(h);
    expect(h.ends().map(([, job, outcome]) => `${job}:${outcome}`)).toEqual(['a:retrying', 'a:retrying', 'a:succeeded', 'b:succeeded']);
    expect(h.notifications).toEqual([]);
  });

  test('a failure blocks everything downstream and says so; a restart into success lets them run by themselves', async () => {
    const h = harness(
      [
        { name: 'a', dependsOn: [], failures: 1 },
        { name: 'b', dependsOn: ['a'] },
        { name: 'c', dependsOn: ['b'] },
        { name: 'side', dependsOn: [] },
      ],
      [[60_000, 'restart', 'a']],
    );
    await run(h);
    expect(h.notifications.map((n) => [n.kind, n.job, n.blocked])).toEqual([['job-failed', 'a', ['b', 'c']]]);
    expect(h.notifications[0]?.message).toBe('failed (exit 1) after 1 attempt(s); blocked until it is restarted: b, c');
    const blocked = h.world.trace.events.filter((event) => event.kind === 'dag.job.blocked').map((event) => event.data?.job);
    expect(blocked).toEqual(['b', 'c']);
    expect(h.starts()).toEqual([[0, 'a'], [0, 'side'], [60_000, 'a'], [61_000, 'b'], [62_000, 'c']]);
  });

  test('sends one alert per limit an attempt exceeds, while it runs, and none for one within its limits', async () => {
    const h = harness([
      { name: 'slow', dependsOn: [], chunks: 3, everyMs: 1_000, maxRuntimeMs: 1_500 },
      { name: 'chatty', dependsOn: [], chunks: 3, chunkBytes: 10, maxOutputBytes: 25 },
      { name: 'fine', dependsOn: [], chunks: 2, chunkBytes: 10, maxOutputBytes: 20, maxRuntimeMs: 2_000 },
    ]);
    await run(h);
    expect(h.notifications.map((n) => [n.kind, n.job, n.atMs - h.world.epochMs])).toEqual([
      ['runtime-exceeded', 'slow', 1_501],
      ['output-exceeded', 'chatty', 3_000],
    ]);
  });

  test('stop one job, then start it: it runs again; stop all: nothing new starts until start all', async () => {
    const h = harness(
      [
        { name: 'a', dependsOn: [], chunks: 10, everyMs: 1_000 },
        { name: 'b', dependsOn: ['a'] },
        { name: 'c', dependsOn: [], startAtMs: new World({ seed: 0 }).epochMs + 30_000 },
      ],
      [
        [4_200, 'stop', 'a'],
        [8_000, 'start', 'a'],
        [9_000, 'stop', null],
        [40_000, 'start', null],
      ],
    );
    await run(h);
    expect(h.ends().map(([t, job, outcome]) => `${t} ${job}:${outcome}`)).toEqual(['4500 a:stopped', '9000 a:stopped', '41000 c:succeeded', '50000 a:succeeded', '51000 b:succeeded']);
  });

  test('a restarted runner carries on from the run log: done jobs stay done, the interrupted one runs again', async () => {
    const h = harness([
      { name: 'a', dependsOn: [], everyMs: 1_000 },
      { name: 'b', dependsOn: ['a'], everyMs: 5_000 },
      { name: 'c', dependsOn: ['b'] },
    ]);
    h.world.atFault(3_000, () => h.world.crash('dag-runner'));
    h.world.atFault(10_000, () => h.world.restart('dag-runner'));
    await run(h);
    expect(h.starts()).toEqual([[0, 'a'], [1_000, 'b'], [10_000, 'b'], [15_000, 'c']]);
    expect(h.world.trace.events.find((event) => event.kind === 'dag.job.interrupted')?.data).toEqual({ job: 'b', attempt: 1 });
    const rows = h.database.prepare('SELECT job_key, attempt, status, exec_time, amount_of_data, execution FROM dag_run_log ORDER BY id').all();
    // Each attempt: a row before it is launched, one naming its execution once it is, one at its end.
    expect(rows).toEqual([
      { job_key: 'a', attempt: 1, status: 'running', exec_time: 0, amount_of_data: 0, execution: null },
      { job_key: 'a', attempt: 1, status: 'running', exec_time: 0, amount_of_data: 0, execution: 'e1' },
      { job_key: 'a', attempt: 1, status: 'succeeded', exec_time: 1_000, amount_of_data: 10, execution: null },
      { job_key: 'b', attempt: 1, status: 'running', exec_time: 0, amount_of_data: 0, execution: null },
      { job_key: 'b', attempt: 1, status: 'running', exec_time: 0, amount_of_data: 0, execution: 'e2' },
      { job_key: 'b', attempt: 1, status: 'running', exec_time: 0, amount_of_data: 0, execution: null },
      { job_key: 'b', attempt: 1, status: 'running', exec_time: 0, amount_of_data: 0, execution: 'e3' },
      { job_key: 'b', attempt: 1, status: 'succeeded', exec_time: 5_000, amount_of_data: 10, execution: null },
      { job_key: 'c', attempt: 1, status: 'running', exec_time: 0, amount_of_data: 0, execution: null },
      { job_key: 'c', attempt: 1, status: 'running', exec_time: 0, amount_of_data: 0, execution: 'e4' },
      { job_key: 'c', attempt: 1, status: 'succeeded', exec_time: 1_000, amount_of_data: 10, execution: null },
    ]);
  });
});

describe('DagRunner: re-runs, parallelism, hard limits, saved output', () => {
  test('max_parallel: never more jobs running than the limit; the rest start as slots free up, in order', async () => {
    const h = harness(
      [
        { name: 'a', dependsOn: [], everyMs: 1_000 },
        { name: 'b', dependsOn: [], everyMs: 3_000 },
        { name: 'c', dependsOn: [], everyMs: 1_000 },
        { name: 'd', dependsOn: ['a'] },
      ],
      [],
      { maxParallel: 2 },
    );
    await run(h);
    expect(h.starts()).toEqual([[0, 'a'], [0, 'b'], [1_000, 'c'], [2_000, 'd']]);
  });

  test('kill_after_ms kills an attempt at its limit and fails it (retries apply); a runtime alert only warns', async () => {
    const h = harness([
      { name: 'hung', dependsOn: [], chunks: 10, everyMs: 1_000, killAfterMs: 2_500, retries: 1 },
      { name: 'after', dependsOn: ['hung'] },
    ]);
    await run(h);
    expect(h.ends().map(([t, job, outcome]) => `${t} ${job}:${outcome}`)).toEqual(['2500 hung:retrying', '5000 hung:failed']);
    expect(h.notifications.map((n) => `${n.kind} ${n.job} ${n.atMs - h.world.epochMs}`)).toEqual(['runtime-killed hung 2500', 'runtime-killed hung 5000', 'job-failed hung 5000']);
    expect(h.notifications[2]?.message).toBe('failed (killed at its kill_after_ms of 2500) after 2 attempt(s); blocked until it is restarted: after');
  });

  test('every success is notified, as every failure is', async () => {
    const h = harness([
      { name: 'a', dependsOn: [] },
      { name: 'b', dependsOn: ['a'] },
    ]);
    await run(h);
    expect(h.successes.map((n) => `${n.job}: ${n.message}`)).toEqual(['a: succeeded after 1 attempt(s) in 1000 ms, 10 bytes of output', 'b: succeeded after 1 attempt(s) in 1000 ms, 10 bytes of output']);
  });

  test('rerun (dag restart --force) runs a succeeded job again and everything downstream of it, nothing else', async () => {
    const h = harness(
      [
        { name: 'a', dependsOn: [] },
        { name: 'b', dependsOn: ['a'] },
        { name: 'c', dependsOn: ['b'] },
        { name: 'side', dependsOn: [] },
      ],
      [[60_000, 'rerun', 'b']],
    );
    await run(h);
    expect(h.starts()).toEqual([[0, 'a'], [0, 'side'], [1_000, 'b'], [2_000, 'c'], [60_000, 'b'], [61_000, 'c']]);
  });

  test('a new run starts every job afresh under the next run id; without it a finished pipeline runs nothing', async () => {
    const jobs = [
      { name: 'a', dependsOn: [] },
      { name: 'b', dependsOn: ['a'] },
    ];
    const first = harness(jobs);
    await run(first);
    const again = harness(jobs, [], { database: first.database });
    await run(again);
    expect(again.starts()).toEqual([]);
    const fresh = harness(jobs, [], { database: first.database, newRun: true });
    await run(fresh);
    expect(fresh.starts()).toEqual([[0, 'a'], [1_000, 'b']]);
    const runs = first.database.prepare('SELECT DISTINCT run_id FROM dag_run_log ORDER BY run_id').all();
    expect(runs).toEqual([{ run_id: '1' }, { run_id: '2' }]);
  });

  test('each attempt\'s output is saved in the store, by run, job and attempt', async () => {
    const h = harness([{ name: 'a', dependsOn: [], failures: 1, retries: 1, chunks: 2, chunkBytes: 5 }]);
    await run(h);
    const saved = await createSqliteStore(h.database).outputs('test', 'a');
    expect(saved.map((output) => [output.run, output.attempt, output.output.length, output.truncated])).toEqual([
      [1, 1, 10, false],
      [1, 2, 10, false],
    ]);
  });
});
