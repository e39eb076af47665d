/**
 * The job runner under simulation: a client starts jobs at random times (some scheduled for later),
 * stops some of them (queued or executing), follows the output of some as it is produced, and once
 * every job has ended reads each one's whole output. Jobs print chunks and exit with a random code.
 * Faults crash executing jobs (`job-crash`, as an OOM killer would), pause the runner or the client,
 * step the runner's clock (the scheduled starts must still not come early by that clock), and crash
 * the runner itself (`runner-crash`), which its supervisor restarts: the runner keeps its jobs in a
 * store that outlives it, and the new one must take up every unfinished job. While the runner is
 * down the client waits and tries again, and a stream cut by the crash is read again from the start.
 * Finished jobs leave the runner's memory after `retentionMs`; the client then reads them from the store.
 * Their records are deleted from the store `keepEndedMs` (30 min) after they ended; each job's output
 * past `recordOutputBytes` is in spill files, which go with the record.
 *
 * The client is user `alice`. A second user (`bob`) starts a few jobs of its own and asks about, or
 * tries to stop, jobs by id, alice's too: refused, as if they did not exist. An admin (`ops`, as
 * `--admin ops` makes it) lists everyone's jobs, looks at some and stops some.
 */
import { z } from 'zod';
import { authorisedAccess, noOutputWithoutRecord, prunedOnlyWhenDue, clientFinished, concurrencyLimit, dueNotEarly, dueOnlyWhileQueued, endStateMatchesExit, legalTransitions, outputComplete, restartRecoversJobs, scheduledNotEarly, stopEndsExecution, stoppedQueuedNeverRuns } from '../src/check/job-runner/index.js';
import { feed, type RunContext } from '../src/check/checker.js';
import { CallerView, type AccessAction, type Caller } from '../src/systems/job-runner/access.js';
import type { Env } from '../src/env/env.js';
import { defineScenario, type CheckContext } from '../src/scenario/scenario.js';
import { defineFaultKind, type Fault } from '../src/sim/faults.js';
import type { Prng } from '../src/sim/prng.js';
import { JobRunner, RunnerShuttingDown, UnknownJob } from '../src/systems/job-runner/job-runner.js';
import { MemoryJobStore } from '../src/systems/job-runner/job-store.js';
import { MemoryOutputFiles } from '../src/systems/job-runner/output-files.js';
import type { World } from '../src/sim/world.js';
import { JOB_RUNNER_MUTANTS, jobRunnerFlawsOf, registersStopHandlerLate } from '../src/systems/job-runner/mutants.js';
import { isTerminal } from '../src/systems/job-runner/lifecycle.js';
import { createSimExecutor, SimExecutionRegistry, type SimJobBehaviour } from '../src/systems/job-runner/sim-executor.js';
import { jobClientEvents } from '../src/systems/job-runner/events.js';

const params = z
  .object({
    /** Jobs the client starts. */
    jobs: z.number().int().positive().max(1_000).default(25),
    /** Jobs executing at once, at most. */
    concurrencyLimit: z.number().int().positive().max(1_000).default(3),
    /** The client starts jobs within this window. */
    windowMs: z.number().int().positive().max(7 * 86_400_000).default(120_000),
    /** A finished job leaves the runner's memory this long after it ended; the store answers for it. */
    retentionMs: z.number().int().nonnegative().max(31 * 86_400_000).default(600_000),
    /** An ended job's record is deleted from the store this long after it ended (after the client's reads). */
    keepEndedMs: z.number().int().positive().max(31 * 86_400_000).default(1_800_000),
    /** Output bytes per job kept with its record; the rest goes to its spill files (deleted with the record). */
    recordOutputBytes: z.number().int().nonnegative().max(1_048_576).default(128),
    horizonMs: z.number().int().positive().max(31 * 86_400_000).default(3 * 3_600_000),
  })
  .strict();

type Params = z.infer<typeof params>;

/** One job of the client's workload; offsets are ms after the client's first step. */
interface PlannedJob {
  readonly submitMs: number;
  readonly behaviour: SimJobBehaviour;
  /** Start no earlier than this long after submitting. */
  readonly delayMs?: number;
  /** Ask to stop it this long after submitting. */
  readonly stopAfterMs?: number;
  /** Open a stream of its output this long after submitting. */
  readonly streamAfterMs?: number;
}

