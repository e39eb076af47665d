/**
 * Scenario `cron-leader` (seed 002): `servers` servers run the task `backup` on one cron schedule
 * (every minute by default) for `hours` simulated hours, sharing one lock store.
 *
 * - Faults a seed may inject: crashes (restarted after up to 10 min), pauses up to `pauseMsMax`, clock
 *   skew up to `skewMsMax` either way (set and reset at random times), a slow database (lock calls
 *   slowed to up to `dbSlowMsMax` each way for a while, through `withLockLatency`), slow storage for
 *   the file lock. Documented bounds (defaults in brackets) under which the invariants must hold:
 *   skew spread + misfire grace + lock-call latency < lockAtLeastFor [10 + 10 + 4 s < 30 s], and a
 *   pause < 2/3 lockAtMostFor minus latency [20 s < 30 s - 4 s]; with expiry judged by the callers'
 *   clocks, also skew spread < 2/3 lockAtMostFor [10 s < 30 s] (see `test/cron/clock.test.ts`).
 * - Invariants: each tick ran at most once; runs never overlapped; each tick ran at least once while
 *   a server was alive, except within the tolerance stated in `src/check/cron/at-least-once.ts`.
 * - Time zone: the schedule is read in `timeZone`, by default the run's (`--zone`). Under `--swarm`
 *   the schedule, zone and start are drawn too, half the starts aimed at a daylight-saving
 *   transition, so runs cross both a spring-forward and a fall-back (see `schedule.ts` for which
 *   ticks those give); the other drawn parameters keep the bounds above.
 */
import { z } from 'zod';
import { feed } from '../src/check/checker.js';
import { commandByLeader, cronHistoryFromTrace, runsNeverOverlap, runUnderLease, tickAtLeastOnce, tickAtMostOnce, type CronHistory, type LivenessBound } from '../src/check/cron/index.js';
import { callerClocks } from '../src/check/lock/index.js';
import { tracedLock } from '../src/locks/traced-lock.js';
import type { Env } from '../src/env/env.js';
import { withLockLatency, type LockBackend } from '../src/locks/index.js';
import { defineScenario, type CheckContext } from '../src/scenario/scenario.js';
import { lockDeclarationOf, prepareSimLock, SimLocks, simLockParam } from '../src/scenario/sim-locks.js';
import { isModuleReference, partOf, preparePart, refineModulePath, type PartKind } from '../src/scenario/parts.js';
import { slowCalls, type CallLatency } from '../src/sim/fault-kinds/slow-calls.js';
import { cronMutants, emitCron, isoInstant, parseCronSchedule, runCronServer, type CronLockTimes, type CronMutant, type CronMutantName, type CronSchedule, type CronServerOptions, type CronTask } from '../src/systems/cron/index.js';

/**
 * A cron server: the part of this scenario a user may swap for their own (`--set
 * server=./my-server.ts`, or `params: { server }`). It runs as one server process until the horizon,
 * runs `options.task` for each tick of `options.schedule` at most once across servers through `lock`,
 * and emits the `cron.*` events (`emitCron`) the checkers read: `cron.run.start`/`cron.run.end` per
 * run, `cron.lock`, `cron.missed`. The built-in one is `runCronServer`.
 */
export type CronServerMain = (env: Env, lock: LockBackend, options: CronServerOptions) => Promise<void>;

const SERVER_PART: PartKind<CronServerMain> = {
  label: 'cron server',
  accepts: (value): value is CronServerMain => typeof value === 'function',
  expected: 'a function (env, lock, options) => Promise<void> running one server (see runCronServer)',
};

const serverParam = z.union([z.string().refine(isModuleReference, 'expected the path of a cron server module').superRefine(refineModulePath(SERVER_PART)), z.custom<CronServerMain>((value) => typeof value === 'function')]);

