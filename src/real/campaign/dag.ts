/**
 * `simrun real dag`: two real `simrun dag run --follow --wait` runners racing for one pipeline on
 * one store (SQLite by default, PostgreSQL with `--store postgres://...`), and operators queueing
 * `simrun dag restart`, under the real nemesis: runners killed with jobs running, stopped
 * gracefully, paused, restarted. The pipeline is a small diamond with a job that fails once (so an
 * upstream failure blocks its downstream jobs until an operator restarts it).
 *
 * A run: start both runners (one takes the pipeline's lease, the other waits for it), start the
 * nemesis, queue a restart of the failing job at a seeded moment; once the plan is over, heal (start
 * every runner the nemesis left dead), restart the failing job again if it failed for good, wait for
 * every job to succeed, stop the runners with SIGTERM, and judge.
 *
 * What each job's process really did is not in any runner's log: the supervisor watches /proc for
 * the run's job shells (each command carries the run's marker) and writes what it saw as the
 * executor events the simulation's checkers read (`sim-job.start` when first seen alive,
 * `sim-job.exit` when last seen alive — an under-estimate of each life, so an overlap it reports is
 * real). The checkers are the simulation's: upstream-succeeded-first, nothing-downstream-of-failure,
 * one-execution-per-job (no job's process runs twice at once: a second runner, or a dead runner's
 * orphan), stop-ends-jobs; plus `pipeline-completes` (after healing, every job succeeded) and
 * `no-orphan-job-process` (once the runners have stopped, no job process of the run is alive).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNothingDownstreamOfFailure, checkOneExecutionPerJob, checkStopEndsJobs, checkUpstreamSucceededFirst, dagFacts, nothingDownstreamOfFailure, oneExecutionPerJob, stopEndsJobs, upstreamSucceededFirst } from '../../check/dag/index.js';
import type { Violation } from '../../check/violation.js';
import { InputError } from '../../env/errors.js';
import { parseLogLine } from '../../env/log-line.js';
import { Prng } from '../../sim/prng.js';
import type { TraceEvent } from '../../sim/trace.js';
import { DAG_MUTANTS } from '../../systems/dag/mutants.js';
import { runFailed, type RealRunContext, type RealSystem } from './campaign.js';
import { JobShellWatcher, killGroups, liveGroupMembers } from './job-groups.js';
import { NO_ORPHAN_JOB_PROCESS } from './job-runner.js';
import type { RealFaultSpace } from './plan.js';
import { preflightDagStore } from './preflight.js';
import type { Supervisor } from './supervisor.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RealDagOptions {
  readonly runners: number;
  /** `sqlite:PATH` or `postgres://...`; by default a fresh SQLite file in each run's directory. */
  readonly store?: string;
  /** Nemesis actions land in [0, windowMs) past the moment the first runner opened the pipeline. */
  readonly windowMs: number;
  /** Each runner's `--stop-timeout-ms`. */
  readonly stopTimeoutMs: number;
  /** Each runner's `--poll-ms`. */
  readonly pollMs: number;
  readonly mutant?: string;
}

export const REAL_DAG_DEFAULTS: Omit<RealDagOptions, 'store' | 'mutant'> = {
  runners: 2,
  windowMs: 4_000,
  stopTimeoutMs: 3_000,
  pollMs: 200,
};

export const ORPHANS_OF_DEAD_RUNNERS = {
  name: 'orphans-of-dead-runners',
  description: "a runner ends as orphans only the jobs of a runner that is dead (or was paused, so may have lost its lease), never a live runner's",
};

export const PIPELINE_COMPLETES = { name: 'pipeline-completes', description: 'once the runners are healed and the failed job restarted, every job succeeds' };

const COMPLETE_TIMEOUT_MS = 45_000;
const STARTUP_TIMEOUT_MS = 60_000;
const WATCH_EVERY_MS = 30;
const FLAKY = 'audit';


export function dagFaultSpace(options: Pick<RealDagOptions, 'runners' | 'windowMs'>): RealFaultSpace {
  return {
    targets: runnerNames(options.runners),
    windowMs: options.windowMs,
    rates: { kill: 1, term: 0.6, pause: 0.8 },
    pauseMsMin: 300,
    pauseMsMax: 2_000,
    restartAfterMsMin: 200,
    restartAfterMsMax: 1_500,
  };
}

function runnerNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `runner-${index + 1}`);
}