function randomWorkload(prng: Prng, p: Params): PlannedJob[] {
  return Array.from({ length: p.jobs }, (): PlannedJob => {
    const delayMs = prng.chance(0.3) ? prng.int(1, 60_000) : undefined;
    const stopAfterMs = prng.chance(0.25) ? prng.int(0, 30_000) : undefined;
    const streamAfterMs = prng.chance(0.4) ? prng.int(0, 10_000) : undefined;
    return {
      submitMs: prng.int(0, p.windowMs),
      behaviour: {
        chunks: prng.int(0, 5),
        chunkBytes: prng.int(16, 120),
        everyMs: prng.int(50, 3_000),
        tailMs: prng.int(0, 500),
        exitCode: prng.chance(0.2) ? prng.int(1, 3) : 0,
        stderrEvery: prng.chance(0.5) ? prng.int(1, 3) : 0,
      },
      ...(delayMs === undefined ? {} : { delayMs }),
      ...(stopAfterMs === undefined ? {} : { stopAfterMs }),
      ...(streamAfterMs === undefined ? {} : { streamAfterMs }),
    };
  }).sort((a, b) => a.submitMs - b.submitMs);
}

/** `sim chunks=3 bytes=40 every=200 tail=10 exit=0`: a simulated job's behaviour as its command. */
function commandOf(behaviour: SimJobBehaviour): string {
  return `sim chunks=${behaviour.chunks} bytes=${behaviour.chunkBytes} every=${behaviour.everyMs} tail=${behaviour.tailMs} exit=${behaviour.exitCode} stderr=${behaviour.stderrEvery ?? 0}`;
}

function behaviourOf(command: string): SimJobBehaviour {
  const field = (name: string): number => Number(new RegExp(`\\b${name}=(\\d+)`).exec(command)?.[1] ?? NaN);
  return { chunks: field('chunks'), chunkBytes: field('bytes'), everyMs: field('every'), tailMs: field('tail'), exitCode: field('exit'), stderrEvery: field('stderr') };
}

/**
 * What one run keeps: the executions a `job-crash` fault can hit, the store that outlives the
 * runner (as its disk would), and the runner its current process made.
 */
interface JobRunnerState {
  readonly registry: SimExecutionRegistry;
  readonly store: MemoryJobStore;
  /** The spill files of the jobs' output past `recordOutputBytes`, on a disk that outlives the runner. */
  readonly spill: MemoryOutputFiles;
  runner?: JobRunner;
  /** The process id of the incarnation that made `runner`. */
  runnerPid?: string;
  /** Set once that incarnation got a graceful stop: it takes no more requests while it shuts down. */
  stopping?: boolean;
  /** Called when the runner accepts a job; the `late-stop-handler` server registers its stop handler then. */
  accepted?: () => void;
}

const RUNNER = 'runner';
/** Why a runner's executing jobs end when it is stopped gracefully. */
const SHUTDOWN_REASON = 'the server is shutting down';
/** The certificate names of the main client, of a second user, and of the admin (`--admin`). */
const CLIENT_USER = 'alice';
const OTHER_USER = 'bob';
const ADMIN_USER = 'ops';
/** How often a client waiting on a runner that is down (or a stream that may have been cut) looks again, ms. */
const RETRY_MS = 2_000;

/** The runner the client can reach: the current process's, while it runs. */
type RunnerLink = () => JobRunner | undefined;

/** Waits until the runner is up, then returns it. */
async function reach(env: Env, link: RunnerLink): Promise<JobRunner> {
  for (;;) {
    const runner = link();
    if (runner !== undefined) return runner;
    await env.sleep(RETRY_MS);
  }
}