const params = z
  .object({
    servers: z.number().int().positive().max(50).default(5),
    /** Simulated hours (24: a day). */
    hours: z.number().positive().max(24 * 31).default(24),
    schedule: z.string().default('* * * * *'),
    /** The IANA zone the schedule is read in; the run's zone (`--zone`, UTC by default) when absent. */
    timeZone: z.string().optional(),
    lock: simLockParam.default('memory'),
    /** The servers' code: the built-in server when absent, or a module path / function (`CronServerMain`). */
    server: serverParam.optional(),
    /** Whose clock judges expiry: the store's (the world's true clock) or each server's own. The file lock is always judged by the caller's. */
    lockClock: z.enum(['database', 'caller']).default('database'),
    ttlMs: z.number().int().nonnegative().default(90_000),
    lockAtLeastForMs: z.number().int().nonnegative().default(30_000),
    lockAtMostForMs: z.number().int().positive().default(45_000),
    misfireGraceMs: z.number().int().nonnegative().default(10_000),
    /** The task's duration, drawn per run. */
    taskMsMin: z.number().int().nonnegative().default(200),
    taskMsMax: z.number().int().nonnegative().default(3_000),
    /** One-way latency of a lock call in normal times, and at most during a slow-database episode. */
    dbLatencyMsMax: z.number().int().nonnegative().default(50),
    dbSlowMsMax: z.number().int().nonnegative().default(2_000),
    skewMsMax: z.number().int().nonnegative().default(5_000),
    pauseMsMax: z.number().int().positive().default(20_000),
    /** The share of the simulated command's runs that exit with status 1 (the run then ends `failed`). */
    commandFailureRate: z.number().min(0).max(1).default(0),
  })
  .strict();

type Params = z.infer<typeof params>;

const TASK = 'backup';
/** What the simulated command stands for, as `simrun cron serve --command` would run it. */
const SIM_COMMAND = 'backup.sh';

/**
 * The task as a simulated shell command: logs its start, works for a drawn duration, and logs its
 * exit status and output as the real `--command` does (`src/real/cron/command.ts`). Killed when the
 * lock is lost mid-run (exit by SIGTERM); a non-zero status fails the run.
 */
function simulatedCommand(env: Env, p: Params): CronTask {
  return async (run, signal) => {
    emitCron(env, { kind: 'cron.command.start', data: { name: run.name, tick: run.tick, command: SIM_COMMAND } });
    const exit = (exitCode: number | null, stdout: string, stderr: string): void =>
      emitCron(env, { kind: 'cron.command.exit', data: { name: run.name, tick: run.tick, exitCode, signal: exitCode === null ? 'SIGTERM' : null, stdout, stderr } });
    try {
      await env.sleep(p.taskMsMin + Math.floor(env.random() * (Math.max(p.taskMsMin, p.taskMsMax) - p.taskMsMin + 1)), signal);
    } catch (error) {
      exit(null, '', '');
      throw error;
    }
    // Drawn only when failures are asked for, so runs without them draw what they always drew.
    if (p.commandFailureRate > 0 && env.random() < p.commandFailureRate) {
      exit(1, '', `${SIM_COMMAND}: tick ${isoInstant(run.tick)}: disk full\n`);
      throw new Error(`${SIM_COMMAND} exited with status 1`);
    }
    exit(0, `${SIM_COMMAND}: tick ${isoInstant(run.tick)} backed up\n`, '');
  };
}
const FS_SLOW_MS_MAX = 50;

/** The longest one-way lock-call latency the bounds allow for (see `livenessBound`). */
const latencyAllowanceMs = (p: Params): number => 4 * Math.max(p.dbLatencyMsMax, p.dbSlowMsMax) + 20 * FS_SLOW_MS_MAX;

/**
 * Schedules a swarm draws from: every minute, coarser periods, and times of day inside the hours
 * daylight-saving transitions move (01:00–03:00 local), so a fall-back repeats them and a
 * spring-forward skips them.
 */
const SWARM_SCHEDULES = ['* * * * *', '*/5 * * * *', '0,30 * * * *', '0 * * * *', '*/15 1-3 * * *', '30 1 * * *', '30 2 * * *', '*/10 0-4 * * *'];

function serverNames(p: Params): string[] {
  return Array.from({ length: p.servers }, (_, index) => `server-${index + 1}`);
}

/** What one run keeps: its lock stores, and the slow-database setting. */
interface CronState {
  readonly locks: SimLocks;
  /** The longest one-way latency of a lock call now; `db-slow` raises it for a while. */
  readonly latency: CallLatency;
}

/** The lock as server `env` sees it: the chosen store, judged by the chosen clock, over a slow link. */
/** Whether each server's own clock judges expiry: asked for, or the backend's only way (the file lock). */
const callerJudges = (p: Params): boolean => p.lockClock === 'caller' || lockDeclarationOf(p.lock).expiryClock === 'caller';

