/**
 * `simrun real cron-leader`: N `simrun cron serve` processes running one task on a seconds-level
 * schedule under one shared lock, under the real nemesis. Every server is a target.
 *
 * A run: start the servers, start the nemesis once every server has said it is up (its
 * `cron.server.start` event), heal (start again every server the nemesis left dead) once the plan is
 * over, let a few more ticks pass, stop every server with SIGTERM, then judge the merged trace with
 * the simulation's cron checkers: no tick ran twice, runs never overlapped, every tick ran while
 * a server was alive and undisturbed (with the tolerance `tick-at-least-once` documents), and the
 * task's command ran only on the server holding the lock for its tick.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkCommandByLeader,
  checkRunsNeverOverlap,
  checkTickAtLeastOnce,
  checkTickAtMostOnce,
  commandByLeader,
  cronHistoryFromTrace,
  runsNeverOverlap,
  tickAtLeastOnce,
  tickAtMostOnce,
} from '../../check/cron/index.js';
import { InputError } from '../../env/errors.js';
import type { TraceEvent } from '../../sim/trace.js';
import { cronMutants, parseCronSchedule } from '../../systems/cron/index.js';
import { displayLockSpec } from '../common/shared-lock.js';
import { describeEarlyExit, runFailed, type RealRunContext, type RealSystem } from './campaign.js';
import type { RealFaultSpace } from './plan.js';
import { preflightSharedLock } from './preflight.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RealCronOptions {
  readonly servers: number;
  /** `sqlite:PATH`, `file:DIR` or `postgres://...`; by default a fresh SQLite file in each run's directory. */
  readonly lock?: string;
  /** The schedule's period in whole seconds (the schedule is `*\/P * * * * *`). */
  readonly periodS: number;
  readonly taskMs: number;
  /** Nemesis actions land in [0, windowMs) past the moment every server is up. */
  readonly windowMs: number;
  /** Ticks that pass after the nemesis, with every server healed, before the servers are stopped. */
  readonly settleMs: number;
  readonly stopGraceMs: number;
  readonly mutant?: string;
}

export const REAL_CRON_DEFAULTS: Omit<RealCronOptions, 'servers' | 'lock' | 'mutant'> = {
  periodS: 1,
  taskMs: 200,
  windowMs: 5_000,
  settleMs: 4_000,
  stopGraceMs: 5_000,
};

const TASK = 'real-task';
const STARTUP_TIMEOUT_MS = 60_000;
/** Slack for a real process: a timer firing late on a busy machine, a lock call, a log write. */
const REAL_LATENCY_MS = 500;


/** The lock bounds `cron serve` derives from the period (see its `--help`). */
function lockTimes(periodMs: number): { ttlMs: number; lockAtLeastForMs: number; lockAtMostForMs: number; misfireGraceMs: number } {
  return { ttlMs: Math.round(1.5 * periodMs), lockAtLeastForMs: Math.round(periodMs / 2), lockAtMostForMs: periodMs, misfireGraceMs: Math.round(periodMs / 4) };
}

export function cronFaultSpace(options: Pick<RealCronOptions, 'servers' | 'windowMs' | 'periodS'>): RealFaultSpace {
  const periodMs = options.periodS * 1000;
  return {
    targets: Array.from({ length: options.servers }, (_, index) => `server-${index + 1}`),
    windowMs: options.windowMs,
    rates: { kill: 1, term: 0.5, pause: 1, clock: 1 },
    // A server's clock off by up to a quarter period: less than the lock's hold after a run (half a
    // period), the skew the leader's design tolerates without running a tick twice.
    clockOffsetMsMax: Math.round(periodMs / 4),
    // Pauses from half a period to past the lease (1.5 periods): the leader's lease lapses in some.
    pauseMsMin: Math.round(periodMs / 2),
    pauseMsMax: Math.round(periodMs * 2.5),
    restartAfterMsMin: 200,
    restartAfterMsMax: 2_000,
  };
}