async function client(env: Env, link: RunnerLink, workload: readonly PlannedJob[], accepted: () => void): Promise<void> {
  const startMs = env.now();
  type Action = { atMs: number; order: number; run: (runner: JobRunner) => void };
  const actions: Action[] = [];
  const ids: string[] = [];
  const streams: Promise<void>[] = [];
  workload.forEach((job, index) => {
    actions.push({
      atMs: job.submitMs,
      order: 0,
      run: (runner) => {
        const id = runner.start({ command: commandOf(job.behaviour), owner: CLIENT_USER }, job.delayMs === undefined ? {} : { at: env.now() + job.delayMs });
        accepted();
        ids[index] = id;
        jobClientEvents.emit(env, { kind: 'client.started', data: { job: id } });
      },
    });
    if (job.streamAfterMs !== undefined) {
      actions.push({ atMs: job.submitMs + job.streamAfterMs, order: 1, run: () => void streams.push(follow(env, link, ids[index] as string)) });
    }
    if (job.stopAfterMs !== undefined) {
      actions.push({ atMs: job.submitMs + job.stopAfterMs, order: 2, run: (runner) => void tolerateUnknown(() => runner.stop(ids[index] as string)) });
    }
  });
  actions.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  for (const action of actions) {
    const waitMs = startMs + action.atMs - env.now();
    if (waitMs > 0) await env.sleep(waitMs);
    await perform(env, link, action.run);
  }
  // Done when every job has ended, as the current runner (or its store) tells.
  while ((await reach(env, link)).list().some((job) => !isTerminal(job.state))) await env.sleep(1_000);
  await Promise.all(streams);
  const runner = await reach(env, link);
  for (const id of ids) {
    const output = runner.output(id);
    jobClientEvents.emit(env, { kind: 'client.output', data: { job: id, how: 'whole', text: output.text() } });
    for (const view of ['stdout', 'stderr'] as const) jobClientEvents.emit(env, { kind: 'client.output', data: { job: id, how: 'whole', view, text: output.text(view) } });
  }
}

/**
 * Runs `action` on the runner the client reaches. A runner that began shutting down at the same
 * instant refuses it (the real server answers 503): the client tries again on the next runner,
 * as the real campaign's client does on a 503, rather than dying.
 */
async function perform(env: Env, link: RunnerLink, action: (runner: JobRunner) => void): Promise<void> {
  for (;;) {
    const runner = await reach(env, link);
    try {
      action(runner);
      return;
    } catch (error) {
      if (!(error instanceof RunnerShuttingDown)) throw error;
      await env.sleep(RETRY_MS);
    }
  }
}

/** Runs `call`, ignoring a job the runner does not know (one a broken restart forgot: the invariants judge that). */
function tolerateUnknown(call: () => unknown): void {
  try {
    call();
  } catch (error) {
    if (!(error instanceof UnknownJob)) throw error;
  }
}

/**
 * Reads a job's output as a stream until the job ends, then records what it read. A runner crash
 * cuts the stream (its runner is gone): the client opens it again on the next runner, from the start.
 */
async function follow(env: Env, link: RunnerLink, id: string): Promise<void> {
  for (;;) {
    const runner = await reach(env, link);
    const chunks = runner.output(id).stream();
    let text = '';
    let cut = false;
    for (;;) {
      const watch = new AbortController();
      const next = await Promise.race([chunks.next(), cutOff(env, link, runner, watch.signal)]);
      watch.abort();
      if (next === 'cut') {
        cut = true;
        break;
      }
      if (next.done === true) break;
      text += next.value.text;
    }
    if (cut) continue;
    jobClientEvents.emit(env, { kind: 'client.output', data: { job: id, how: 'stream', text } });
    return;
  }
}

/** Resolves `'cut'` once `runner` is no longer the one the client reaches; never, if `signal` aborts first. */
async function cutOff(env: Env, link: RunnerLink, runner: JobRunner, signal: AbortSignal): Promise<'cut'> {
  for (;;) {
    try {
      await env.sleep(RETRY_MS, signal);
    } catch {
      return new Promise<never>(() => undefined);
    }
    if (link() !== runner) return 'cut';
  }
}

/** One request of the second user or the admin: `pick` chooses the job among those it can find. */
interface Probe {
  readonly atMs: number;
  readonly pick: number;
  readonly action: AccessAction;
}

/** What the second user and the admin do, from a stream of their own. */
interface UserPlans {
  /** The second user's own jobs: when, and what each does. */
  readonly otherJobs: readonly { readonly submitMs: number; readonly behaviour: SimJobBehaviour }[];
  /** The second user's requests on any job it can name (its own or, guessing ids, anyone's). */
  readonly otherProbes: readonly Probe[];
  /** The admin's requests on jobs its list shows. */
  readonly adminProbes: readonly Probe[];
}