function serverLock(state: CronState, p: Params, env: Env, storeNow: () => number): LockBackend {
  const byCaller = callerJudges(p);
  // The store's answers go into the trace (`run-under-lease` judges them), read on the clock that judges expiry.
  const store = tracedLock(state.locks.create(p.lock, env, { expiryClock: p.lockClock === 'caller' ? 'caller' : 'store' }), env, byCaller ? () => env.now() : storeNow);
  return withLockLatency(store, env, {
    minMs: 0,
    // Read at every call, so a slow-database fault takes effect at once.
    get maxMs() {
      return state.latency.maxMs;
    },
  });
}

/** The tolerance of `tick-at-least-once` for these parameters (see `src/check/cron/at-least-once.ts`). */
export function livenessBound(p: Params): LivenessBound {
  const latencyMs = latencyAllowanceMs(p);
  return {
    spreadMs: p.skewMsMax + p.misfireGraceMs + latencyMs,
    holdMs: Math.max(p.ttlMs, p.lockAtMostForMs, p.lockAtLeastForMs) + 2 * p.skewMsMax + latencyMs,
    misfireGraceMs: p.misfireGraceMs,
  };
}

function horizonMs(p: Params): number {
  return Math.round(p.hours * 3_600_000);
}

/** The runs, lives and disturbances read from the trace once per run, for the three invariants. */
const cronHistory = (context: CheckContext<Params, CronState>): CronHistory => cronHistoryFromTrace(context.trace, serverNames(context.params));

/** The scheduled ticks within the run. */
const runTicks = (context: CheckContext<Params, CronState>): number[] => {
  const fromMs = context.world.epochMs;
  return scheduledTicks(parseCronSchedule(context.params.schedule, context.params.timeZone ?? context.world.timeZone), fromMs, fromMs + horizonMs(context.params));
};

/** What the cron checkers read: the history, and the ticks and tolerance `tick-at-least-once` judges by. */
const cronInputs = (context: CheckContext<Params, CronState>) => {
  const fromMs = context.world.epochMs;
  return {
    history: context.derive(cronHistory),
    ticks: context.derive(runTicks),
    bound: livenessBound(context.params),
    window: { fromMs, toMs: fromMs + horizonMs(context.params) },
  };
};

/** A mutant's lock rules and server flaws, as server options. */
function mutantOptions(mutant: CronMutant, env: Env, lock: LockBackend, times: CronLockTimes): Pick<CronServerOptions, 'policy' | 'flaws'> {
  return { policy: mutant.policy(env, lock, TASK, times), ...(mutant.flaws === undefined ? {} : { flaws: mutant.flaws }) };
}

function scheduledTicks(schedule: CronSchedule, fromMs: number, toMs: number): number[] {
  const ticks: number[] = [];
  for (let tick = schedule.nextAfter(fromMs); tick <= toMs; tick = schedule.nextAfter(tick)) ticks.push(tick);
  return ticks;
}

