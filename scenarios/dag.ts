/**
 * The DAG pipeline under simulation: a random pipeline of up to 30 jobs (from the seed), some
 * failing a few times, some slow, some with a start time or runtime and output limits, run by the
 * production `DagRunner` on a SQLite run log, maybe with a parallelism limit and hard runtime limits. An operator process restarts failed jobs (or gives
 * up on them), and stops and restarts jobs now and then, through the store's command table, as
 * `simrun dag restart` does. Faults crash and restart the runner (its state comes back from the
 * run log) and pause it. Clock skew is left out: the runner measures runtimes with its wall clock.
 *
 * As harsh as the operating system: the jobs run in process groups of their own (a separate
 * process, `jobs`, that nothing crashes), so a runner that crashes leaves its jobs running, to be
 * ended by the next runner. The runner also gets one to three signals, SIGTERM (it stops itself) or
 * SIGKILL, and is started again by its supervisor within 15 s (killed first if it has not exited
 * by then); and a second `dag run` (`dag-runner-2`) may start on the same store while the first is up.
 *
 * Every store call of a runner takes a round trip of simulated time, and a fault (`crash-in-call`)
 * can kill the runner while a run-log row is on its way: between a job's start and the row naming
 * it, say, where the held start is what keeps the job from running unnamed.
 *
 * Some jobs report the data they generate (`SIMRUN_DATA amount=N`) and have a `max_data`; some start
 * a background child in their first execution, which the success rule judges.
 */
import Database from 'better-sqlite3';
import { z } from 'zod';
import {
  alertsJustified,
  breachesAlerted,
  DAG_RUNNER,
  dataJudgedByReports,
  successIsClean,
  downstreamResumes,
  failureBlocksDownstream,
  hardLimitEnforced,
  killedAtLimit,
  maxParallelRespected,
  rowsUnderLease,
  notBeforeStartTime,
  nothingDownstreamOfFailure,
  oneExecutionPerJob,
  rerunRunsAgain,
  stopEndsJobs,
  stopKillsAttempt,
  upstreamSucceededFirst,
} from '../src/check/dag/index.js';
import type { Env } from '../src/env/env.js';
import { defineScenario } from '../src/scenario/scenario.js';
import type { Prng } from '../src/sim/prng.js';
import { DagLeaseLostError, type DagRunnerOptions } from '../src/systems/dag/dag-runner.js';
import { DAG_MUTANTS, dagFlawsOf } from '../src/systems/dag/mutants.js';
import { consoleNotifier } from '../src/systems/dag/notifier.js';
import { validateGraph, type JobDefinition, type Pipeline } from '../src/systems/dag/pipeline.js';
import { latestByJob, type DagStore } from '../src/systems/dag/run-log.js';
import { DagRunnerBusyError, runExclusively } from '../src/systems/dag/runner-lease.js';
import { SimProcessGroups } from '../src/systems/dag/sim-process-groups.js';
import { withStoreLatency } from '../src/systems/dag/sim-store-latency.js';
import { crashInCall, PendingCrashes } from '../src/sim/fault-kinds/crash-in-call.js';
import { createSqliteStore } from '../src/systems/dag/sqlite-store.js';
import { SimExecutionRegistry, type SimChildBehaviour, type SimJobBehaviour } from '../src/systems/job-runner/sim-executor.js';
import type { World } from '../src/sim/world.js';
import { parseProcessId } from '../src/sim/process-id.js';
import { tracedLock } from '../src/locks/traced-lock.js';