function randomUserPlans(prng: Prng, p: Params): UserPlans {
  const probe = (): Probe => ({ atMs: prng.int(0, p.windowMs + 60_000), pick: prng.int(0, 999), action: prng.chance(0.35) ? 'stop' : prng.chance(0.5) ? 'status' : 'output' });
  const byTime = (a: { atMs: number }, b: { atMs: number }): number => a.atMs - b.atMs;
  return {
    otherJobs: Array.from({ length: prng.int(1, 3) }, () => ({
      submitMs: prng.int(0, p.windowMs),
      behaviour: { chunks: prng.int(0, 3), chunkBytes: prng.int(16, 80), everyMs: prng.int(50, 3_000), tailMs: prng.int(0, 500), exitCode: 0, stderrEvery: 0 },
    })).sort((a, b) => a.submitMs - b.submitMs),
    otherProbes: Array.from({ length: prng.int(4, 8) }, probe).sort(byTime),
    adminProbes: Array.from({ length: prng.int(3, 6) }, probe).sort(byTime),
  };
}

/** Carries out `action` on job `id` as the view's caller; a refusal (or a job gone) is the expected answer for another's job. */
function request(view: CallerView, id: string, action: AccessAction): void {
  tolerateUnknown(() => (action === 'stop' ? view.stop(id) : action === 'status' ? view.status(id) : view.output(id).text()));
}

/**
 * A second user (`bob`): starts a few jobs of its own and asks about, or tries to stop, jobs it
 * names, its own or another user's (as if it had guessed their ids): the runner must refuse the latter.
 */
async function otherUser(env: Env, link: RunnerLink, plans: UserPlans): Promise<void> {
  const startMs = env.now();
  const caller: Caller = { name: OTHER_USER, admin: false };
  const steps = [...plans.otherJobs.map((job) => ({ atMs: job.submitMs, job })), ...plans.otherProbes.map((probe) => ({ atMs: probe.atMs, probe }))].sort((a, b) => a.atMs - b.atMs);
  for (const step of steps) {
    const waitMs = startMs + step.atMs - env.now();
    if (waitMs > 0) await env.sleep(waitMs);
    const runner = await reach(env, link);
    const view = new CallerView(runner, caller, env);
    if ('job' in step && step.job !== undefined) {
      view.start(commandOf(step.job.behaviour));
      continue;
    }
    const { probe } = step as { probe: Probe };
    view.list();
    const all = runner.list();
    const target = all[probe.pick % Math.max(1, all.length)];
    if (target !== undefined) request(view, target.id, probe.action);
  }
}

/** The admin (`ops`): lists every user's jobs, looks at some and stops some. */
async function adminUser(env: Env, link: RunnerLink, plans: UserPlans): Promise<void> {
  const startMs = env.now();
  const caller: Caller = { name: ADMIN_USER, admin: true };
  for (const probe of plans.adminProbes) {
    const waitMs = startMs + probe.atMs - env.now();
    if (waitMs > 0) await env.sleep(waitMs);
    const view = new CallerView(await reach(env, link), caller, env);
    const jobs = view.list();
    const target = jobs[probe.pick % Math.max(1, jobs.length)];
    if (target !== undefined) request(view, target.id, probe.action);
  }
}

/** Kills one executing job (the `pick`-th, counting round), if any is executing: as an OOM killer would. */
const jobCrash = defineFaultKind<JobRunnerState>({
  name: 'job-crash',
  schema: z.object({ at: z.number().int().nonnegative(), kind: z.literal('job-crash'), pick: z.number().int().nonnegative() }).strict(),
  generate: (prng, at): Fault[] => [{ at, kind: 'job-crash', pick: prng.int(0, 99) }],
  apply(_world, fault, { registry }) {
    const running = registry.running();
    if (running.length === 0) return;
    registry.crash(running[(fault.pick as number) % running.length] as string);
  },
});

/** Crashes the runner (its process and every job it runs); its supervisor restarts it `restartAfterMs` later. */
const runnerCrash = defineFaultKind<JobRunnerState>({
  name: 'runner-crash',
  schema: z.object({ at: z.number().int().nonnegative(), kind: z.literal('runner-crash'), restartAfterMs: z.number().int().positive() }).strict(),
  generate: (prng, at): Fault[] => [{ at, kind: 'runner-crash', restartAfterMs: prng.int(1, 60_000) }],
  apply(world: World, fault) {
    world.crash(RUNNER);
    world.at(fault.at + (fault.restartAfterMs as number), () => world.restart(RUNNER));
  },
  magnitudes: [{ field: 'restartAfterMs', gentlest: 1 }],
});