export default defineScenario<Params, CronState>({
  name: 'cron-leader',
  summary: 'servers run a task on a cron schedule under one lock: each tick at most once, and at least once while a server lives',
  params,
  horizonMs,
  faultSpace: (p) => ({
    targets: serverNames(p),
    windowMs: Math.max(1, horizonMs(p) - 300_000),
    rates: { crash: 3 * (p.hours / 24), pause: 4 * (p.hours / 24), skew: 6 * (p.hours / 24), 'db-slow': 3 * (p.hours / 24), 'fs-slow': 2 * (p.hours / 24) },
    restartAfterMsMax: 600_000,
    pauseMsMax: p.pauseMsMax,
    skewMsMax: p.skewMsMax,
    fsSlowMsMax: FS_SLOW_MS_MAX,
    fsSlowDurationMsMax: 600_000,
    slowCallsMsMax: Math.max(1, p.dbSlowMsMax),
    slowCallsDurationMsMin: 1_000,
    slowCallsDurationMsMax: 900_000,
  }),
  // `db-slow` is the shared `slow-calls` kind under the name this scenario's plans have always used.
  faultKinds: [slowCalls((state: CronState) => state.latency, { name: 'db-slow' })],
  shrinkParams: { servers: 1 },
  // Drawn in this order; the lock times are drawn last, from the skew, grace, latency and pause
  // drawn before them, so every draw keeps the bounds in this file's comment (with the latency
  // allowance `livenessBound` uses, and a second of margin).
  paramRanges: {
    servers: { min: 1, max: 6, integer: true },
    hours: { min: 2, max: 30, integer: true },
    schedule: { oneOf: SWARM_SCHEDULES },
    lock: { oneOf: ['memory', 'sqlite', 'file'] },
    lockClock: { oneOf: ['database', 'caller'] },
    skewMsMax: { min: 0, max: 5_000, integer: true },
    misfireGraceMs: { min: 1_000, max: 10_000, integer: true },
    dbLatencyMsMax: { min: 0, max: 50, integer: true },
    dbSlowMsMax: { min: 0, max: 2_000, integer: true },
    pauseMsMax: { min: 1_000, max: 20_000, integer: true },
    taskMsMin: { min: 0, max: 500, integer: true },
    taskMsMax: (p) => ({ min: p.taskMsMin, max: 5_000, integer: true }),
    lockAtLeastForMs: (p) => {
      const min = 2 * p.skewMsMax + p.misfireGraceMs + latencyAllowanceMs(p) + 1_000;
      return { min, max: min + 15_000, integer: true };
    },
    lockAtMostForMs: (p) => {
      const min = Math.ceil(Math.max(1.5 * (p.pauseMsMax + latencyAllowanceMs(p)), 3 * 2 * p.skewMsMax)) + 1_000;
      return { min, max: min + 30_000, integer: true };
    },
    ttlMs: { min: 0, max: 150_000, integer: true },
  },
  // A drawn schedule and start can leave a run with no tick at all (`30 2 * * *` in Berlin from 03:00
  // for ten hours: a tenth of the draws): such a run tests nothing. It is lengthened to reach its
  // first tick and an hour past it; every schedule drawn ticks at least daily, within the range.
  fitSwarm(p, { startMs, timeZone }) {
    const schedule = parseCronSchedule(p.schedule, p.timeZone ?? timeZone);
    if (scheduledTicks(schedule, startMs, startMs + horizonMs(p)).length > 0) return {};
    return { hours: Math.ceil((schedule.nextAfter(startMs) - startMs) / 3_600_000) + 1 };
  },
  async prepare(p) {
    await prepareSimLock(p.lock);
    if (typeof p.server === 'string') await preparePart(p.server, SERVER_PART);
  },
  mutants: Object.fromEntries(Object.entries(cronMutants).map(([name, mutant]) => [name, mutant.flaw])),
  setup(world, p, { mutant }) {
    const state: CronState = { locks: new SimLocks(world), latency: { maxMs: p.dbLatencyMsMax } };
    // One parsed schedule for the world: each server walks the same ticks, computed once.
    const schedule = parseCronSchedule(p.schedule, p.timeZone ?? world.timeZone);
    const serverMain: CronServerMain = p.server === undefined ? runCronServer : typeof p.server === 'function' ? p.server : partOf(p.server, SERVER_PART);
    for (const server of serverNames(p)) {
      world.spawn(server, async (env) => {
        // A graceful stop (SIGTERM) does what it does to `simrun cron serve`: no further tick, a run
        // under way finishes, the lock is left as the lock policy leaves it at a stop, and the server
        // returns. Registered first, so a stop at any moment after the server started is graceful.
        const stop = new AbortController();
        env.onStop?.(() => stop.abort());
        const lock = serverLock(state, p, env, () => world.now());
        const times = { ttlMs: p.ttlMs, lockAtLeastForMs: p.lockAtLeastForMs, lockAtMostForMs: p.lockAtMostForMs };
        await serverMain(env, lock, {
          name: TASK,
          schedule,
          ...times,
          misfireGraceMs: p.misfireGraceMs,
          task: simulatedCommand(env, p),
          stop: stop.signal,
          ...(mutant === undefined ? {} : mutantOptions(cronMutants[mutant as CronMutantName], env, lock, times)),
        });
      });
    }
    return state;
  },
  invariants: [
    ...[tickAtMostOnce, runsNeverOverlap, tickAtLeastOnce].map((checker) => feed(checker, cronInputs)),
    feed(runUnderLease, (context: CheckContext<Params, CronState>) => ({
      trace: context.trace,
      ...(callerJudges(context.params) ? { judgingClock: callerClocks(context.trace) } : {}),
    })),
    feed(commandByLeader, (context) => ({ trace: context.trace })),
  ],
  teardown: (_world, state) => state.locks.close(),
});