export async function realDagSystem(options: RealDagOptions): Promise<RealSystem> {
  if (options.mutant !== undefined && !Object.hasOwn(DAG_MUTANTS, options.mutant)) {
    throw new InputError(`--mutant: unknown dag mutant '${options.mutant}' (known: ${Object.keys(DAG_MUTANTS).join(', ')})`);
  }
  if (options.store !== undefined && !/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(options.store)) {
    throw new InputError(`--store: expected sqlite:PATH or a postgres:// URL, got '${options.store}'`);
  }
  if (options.store !== undefined) await preflightDagStore(options.store, maskPassword(options.store));
  const space = dagFaultSpace(options);
  return {
    name: 'dag',
    params: {
      runners: options.runners,
      store: options.store === undefined ? 'sqlite:<run dir>/dag.db' : maskPassword(options.store),
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    },
    space,
    invariants: [upstreamSucceededFirst, nothingDownstreamOfFailure, oneExecutionPerJob, stopEndsJobs, ORPHANS_OF_DEAD_RUNNERS, PIPELINE_COMPLETES, NO_ORPHAN_JOB_PROCESS].map(({ name, description }) => ({ name, description })),
    replayFlags: ['--runners', String(options.runners), ...(options.store === undefined ? [] : ['--store', maskPassword(options.store)]), ...(options.mutant === undefined ? [] : ['--mutant', options.mutant])],
    execute: (context) => executeDagRun(context, options),
  };
}

