/**
 * A DAG pipeline on a recurring schedule, in virtual time: a small random pipeline with a cron
 * `schedule:` (every 10, 15, 20 or 30 minutes, or hourly), run by the production scheduler
 * (`runOnSchedule`) as a new run at each tick, on a SQLite run log. Jobs take from seconds to
 * longer than a tick period (a tick that comes while a run is going is skipped), and some fail.
 * Faults crash and restart the scheduler's process (the next one waits for the first tick after it
 * started) and pause it (it may lose its lease and give the run up). Clock skew is left out: the
 * invariants judge ticks by true time.
 */
import Database from 'better-sqlite3';
import { z } from 'zod';
import { DAG_RUNNER, newRunRunsEveryJob, oneExecutionPerJob, scheduledOnTick } from '../src/check/dag/index.js';
import type { Env } from '../src/env/env.js';
import { defineScenario } from '../src/scenario/scenario.js';
import type { Prng } from '../src/sim/prng.js';
import { parseProcessId } from '../src/sim/process-id.js';
import { parseCronSchedule } from '../src/systems/cron/schedule.js';
import { DagLeaseLostError } from '../src/systems/dag/dag-runner.js';
import { DAG_SCHEDULE_MUTANTS, dagFlawsOf } from '../src/systems/dag/mutants.js';
import { consoleNotifier } from '../src/systems/dag/notifier.js';
import { validateGraph, type JobDefinition, type Pipeline } from '../src/systems/dag/pipeline.js';
import { runExclusively } from '../src/systems/dag/runner-lease.js';
import { runOnSchedule } from '../src/systems/dag/scheduled-runs.js';
import { SimProcessGroups } from '../src/systems/dag/sim-process-groups.js';
import { createSqliteStore } from '../src/systems/dag/sqlite-store.js';
import { SimExecutionRegistry, type SimJobBehaviour } from '../src/systems/job-runner/sim-executor.js';

const SCHEDULES = ['*/10 * * * *', '*/15 * * * *', '*/20 * * * *', '*/30 * * * *', '0 * * * *'] as const;

const params = z
  .object({
    /** Jobs in the pipeline: the seed draws a number in [jobsMin, jobsMax]. */
    jobsMin: z.number().int().positive().max(12).default(2),
    jobsMax: z.number().int().positive().max(12).default(8),
    /** The pipeline's cron expression (UTC); absent: the seed draws one. */
    schedule: z.string().optional(),
    horizonMs: z.number().int().positive().max(7 * 86_400_000).default(8 * 3_600_000),
    leaseTtlMs: z.number().int().positive().default(20_000),
  })
  .strict();

type Params = z.infer<typeof params>;

interface Workload {
  readonly pipeline: Pipeline;
  readonly behaviours: ReadonlyMap<string, SimJobBehaviour>;
}

/** A random pipeline with a schedule: each job depends on up to two earlier ones; a few are slow. */
function randomScheduledWorkload(prng: Prng, p: Params): Workload {
  const count = prng.int(Math.min(p.jobsMin, p.jobsMax), p.jobsMax);
  const jobs: JobDefinition[] = [];
  const behaviours = new Map<string, SimJobBehaviour>();
  for (let index = 0; index < count; index++) {
    const name = `j${String(index + 1).padStart(2, '0')}`;
    const dependsOn: string[] = [];
    for (let earlier = 0; earlier < index && dependsOn.length < 2; earlier++) {
      if (prng.chance(0.4)) dependsOn.push(jobs[earlier]?.name as string);
    }
    jobs.push({ name, command: `sim ${name}`, dependsOn, retries: prng.int(0, 1) });
    const slow = prng.chance(0.1);
    behaviours.set(name, { chunks: prng.int(1, 4), chunkBytes: prng.int(20, 100), everyMs: slow ? prng.int(120_000, 600_000) : prng.int(500, 30_000), tailMs: prng.int(0, 999), exitCode: 0 });
  }
  const schedule = p.schedule ?? prng.pick(SCHEDULES);
  return { pipeline: validateGraph({ name: 'scheduled', jobs, schedule }), behaviours };
}

interface ScheduleState {
  readonly database: Database.Database;
}

export default defineScenario<Params, ScheduleState>({
  name: 'dag-schedule',
  summary: 'a small pipeline on a cron schedule, a new run at each tick, with failing and slow jobs; scheduler crashes and pauses',
  params,
  horizonMs: (p) => p.horizonMs,
  paramRanges: {
    jobsMin: { min: 1, max: 6, integer: true },
    jobsMax: (p) => ({ min: p.jobsMin, max: 12, integer: true }),
    horizonMs: { min: 2 * 3_600_000, max: 12 * 3_600_000, integer: true },
  },
  faultSpace: (p) => ({
    targets: [DAG_RUNNER],
    windowMs: p.horizonMs,
    rates: { crash: 0.5, pause: 1 },
    pauseMsMax: 30_000,
    restartAfterMsMax: 120_000,
  }),
  mutants: DAG_SCHEDULE_MUTANTS,
  shrinkParams: { jobsMax: 2 },
  setup(world, p, context) {
    const workload = randomScheduledWorkload(world.prng.fork('pipeline'), p);
    if (p.schedule !== undefined) parseCronSchedule(p.schedule, 'UTC');
    const schedule = parseCronSchedule(workload.pipeline.schedule as string, 'UTC');
    const database = new Database(':memory:');
    const registry = new SimExecutionRegistry();
    // One in ten executions fails, drawn in the order they start (the world is deterministic).
    const failures = world.prng.fork('failures');
    const behaviourOf = (command: string): SimJobBehaviour => {
      const behaviour = workload.behaviours.get(command.replace(/^sim /, ''));
      if (behaviour === undefined) throw new Error(`no simulated job '${command}'`);
      return { ...behaviour, exitCode: failures.chance(0.1) ? 1 : 0 };
    };
    const groups = new SimProcessGroups(registry, behaviourOf, (id, handler) => world.whenEnded(id, handler));
    world.spawn('jobs', groups.main);
    const holderIsDead = (owner: string): boolean => {
      const { name } = parseProcessId(owner);
      const current = world.processNames().includes(name) ? world.process(name).current : undefined;
      return current?.id !== owner || !current.alive;
    };
    const flaws = dagFlawsOf(context.mutant);
    world.spawn(DAG_RUNNER, async (env: Env) => {
      const store = createSqliteStore(database, { now: () => world.now() });
      const runOnce = async (): Promise<void> => {
        try {
          await runExclusively({
            env,
            pipeline: workload.pipeline,
            executor: groups.executorFor(env),
            reaper: groups.reaperFor(env),
            store,
            notifier: consoleNotifier((line) => env.print(line)),
            flaws,
            holderIsDead,
            newRun: true,
            follow: false,
            wait: true,
            leaseTtlMs: p.leaseTtlMs,
          });
        } catch (error) {
          // Paused past its lease: it gave the run up; the next tick starts the next one.
          if (!(error instanceof DagLeaseLostError)) throw error;
        }
      };
      await runOnSchedule({ env, pipeline: workload.pipeline.name, schedule, runOnce, flaws });
    });
    return { database };
  },
  invariants: [scheduledOnTick, newRunRunsEveryJob, oneExecutionPerJob],
  teardown(_world, { database }) {
    database.close();
  },
});
