/**
 * The job runner under simulation: a client starts jobs at random times (some scheduled for later),
 * stops some of them (queued or executing), follows the output of some as it is produced, and once
 * every job has ended reads each one's whole output. Jobs print chunks and exit with a random code.
 * Faults crash executing jobs (`job-crash`, as an OOM killer would), pause the runner or the client,
 * and step the runner's clock (the scheduled starts must still not come early by that clock).
 */
import { z } from 'zod';
import { checkConcurrencyLimit } from '../src/check/job-runner/concurrency-limit.js';
import { checkLegalTransitions } from '../src/check/job-runner/legal-transitions.js';
import { checkOutputComplete } from '../src/check/job-runner/output-complete.js';
import { checkScheduledNotEarly } from '../src/check/job-runner/scheduled-not-early.js';
import { checkStoppedQueuedNeverRuns } from '../src/check/job-runner/stopped-queued-never-runs.js';
import type { Env } from '../src/env/env.js';
import { defineScenario } from '../src/scenario/scenario.js';
import type { Fault } from '../src/sim/faults.js';
import type { Prng } from '../src/sim/prng.js';
import type { World } from '../src/sim/world.js';
import { JobRunner } from '../src/systems/job-runner/job-runner.js';
import { JOB_RUNNER_MUTANTS, jobRunnerFlawsOf } from '../src/systems/job-runner/mutants.js';
import { isTerminal } from '../src/systems/job-runner/lifecycle.js';
import { createSimExecutor, SimExecutionRegistry, type SimJobBehaviour } from '../src/systems/job-runner/sim-executor.js';

const params = z
  .object({
    /** Jobs the client starts. */
    jobs: z.number().int().positive().default(25),
    /** Jobs executing at once, at most. */
    concurrencyLimit: z.number().int().positive().default(3),
    /** The client starts jobs within this window. */
    windowMs: z.number().int().positive().default(120_000),
    horizonMs: z.number().int().positive().default(3 * 3_600_000),
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
      },
      ...(delayMs === undefined ? {} : { delayMs }),
      ...(stopAfterMs === undefined ? {} : { stopAfterMs }),
      ...(streamAfterMs === undefined ? {} : { streamAfterMs }),
    };
  }).sort((a, b) => a.submitMs - b.submitMs);
}

/** `sim chunks=3 bytes=40 every=200 tail=10 exit=0`: a simulated job's behaviour as its command. */
function commandOf(behaviour: SimJobBehaviour): string {
  return `sim chunks=${behaviour.chunks} bytes=${behaviour.chunkBytes} every=${behaviour.everyMs} tail=${behaviour.tailMs} exit=${behaviour.exitCode}`;
}

function behaviourOf(command: string): SimJobBehaviour {
  const field = (name: string): number => Number(new RegExp(`\\b${name}=(\\d+)`).exec(command)?.[1] ?? NaN);
  return { chunks: field('chunks'), chunkBytes: field('bytes'), everyMs: field('every'), tailMs: field('tail'), exitCode: field('exit') };
}

/** Per world: the executions a `job-crash` fault can hit. */
const registries = new WeakMap<World, SimExecutionRegistry>();

/** Per world: the runner, once its process has made it. */
const runners = new WeakMap<World, JobRunner>();

async function client(env: Env, runner: JobRunner, workload: readonly PlannedJob[]): Promise<void> {
  const startMs = env.now();
  type Action = { atMs: number; order: number; run: () => void };
  const actions: Action[] = [];
  const ids: string[] = [];
  const streams: Promise<void>[] = [];
  workload.forEach((job, index) => {
    actions.push({
      atMs: job.submitMs,
      order: 0,
      run: () => {
        const id = runner.start({ command: commandOf(job.behaviour) }, job.delayMs === undefined ? {} : { at: env.now() + job.delayMs });
        ids[index] = id;
        env.log('client.started', { job: id });
      },
    });
    if (job.streamAfterMs !== undefined) {
      actions.push({ atMs: job.submitMs + job.streamAfterMs, order: 1, run: () => streams.push(follow(env, runner, ids[index] as string)) });
    }
    if (job.stopAfterMs !== undefined) {
      actions.push({ atMs: job.submitMs + job.stopAfterMs, order: 2, run: () => void runner.stop(ids[index] as string) });
    }
  });
  actions.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  for (const action of actions) {
    const waitMs = startMs + action.atMs - env.now();
    if (waitMs > 0) await env.sleep(waitMs);
    action.run();
  }
  while (runner.list().some((job) => !isTerminal(job.state))) await env.sleep(1_000);
  await Promise.all(streams);
  for (const id of ids) env.log('client.output', { job: id, how: 'whole', text: runner.output(id).text() });
}