function maskPassword(spec: string): string {
  return spec.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/**
 * The pipeline: `extract` → `transform` and `audit` → `load` → `report`; `audit` fails its first
 * time (it leaves a mark in the run directory) and succeeds once restarted. Every command starts
 * with the run's marker, which is how the supervisor tells this run's job shells from any other.
 */
function pipelineYaml(name: string, marker: string, dir: string): string {
  const job = (seconds: number): string => JSON.stringify(`: ${marker}; sleep ${seconds}`);
  // The first job waits for the supervisor's go, given once every runner is up: however slowly Node
  // starts on a busy machine, every runner has had its chance at the pipeline before any job ends.
  const gate = join(dir, 'go');
  const once = join(dir, 'audit.failed-once');
  return [
    `name: ${name}`,
    'jobs:',
    '  extract:',
    `    command: ${JSON.stringify(`: ${marker}; while [ ! -e '${gate}' ]; do sleep 0.05; done; sleep 1.5`)}`,
    '  transform:',
    `    command: ${job(3)}`,
    '    depends_on: [extract]',
    `  ${FLAKY}:`,
    `    command: ${JSON.stringify(`: ${marker}; sleep 1; if [ ! -e '${once}' ]; then touch '${once}'; exit 1; fi`)}`,
    '    depends_on: [extract]',
    '  load:',
    `    command: ${job(1.5)}`,
    `    depends_on: [transform, ${FLAKY}]`,
    '  report:',
    `    command: ${job(1)}`,
    '    depends_on: [load]',
    '',
  ].join('\n');
}

const JOBS = ['extract', 'transform', FLAKY, 'load', 'report'];

async function executeDagRun(context: RealRunContext, options: RealDagOptions) {
  const { supervisor } = context;
  const runners = runnerNames(options.runners);
  const marker = `simrun-real-dag-run ${context.dir}`;
  // A fresh pipeline name per run: a PostgreSQL store outlives the run, and its run log must not carry over.
  const pipelineName = `real-dag-${context.seed}-${Date.now().toString(36)}`;
  const pipeline = join(context.dir, 'pipeline.yaml');
  writeFileSync(pipeline, pipelineYaml(pipelineName, marker, context.dir));
  const store = options.store ?? `sqlite:${join(context.dir, 'dag.db')}`;
  const watcher = new JobShellWatcher(marker, WATCH_EVERY_MS);
  let completed = false;
  try {
    for (const runner of runners) {
      supervisor.start(runner, [
        'dag', 'run', pipeline, '--store', store, '--follow', '--wait', '--verbose',
        '--poll-ms', String(options.pollMs), '--stop-timeout-ms', String(options.stopTimeoutMs),
        ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
      ]);
    }
    await waitUntil(() => runnerEvents(supervisor).some((event) => event.kind === 'dag.open') && runners.every((runner) => hasEventLine(supervisor, runner)), STARTUP_TIMEOUT_MS, 'the runners did not all start', context.dir);
    writeFileSync(join(context.dir, 'go'), '');
    const operator = (): void => {
      // `dag restart` refuses, with exit 2 and one line, a restart that would change nothing: the
      // seeded operator may come while the flaky job is still waiting or running.
      supervisor.start('operator', ['dag', 'restart', pipeline, FLAKY, '--store', store], { expectedExitCodes: [2] });
    };
    const operatorAt = Prng.root(context.seed).fork('operator').int(0, options.windowMs);
    const operatorTimer = setTimeout(() => {
      if (supervisor.running('operator') === undefined) operator();
    }, operatorAt);
    // The operator's part, all along: the failing job is restarted whenever it has failed for good,
    // so the pipeline keeps running jobs while the nemesis strikes.
    const deadline = Date.now() + COMPLETE_TIMEOUT_MS;
    const driven = (async (): Promise<boolean> => {
      let restartedAfter = 0;
      while (Date.now() < deadline) {
        const ends = runnerEvents(supervisor).filter((event) => event.kind === 'dag.job.end');
        const succeeded = new Set(ends.filter((event) => event.data?.outcome === 'succeeded').map((event) => String(event.data?.job)));
        if (JOBS.every((job) => succeeded.has(job))) return true;
        const failures = ends.filter((event) => event.data?.job === FLAKY && event.data?.outcome === 'failed').length;
        if (failures > restartedAfter && !succeeded.has(FLAKY) && supervisor.running('operator') === undefined) {
          restartedAfter = failures;
          operator();
        }
        await sleep(100);
      }
      return false;
    })();
    const nemesis = context.startNemesis();
    await nemesis.done;
    clearTimeout(operatorTimer);
    for (const runner of runners) if (supervisor.running(runner) === undefined) supervisor.start(runner);
    completed = await driven;
    await waitUntil(() => supervisor.running('operator') === undefined, STARTUP_TIMEOUT_MS, 'the operator did not finish', context.dir);
    supervisor.record('dag.run-complete', { completed, jobs: JOBS });
    await supervisor.stopAll(options.stopTimeoutMs + 2_000);
  } finally {
    watcher.stop();
  }
  const groups = new Set(watcher.shells.keys());
  const outlived = liveGroupMembers(groups);
  supervisor.record('jobs.groups-at-end', { alive: outlived });
  killGroups(groups);
  for (const shell of watcher.shells.values()) {
    supervisor.events.push({ t: shell.firstSeenMs, pid: 'world', kind: 'sim-job.start', data: { execution: String(shell.pgid), command: shell.command } });
    if (shell.goneMs !== undefined) supervisor.events.push({ t: shell.lastSeenMs, pid: 'world', kind: 'sim-job.exit', data: { execution: String(shell.pgid), code: null, signal: null, bytes: 0 } });
  }

  return {
    async judge(trace: readonly TraceEvent[]) {
      const facts = dagFacts(trace);
      // A start the watcher never saw (a job that ended between two looks) has no execution to judge.
      const seen = { ...facts, starts: facts.starts.filter((start) => facts.executions.has(start.execution)) };
      const violations: Violation[] = [
        ...checkUpstreamSucceededFirst(facts),
        ...checkNothingDownstreamOfFailure(facts),
        ...checkOneExecutionPerJob(facts),
        ...checkStopEndsJobs(trace, seen),
        ...checkOrphansOfDeadRunners(trace),
        ...checkPipelineCompletes(trace),
        ...checkOutlived(trace),
      ];
      return {
        violations,
        counts: {
          jobs: JOBS.length,
          attempts: facts.starts.length,
          executions: facts.executions.size,
          succeeded: new Set(facts.ends.filter((end) => end.outcome === 'succeeded').map((end) => end.job)).size,
          interrupted: facts.ends.filter((end) => end.outcome === 'interrupted').length,
          orphansEnded: trace.filter((event) => event.kind === 'dag.job.orphan' && event.data?.outcome === 'ended').length,
          outlived: outlived.length,
        },
      };
    },
  };
}

/** Every event line the runners have written so far (read from their logs). */
function runnerEvents(supervisor: Supervisor): { kind: string; data?: Readonly<Record<string, unknown>> }[] {
  const events: { kind: string; data?: Readonly<Record<string, unknown>> }[] = [];
  for (const incarnation of supervisor.incarnations) {
    if (!incarnation.name.startsWith('runner-')) continue;
    let text = '';
    try {
      text = readFileSync(incarnation.logPath, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const parsed = parseLogLine(line);
      if (parsed !== undefined) events.push(parsed.data === undefined ? { kind: parsed.kind } : { kind: parsed.kind, data: parsed.data });
    }
  }
  return events;
}

/** Whether the live incarnation of `runner` has written an event line (it is up: it holds the lease or waits for it). */
function hasEventLine(supervisor: Supervisor, runner: string): boolean {
  const incarnation = supervisor.running(runner);
  if (incarnation === undefined) return true;
  try {
    return readFileSync(incarnation.logPath, 'utf8').split('\n').some((line) => parseLogLine(line) !== undefined);
  } catch {
    return false;
  }
}

async function waitUntil(done: () => boolean, timeoutMs: number, what: string, dir: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) runFailed(`${what} within ${timeoutMs / 1000} s; see ${join(dir, 'logs')}`);
    await sleep(50);
  }
}