export default defineScenario<Params, JobRunnerState>({
  name: 'job-runner',
  summary: 'a client starts, schedules, stops and follows jobs on a runner with a concurrency limit; jobs crash, clocks step',
  params,
  horizonMs: (p) => p.horizonMs,
  // Under --swarm: how many jobs, how many at once, and how fast the client submits them.
  paramRanges: {
    jobs: { min: 1, max: 40, integer: true },
    concurrencyLimit: { min: 1, max: 6, integer: true },
    windowMs: { min: 10_000, max: 300_000, integer: true },
  },
  faultSpace: (p) => ({
    targets: ['runner', 'client'],
    windowMs: p.windowMs,
    rates: { 'job-crash': 3, 'runner-crash': 0.5, term: 0.5, pause: 1, skew: 1 },
    // Graceful stops go to the runner, which its supervisor starts again.
    stopTargets: ['runner'],
    restartAfterMsMax: 60_000,
    pauseMsMax: 20_000,
    skewMsMax: 5_000,
  }),
  faultKinds: [jobCrash, runnerCrash],
  mutants: JOB_RUNNER_MUTANTS,
  shrinkParams: { jobs: 1 },
  setup(world, p, context) {
    const workload = randomWorkload(world.prng.fork('workload'), p);
    const spill = new MemoryOutputFiles();
    const state: JobRunnerState = { registry: new SimExecutionRegistry(), store: new MemoryJobStore({ recordBytes: p.recordOutputBytes, spill }), spill };
    const { registry, store } = state;
    world.spawn(RUNNER, async (env) => {
      // A graceful stop (SIGTERM) ends the serving; the handler goes in first, before the runner
      // opens and starts the jobs it recovered, so a stop at any moment after that is graceful.
      let listen = (): void => undefined;
      const stopped = new Promise<void>((resolve) => (listen = () => void env.onStop?.(resolve)));
      const late = registersStopHandlerLate(context.mutant);
      if (!late) listen();
      state.runnerPid = env.id;
      state.stopping = false;
      state.accepted = undefined;
      state.runner = new JobRunner({ env, executor: createSimExecutor(env, registry, behaviourOf), concurrencyLimit: p.concurrencyLimit, flaws: jobRunnerFlawsOf(context.mutant), store, retentionMs: p.retentionMs, keepEndedMs: p.keepEndedMs, outputFiles: spill });
      if (late) {
        state.accepted = () => {
          state.accepted = undefined;
          listen();
        };
      }
      // It serves until stopped: then it takes no more requests, stops its executing jobs and
      // leaves the queued ones in the store for the next runner, and exits.
      await stopped;
      state.stopping = true;
      await state.runner.shutdown(SHUTDOWN_REASON);
    });
    const link: RunnerLink = () => {
      const current = world.process(RUNNER).current;
      return current?.alive === true && current.id === state.runnerPid && state.stopping !== true ? state.runner : undefined;
    };
    world.spawn('client', async (env) => {
      // The runner is spawned first, but a plan may crash it at the very start, before its first
      // incarnation ran: the client then waits for it like for any runner that is down (`reach`).
      await client(env, link, workload, () => state.accepted?.());
    });
    const users = randomUserPlans(world.prng.fork('users'), p);
    world.spawn(OTHER_USER, (env) => otherUser(env, link, users));
    world.spawn(ADMIN_USER, (env) => adminUser(env, link, users));
    return state;
  },
  invariants: [
    legalTransitions,
    outputComplete,
    stoppedQueuedNeverRuns,
    scheduledNotEarly,
    concurrencyLimit,
    restartRecoversJobs,
    clientFinished,
    dueNotEarly,
    dueOnlyWhileQueued,
    stopEndsExecution,
    endStateMatchesExit,
    feed(authorisedAccess, (run: RunContext) => ({ trace: run.trace, admins: [ADMIN_USER], epochMs: run.epochMs })),
    feed(prunedOnlyWhenDue, (run: CheckContext<Params, JobRunnerState>) => ({ trace: run.trace, keepEndedMs: run.params.keepEndedMs, epochMs: run.epochMs })),
    feed(noOutputWithoutRecord, (run: CheckContext<Params, JobRunnerState>) => ({ trace: run.trace, jobsWithFiles: run.state.spill.jobsWithFiles(), storedJobs: run.state.store.load().map((job) => job.id), epochMs: run.epochMs })),
  ],
});