/** Reads a job's output as a stream until the job ends, then records what it read. */
async function follow(env: Env, runner: JobRunner, id: string): Promise<void> {
  let text = '';
  for await (const chunk of runner.output(id).stream()) text += chunk.text;
  env.log('client.output', { job: id, how: 'stream', text });
}

const jobCrash = z.object({ at: z.number().int().nonnegative(), kind: z.literal('job-crash'), pick: z.number().int().nonnegative() }).strict();

export default defineScenario({
  name: 'job-runner',
  summary: 'a client starts, schedules, stops and follows jobs on a runner with a concurrency limit; jobs crash, clocks step',
  params,
  horizonMs: (p) => p.horizonMs,
  faultSpace: (p) => ({
    targets: ['runner', 'client'],
    windowMs: p.windowMs,
    rates: { 'job-crash': 3, pause: 1, skew: 1 },
    pauseMsMax: 20_000,
    skewMsMax: 5_000,
    extraGenerators: { 'job-crash': (prng: Prng, at: number): Fault => ({ at, kind: 'job-crash', pick: prng.int(0, 99) }) },
  }),
  faultKinds: {
    'job-crash': {
      schema: jobCrash,
      // Kills one executing job (the pick-th, counting round), if any is executing.
      apply(world, fault) {
        const running = registries.get(world)?.running() ?? [];
        if (running.length === 0) return;
        registries.get(world)?.crash(running[(fault.pick as number) % running.length] as string);
      },
    },
  },
  mutants: JOB_RUNNER_MUTANTS,
  shrinkParams: { jobs: 1 },
  setup(world, p, context) {
    const workload = randomWorkload(world.prng.fork('workload'), p);
    const registry = new SimExecutionRegistry();
    registries.set(world, registry);
    world.spawn('runner', async (env) => {
      runners.set(world, new JobRunner({ env, executor: createSimExecutor(env, registry, behaviourOf), concurrencyLimit: p.concurrencyLimit, flaws: jobRunnerFlawsOf(context.mutant) }));
      // The runner serves for as long as the world runs.
      await new Promise<never>(() => undefined);
    });
    world.spawn('client', async (env) => {
      const runner = runners.get(world);
      if (runner === undefined) throw new Error('the runner process did not start first');
      await client(env, runner, workload);
    });
  },
  invariants: [
    { name: 'legal-transitions', description: 'every job goes queued -> executing -> completed|failed, or to stopped from queued or executing', check: ({ trace, world }) => checkLegalTransitions(trace, world.epochMs) },
    { name: 'output-complete', description: "every job's output, read whole or streamed, is complete and in order", check: ({ trace, world }) => checkOutputComplete(trace, world.epochMs) },
    { name: 'stopped-queued-never-runs', description: 'a job stopped while queued never runs', check: ({ trace, world }) => checkStoppedQueuedNeverRuns(trace, world.epochMs) },
    { name: 'scheduled-not-early', description: "a scheduled job never starts before its time, by the runner's clock", check: ({ trace, world }) => checkScheduledNotEarly(trace, world.epochMs) },
    { name: 'concurrency-limit', description: 'never more jobs executing than the concurrency limit', check: ({ trace, world }) => checkConcurrencyLimit(trace, world.epochMs) },
    {
      name: 'client-finished',
      description: 'by the horizon every job has ended and the client has read every output',
      check: ({ trace, params: p }) =>
        trace.some((event) => event.kind === 'process.exit' && event.pid.startsWith('client#'))
          ? []
          : [{ invariant: 'client-finished', message: `the client did not finish: some of its ${p.jobs} jobs never ended` }],
    },
  ],
  teardown(world) {
    registries.delete(world);
    runners.delete(world);
  },
});