/**
 * A `dag.job.orphan` that ended a group names the runner that started it (`dag-runner@HOST#PID`):
 * the incarnation with that OS pid must have exited by then, or have been paused (a runner paused past
 * its lease has lost the pipeline, and its jobs are fair game).
 */
export function checkOrphansOfDeadRunners(trace: readonly TraceEvent[]): Violation[] {
  const byOsPid = new Map<number, string>();
  const exitAt = new Map<string, number>();
  for (const event of trace) {
    if (event.kind === 'process.start' && typeof event.data?.osPid === 'number') byOsPid.set(event.data.osPid, event.pid);
    else if (event.kind === 'process.exit' || event.kind === 'process.crash' || event.kind === 'process.error') exitAt.set(event.pid, event.t);
  }
  const paused = new Set<string>();
  const violations: Violation[] = [];
  for (const event of trace) {
    if (event.kind === 'process.pause') paused.add(event.pid);
    if (event.kind !== 'dag.job.orphan' || event.data?.outcome !== 'ended') continue;
    const owner = byOsPid.get(Number(/#(\d+)$/.exec(String(event.data.runner))?.[1]));
    if (owner === undefined || paused.has(owner)) continue;
    // A killed runner is a zombie the moment it dies: the runner taking over may see that a few ms
    // before the supervisor records the exit. Alive a second later is alive.
    const exit = exitAt.get(owner);
    if (exit !== undefined && exit <= event.t + DEATH_SEEN_LATE_MS) continue;
    violations.push({
      invariant: ORPHANS_OF_DEAD_RUNNERS.name,
      message: `${event.pid} ended execution ${String(event.data.execution)} of job '${String(event.data.job)}' as an orphan while its runner ${owner} was alive and running it`,
      eventSeq: event.seq,
      pid: event.pid,
      operation: 'reap',
    });
  }
  return violations;
}

/** How much later than a runner taking over the supervisor may record the death it saw. */
const DEATH_SEEN_LATE_MS = 1_000;

export function checkPipelineCompletes(trace: readonly TraceEvent[]): Violation[] {
  const verdict = trace.find((event) => event.kind === 'dag.run-complete');
  if (verdict === undefined || verdict.data?.completed === true) return [];
  const succeeded = new Set(trace.filter((event) => event.kind === 'dag.job.end' && event.data?.outcome === 'succeeded').map((event) => String(event.data?.job)));
  const missing = ((verdict.data?.jobs ?? []) as string[]).filter((job) => !succeeded.has(job));
  return [{ invariant: PIPELINE_COMPLETES.name, message: `with the runners healed, jobs ${missing.join(', ')} never succeeded within ${COMPLETE_TIMEOUT_MS / 1000} s`, eventSeq: verdict.seq }];
}

function checkOutlived(trace: readonly TraceEvent[]): Violation[] {
  const end = trace.find((event) => event.kind === 'jobs.groups-at-end');
  const alive = (end?.data?.alive ?? []) as { pid: number; pgid: number; command: string }[];
  if (end === undefined || alive.length === 0) return [];
  return [{ invariant: NO_ORPHAN_JOB_PROCESS.name, message: `after the runners stopped, job processes were still alive: ${alive.map((member) => `pid ${member.pid} in group ${member.pgid}`).join(', ')}`, eventSeq: end.seq, operation: 'stop' }];
}