const params = z
  .object({
    /** Jobs in the pipeline: the seed draws a number in [jobsMin, jobsMax]. */
    jobsMin: z.number().int().positive().max(30).default(3),
    jobsMax: z.number().int().positive().max(30).default(30),
    /** The operator acts (and faults land) within this window. */
    operatorWindowMs: z.number().int().positive().default(2 * 3_600_000),
    /** How often the runner takes commands from the store. */
    commandPollMs: z.number().int().positive().default(5_000),
    horizonMs: z.number().int().positive().max(7 * 86_400_000).default(5 * 3_600_000),
    /** The runner lease: longer than the longest pause plus a renewal interval, so a pause alone does not lose it. */
    leaseTtlMs: z.number().int().positive().default(20_000),
    /** How long a stopped runner waits for its jobs to end. */
    stopTimeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();

type Params = z.infer<typeof params>;

/** What each job of the random pipeline does when it runs. */
interface JobPlan {
  readonly behaviour: SimJobBehaviour;
  /** Its first `failures` executions exit 1. */
  readonly failures: number;
  /** A background child its first execution starts (the success rule's case). */
  readonly child?: SimChildBehaviour;
}

interface Workload {
  readonly pipeline: Pipeline;
  readonly plans: ReadonlyMap<string, JobPlan>;
}

/** A random pipeline: each job depends on up to three earlier ones, so the graph is acyclic by construction. */
function randomWorkload(prng: Prng, p: Params, epochMs: number): Workload {
  const count = prng.int(Math.min(p.jobsMin, p.jobsMax), p.jobsMax);
  const jobs: JobDefinition[] = [];
  const plans = new Map<string, JobPlan>();
  for (let index = 0; index < count; index++) {
    const name = `j${String(index + 1).padStart(2, '0')}`;
    const dependsOn: string[] = [];
    for (let earlier = 0; earlier < index && dependsOn.length < 3; earlier++) {
      if (prng.chance(Math.min(0.5, 2 / index))) dependsOn.push(jobs[earlier]?.name as string);
    }
    const slow = prng.chance(0.15);
    const behaviour: SimJobBehaviour = {
      chunks: prng.int(1, 5),
      chunkBytes: prng.int(20, 200),
      everyMs: slow ? prng.int(10_000, 60_000) : prng.int(100, 5_000),
      tailMs: prng.int(0, 1_000),
      exitCode: 0,
    };
    const expectedMs = behaviour.chunks * behaviour.everyMs + behaviour.tailMs;
    const expectedBytes = behaviour.chunks * behaviour.chunkBytes;
    const maxRuntimeMs = prng.chance(0.4) ? Math.max(1, Math.round(expectedMs * prng.between(0.5, 1.5))) : undefined;
    const maxOutputBytes = prng.chance(0.3) ? Math.max(1, Math.round(expectedBytes * prng.between(0.5, 1.5))) : undefined;
    const startAtMs = prng.chance(0.3) ? epochMs + prng.int(0, 1_800_000) : undefined;
    jobs.push({
      name,
      command: `sim ${name}`,
      dependsOn,
      retries: prng.int(0, 2),
      ...(maxRuntimeMs === undefined ? {} : { maxRuntimeMs }),
      ...(maxOutputBytes === undefined ? {} : { maxOutputBytes }),
      ...(startAtMs === undefined ? {} : { startAtMs }),
    });
    plans.set(name, { behaviour, failures: prng.chance(0.25) ? prng.int(1, 3) : 0 });
  }
  return { pipeline: validateGraph({ name: 'random', jobs }), plans };
}

/**
 * A parallelism limit for the pipeline (half the seeds) and a hard runtime limit for a fifth of its
 * jobs, somewhere around how long the job takes. Drawn from a stream of their own, so the pipeline
 * itself is what it always was for the seed.
 */
function withLimits(workload: Workload, prng: Prng): Workload {
  const maxParallel = prng.chance(0.5) ? prng.int(1, 4) : undefined;
  const jobs = workload.pipeline.jobs.map((job) => {
    const plan = workload.plans.get(job.name) as JobPlan;
    const expectedMs = plan.behaviour.chunks * plan.behaviour.everyMs + plan.behaviour.tailMs;
    const killAfterMs = prng.chance(0.2) ? Math.max(1, Math.round(expectedMs * prng.between(0.4, 1.5))) : undefined;
    return killAfterMs === undefined ? job : { ...job, killAfterMs };
  });
  return { ...workload, pipeline: { ...workload.pipeline, jobs, ...(maxParallel === undefined ? {} : { maxParallel }) } };
}

/**
 * Data reports and the success rule's case, from a stream of their own: two jobs in five report the
 * data they generate (`SIMRUN_DATA amount=N` with each chunk), three in ten have a `max_data` around
 * what they generate (reported, else printed), and about one in seven starts a background child in
 * its first execution (waited for or not, failing or not, finished before the shell or not).
 */
function withDataAndChildren(workload: Workload, prng: Prng): Workload {
  const plans = new Map<string, JobPlan>();
  const jobs = workload.pipeline.jobs.map((job) => {
    const plan = workload.plans.get(job.name) as JobPlan;
    const { behaviour } = plan;
    const dataPerChunk = prng.chance(0.4) ? prng.int(1, 500) : undefined;
    const expectedMs = behaviour.chunks * behaviour.everyMs + behaviour.tailMs;
    const expectedData = dataPerChunk === undefined ? behaviour.chunks * behaviour.chunkBytes : behaviour.chunks * dataPerChunk;
    const maxData = prng.chance(0.3) ? Math.max(1, Math.round(expectedData * prng.between(0.5, 1.5))) : undefined;
    const child: SimChildBehaviour | undefined = prng.chance(0.15)
      ? { endsAfterMs: prng.int(0, Math.round(expectedMs * 1.5)), exitCode: prng.chance(0.5) ? 0 : prng.int(1, 3), waited: prng.chance(0.5) }
      : undefined;
    plans.set(job.name, { ...plan, behaviour: dataPerChunk === undefined ? behaviour : { ...behaviour, dataPerChunk }, ...(child === undefined ? {} : { child }) });
    return maxData === undefined ? job : { ...job, maxData };
  });
  return { pipeline: { ...workload.pipeline, jobs }, plans };
}

/**
 * How long one way of a store call takes, ms: a database round trip on the same network, 1 to 20 ms,
 * and a quarter of the time nothing worth counting (a connection already warm, a cached page).
 */
function storeLatencyMs(prng: Prng): number {
  return prng.chance(0.25) ? 0 : prng.int(1, 20);
}

/** What one run keeps: the database that outlives runner crashes, as a database server would. */
interface DagState {
  readonly database: Database.Database;
  /** Crashes armed to strike a runner while one of its run-log rows is being written (`crash-in-call`). */
  readonly crashes: PendingCrashes;
}

/**
 * The operator: every few tens of seconds it reads the run log; it restarts a failed job (or gives
 * up on it for good), now and then reruns a job that succeeded (and so what follows it), and now and
 * then stops a job, or all of them, and starts them again later.
 * After its window it starts whatever it stopped and leaves.
 */
async function operate(env: Env, store: DagStore, pipeline: Pipeline, windowMs: number, startMs: number): Promise<void> {
  const givenUp = new Set<string>();
  const restartAt = new Map<string | null, number>();
  const names = pipeline.jobs.map((job) => job.name);
  while (env.now() - startMs < windowMs) {
    await env.sleep(20_000 + Math.floor(env.random() * 40_000));
    const latest = latestByJob(await store.entries(pipeline.name));
    for (const [name, entry] of latest) {
      if (entry.status !== 'failed' || givenUp.has(name)) continue;
      if (env.random() < 0.3) givenUp.add(name);
      else if (env.random() < 0.5) await store.enqueue({ pipeline: pipeline.name, action: 'restart', jobKey: name });
    }
    // Now and then a job that succeeded is run again, with what follows it (`dag restart JOB --force`).
    const succeeded = [...latest].filter(([, entry]) => entry.status === 'succeeded').map(([name]) => name);
    if (succeeded.length > 0 && env.random() < 0.03) {
      await store.enqueue({ pipeline: pipeline.name, action: 'rerun', jobKey: succeeded[Math.floor(env.random() * succeeded.length)] as string });
    }
    for (const [target, atMs] of [...restartAt]) {
      if (env.now() < atMs) continue;
      restartAt.delete(target);
      await store.enqueue({ pipeline: pipeline.name, action: 'start', jobKey: target });
    }
    const roll = env.random();
    if (roll < 0.01) {
      await store.enqueue({ pipeline: pipeline.name, action: 'stop', jobKey: null });
      restartAt.set(null, env.now() + 60_000 + Math.floor(env.random() * 240_000));
    } else if (roll < 0.08) {
      const target = names[Math.floor(env.random() * names.length)] as string;
      await store.enqueue({ pipeline: pipeline.name, action: 'stop', jobKey: target });
      restartAt.set(target, env.now() + 10_000 + Math.floor(env.random() * 290_000));
    }
  }
  // Starting everything it stopped, so every job it did not give up on can finish.
  for (const target of restartAt.keys()) await store.enqueue({ pipeline: pipeline.name, action: 'start', jobKey: target });
}

/** The process the jobs' process groups run in. */
const JOBS = 'jobs';
/** A second `simrun dag run` on the same store. */
const SECOND_RUNNER = 'dag-runner-2';
/** How long the supervisor gives a stopped runner before it kills it and starts it again. */
const SUPERVISOR_KILL_AFTER_MS = 15_000;

/**
 * Graceful stops of the runner (SIGTERM) with a restart by its supervisor, and maybe a second runner
 * on the same store, drawn from the seed's own stream: the pipeline's draws stay as they were.
 */
function scheduleLifecycle(world: World, prng: Prng, p: Params, stopRunner: () => void, spawnSecond: () => void): void {
  const signals = prng.int(1, 3);
  for (let index = 0; index < signals; index++) {
    // Within the first half hour, while most of a pipeline's work runs.
    const atMs = prng.int(Math.min(60_000, p.operatorWindowMs), Math.min(1_800_000, p.operatorWindowMs));
    const killed = prng.chance(0.5);
    const restartAfterMs = prng.int(1_000, SUPERVISOR_KILL_AFTER_MS);
    world.at(atMs, () => {
      const incarnation = world.process(DAG_RUNNER).incarnations;
      // SIGKILL: the runner is gone at once, its jobs' process groups run on. SIGTERM: it stops itself.
      if (killed) world.crash(DAG_RUNNER);
      else stopRunner();
      // The supervisor starts it again, killing it first if it has not exited by then; unless a fault restarted it meanwhile.
      world.at(atMs + restartAfterMs, () => {
        if (world.process(DAG_RUNNER).incarnations === incarnation) world.restart(DAG_RUNNER);
      });
    });
  }
  if (prng.chance(0.5)) world.at(prng.int(0, p.operatorWindowMs), spawnSecond);
}

export default defineScenario<Params, DagState>({
  name: 'dag',
  summary: 'a random pipeline of up to 30 jobs with failures, retries, slow jobs and limits; runner crashes, SIGTERM stops, restarts and a second runner',
  params,
  horizonMs: (p) => p.horizonMs,
  // Under --swarm: the pipeline's size, the operator's window, the command poll, and a horizon that
  // leaves the pipeline three to four hours after the operator's last act.
  paramRanges: {
    jobsMin: { min: 1, max: 10, integer: true },
    jobsMax: (p) => ({ min: p.jobsMin, max: 30, integer: true }),
    operatorWindowMs: { min: 1_800_000, max: 3 * 3_600_000, integer: true },
    commandPollMs: { min: 1_000, max: 20_000, integer: true },
    horizonMs: (p) => ({ min: p.operatorWindowMs + 3 * 3_600_000, max: p.operatorWindowMs + 4 * 3_600_000, integer: true }),
  },
  faultSpace: (p) => ({
    targets: [DAG_RUNNER],
    windowMs: p.operatorWindowMs,
    rates: { crash: 0.5, pause: 1, 'crash-in-call': 1 },
    pauseMsMax: 30_000,
    restartAfterMsMax: 60_000,
  }),
  faultKinds: [crashInCall((state: DagState) => state.crashes)],
  mutants: DAG_MUTANTS,
  shrinkParams: { jobsMax: 3 },
  async setup(world, p, context) {
    const workload = withDataAndChildren(withLimits(randomWorkload(world.prng.fork('pipeline'), p, world.epochMs), world.prng.fork('limits')), world.prng.fork('data'));
    const database = new Database(':memory:');
    const crashes = new PendingCrashes();
    const registry = new SimExecutionRegistry();
    const executions = new Map<string, number>();
    const behaviourOf = (command: string): SimJobBehaviour => {
      const name = command.replace(/^sim /, '');
      const plan = workload.plans.get(name);
      if (plan === undefined) throw new Error(`no simulated job '${name}'`);
      const seen = executions.get(name) ?? 0;
      executions.set(name, seen + 1);
      return { ...plan.behaviour, exitCode: seen < plan.failures ? 1 : 0, ...(seen === 0 && plan.child !== undefined ? { child: plan.child } : {}) };
    };
    // The store judges lease expiry by its own clock: in simulation, the world's.
    const openStore = (): DagStore => createSqliteStore(database, { now: () => world.now() });
    // The store's answers about the runner lease go into the trace (judged by its own clock, the world's), for `rows-under-lease`.
    const withTracedLease = (store: DagStore, env: Env): DagStore => ({ ...store, runnerLock: tracedLock(store.runnerLock, env, () => world.now()) });
    // Each runner's store calls take time (a database round trip each), drawn from a stream of their
    // own per incarnation, so the pipeline's and the processes' own draws stay as they were.
    // (One stream per incarnation for all its stores: a runner that opens the store again goes on drawing.)
    const latencyStreams = world.prng.fork('store-latency');
    const streams = new Map<string, Prng>();
    const withRoundTrips = (store: DagStore, env: Env): DagStore => {
      let stream = streams.get(env.id);
      if (stream === undefined) streams.set(env.id, (stream = latencyStreams.fork(env.id)));
      const draws = stream;
      // A `crash-in-call` strikes in any write of rows: between an attempt's start and the row naming
      // its process group, between an attempt's end and the next job's start, in a command's commit.
      return withStoreLatency(store, env, () => storeLatencyMs(draws), (phase) => crashes.land(world, env, phase));
    };
    const groups = new SimProcessGroups(registry, behaviourOf, (id, handler) => world.whenEnded(id, handler));
    world.spawn(JOBS, groups.main);
    // What `kill -0 PID` tells a runner of this machine: whether the lease's holder still runs.
    const holderIsDead = (owner: string): boolean => {
      const { name } = parseProcessId(owner);
      const current = world.processNames().includes(name) ? world.process(name).current : undefined;
      return current?.id !== owner || !current.alive;
    };
    const runnerOptions = (env: Env): DagRunnerOptions & { holderIsDead: (owner: string) => boolean } => ({
      holderIsDead,
      env,
      pipeline: workload.pipeline,
      executor: groups.executorFor(env),
      reaper: groups.reaperFor(env),
      store: withRoundTrips(withTracedLease(openStore(), env), env),
      notifier: consoleNotifier((line) => env.print(line)),
      commandPollMs: p.commandPollMs,
      flaws: dagFlawsOf(context.mutant),
    });
    let stopRunner = (): void => undefined;
    // The runner as a supervisor runs it: with --follow and --wait, started again if it loses its lease.
    world.spawn(DAG_RUNNER, async (env) => {
      const stop = new AbortController();
      stopRunner = () => stop.abort();
      // A SIGTERM from a plan's `term` does what the supervisor's stop above does, as it does to
      // `simrun dag run`: registered first, so a stop at any moment after the runner started is graceful.
      env.onStop?.(() => stop.abort());
      for (;;) {
        try {
          await runExclusively({ ...runnerOptions(env), follow: true, wait: true, stop: stop.signal, stopTimeoutMs: p.stopTimeoutMs, leaseTtlMs: p.leaseTtlMs });
          return;
        } catch (error) {
          if (!(error instanceof DagLeaseLostError)) throw error;
        }
      }
    });
    // A second `dag run` of the pipeline: it refuses (exit 2) while the first holds the pipeline.
    const spawnSecond = (): void => {
      world.spawn(SECOND_RUNNER, async (env) => {
        const stop = new AbortController();
        env.onStop?.(() => stop.abort());
        try {
          await runExclusively({ ...runnerOptions(env), follow: false, wait: false, stop: stop.signal, stopTimeoutMs: p.stopTimeoutMs, leaseTtlMs: p.leaseTtlMs });
        } catch (error) {
          if (!(error instanceof DagRunnerBusyError)) throw error;
        }
      });
    };
    scheduleLifecycle(world, world.prng.fork('lifecycle'), p, () => stopRunner(), spawnSecond);
    world.spawn('operator', (env) => operate(env, openStore(), workload.pipeline, p.operatorWindowMs, world.now()));
    return { database, crashes };
  },
  invariants: [
    upstreamSucceededFirst,
    notBeforeStartTime,
    nothingDownstreamOfFailure,
    downstreamResumes,
    alertsJustified,
    breachesAlerted,
    oneExecutionPerJob,
    stopEndsJobs,
    maxParallelRespected,
    hardLimitEnforced,
    stopKillsAttempt,
    killedAtLimit,
    rowsUnderLease,
    dataJudgedByReports,
    successIsClean,
    rerunRunsAgain,
    failureBlocksDownstream,
  ],
  teardown(_world, { database }) {
    database.close();
  },
});