export async function realCronSystem(options: RealCronOptions): Promise<RealSystem> {
  if (options.mutant !== undefined && !(options.mutant in cronMutants)) {
    throw new InputError(`--mutant: unknown cron mutant '${options.mutant}' (known: ${Object.keys(cronMutants).join(', ')})`);
  }
  if (options.lock !== undefined) await preflightSharedLock({ spec: options.lock, sharedBy: 'servers' });
  const space = cronFaultSpace(options);
  return {
    name: 'cron-leader',
    params: {
      servers: options.servers,
      lock: options.lock === undefined ? 'sqlite:<run dir>/locks.db' : displayLockSpec(options.lock),
      schedule: scheduleOf(options.periodS),
      taskMs: options.taskMs,
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    },
    space,
    invariants: [tickAtMostOnce, runsNeverOverlap, tickAtLeastOnce, commandByLeader].map(({ name, description }) => ({ name, description })),
    replayFlags: [
      '--servers',
      String(options.servers),
      ...(options.lock === undefined ? [] : ['--lock', displayLockSpec(options.lock)]),
      ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
    ],
    execute: (context) => executeCronRun(context, options, space.targets),
  };
}

/**
 * The task: a real shell command that works for `taskMs`, as a user's task would be. Each command's
 * start and end are traced (`cron.command.*`), so `command-by-leader` sees a command run by a server
 * that never took the lock (a refused server that runs anyway) even though no `cron.run.*` says so.
 */
function taskCommand(taskMs: number): string {
  return `sleep ${(taskMs / 1000).toFixed(3)}`;
}

function scheduleOf(periodS: number): string {
  return periodS === 1 ? '* * * * * *' : `*/${periodS} * * * * *`;
}

async function executeCronRun(context: RealRunContext, options: RealCronOptions, servers: readonly string[]) {
  const { supervisor } = context;
  const lock = options.lock ?? `sqlite:${join(context.dir, 'locks.db')}`;
  const schedule = scheduleOf(options.periodS);
  for (const server of servers) {
    supervisor.start(server, [
      'cron', 'serve', '--name', TASK, '--schedule', schedule, '--lock', lock, '--server', server,
      '--command', taskCommand(options.taskMs), '--events',
      ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
    ]);
  }
  // The plan's clock starts once every server is up: starting Node can take seconds on a busy machine.
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const up = await Promise.all(supervisor.incarnations.map(async (incarnation) => incarnation.exit !== undefined || (await readFile(incarnation.logPath, 'utf8').catch(() => '')).includes('"cron.server.start"')));
    if (up.every(Boolean)) break;
    if (Date.now() > deadline) runFailed(`the cron servers did not all start within ${STARTUP_TIMEOUT_MS / 1000} s; see ${join(context.dir, 'logs')}`);
    await sleep(50);
  }
  const failedEarly = supervisor.incarnations.find((incarnation) => incarnation.exit !== undefined);
  if (failedEarly !== undefined) runFailed(await describeEarlyExit(failedEarly));
  const windowFrom = Date.now();
  const nemesis = context.startNemesis();
  await nemesis.done;
  for (const server of servers) if (supervisor.running(server) === undefined) supervisor.start(server);
  await sleep(options.settleMs);
  const windowTo = Date.now();
  await supervisor.stopAll(options.stopGraceMs);

  const periodMs = options.periodS * 1000;
  const times = lockTimes(periodMs);
  const bound = {
    spreadMs: times.misfireGraceMs + REAL_LATENCY_MS,
    holdMs: Math.max(times.ttlMs, times.lockAtMostForMs, times.lockAtLeastForMs) + REAL_LATENCY_MS,
  };
  const parsed = parseCronSchedule(schedule, 'UTC');
  const ticks: number[] = [];
  for (let tick = parsed.nextAfter(windowFrom); tick <= windowTo; tick = parsed.nextAfter(tick)) ticks.push(tick);
  return {
    async judge(trace: readonly TraceEvent[]) {
      const history = cronHistoryFromTrace(trace, servers);
      const violations = [
        ...checkTickAtMostOnce(history),
        ...checkRunsNeverOverlap(history),
        ...checkTickAtLeastOnce(history, ticks, bound, { fromMs: windowFrom, toMs: windowTo }),
        ...checkCommandByLeader(trace),
      ];
      const ran = new Set(history.runs.map((run) => run.tick));
      return { violations, counts: { ticks: ticks.length, runs: history.runs.length, ticksRun: ticks.filter((tick) => ran.has(tick)).length } };
    },
  };
}
