/**
 * A pipeline on its recurring schedule: at each tick of its `schedule:` (a cron expression, UTC) the
 * pipeline is run as a new run (`newRun`: a new run id, every job run again). Runs never overlap: a
 * tick that comes while a run is still going is skipped, and the next run starts at the first tick
 * after that run ended. The wait for a tick re-reads the clock after each wake, so a run never starts
 * before its tick, however the sleep was cut short or the clock stepped. A scheduler that is
 * restarted waits for the first tick after it started: ticks missed while it was down are not made up.
 *
 * Everything goes through the `Env`, so the simulation runs the same loop in virtual time, and the
 * real `dag run --schedule` runs it on the real `Env` (`src/real/dag/run.ts`); its trace events
 * (`dag.schedule.*`, log lines in real mode) say which tick each run was for.
 */
import type { Env } from '../../env/env.js';
import type { CronSchedule } from '../cron/schedule.js';
import { CORRECT_DAG_RULES, type DagFlaws } from './dag-runner.js';
import { emitDag } from './events.js';

export interface ScheduledRunsOptions {
  readonly env: Env;
  readonly pipeline: string;
  readonly schedule: CronSchedule;
  /** Runs the pipeline once, as a new run, for the tick at `tickMs`; resolves when that run is over. */
  readonly runOnce: (tickMs: number) => Promise<void>;
  /** Aborting it ends the loop (a run in progress is the caller's to stop). */
  readonly stop?: AbortSignal;
  /** Broken rules, for proving the invariants can see their bugs (default: none). */
  readonly flaws?: DagFlaws;
  /** Told the tick the scheduler now waits for (real mode prints it). */
  readonly onWait?: (tickMs: number) => void;
  /**
   * The longest one sleep lasts, ms: the clock is read again at least this often. Real mode passes a
   * minute, so a wall clock stepped forward while it sleeps (NTP, a suspended machine) is noticed
   * within it (default: one sleep to the tick, re-read after each wake).
   */
  readonly maxSleepMs?: number;
}

/** Runs the pipeline at each tick of its schedule until `stop` aborts; resolves with the runs made. */
export async function runOnSchedule(options: ScheduledRunsOptions): Promise<number> {
  const { env, schedule } = options;
  const rules = { ...CORRECT_DAG_RULES, ...options.flaws };
  emitDag(env, { kind: 'dag.schedule.start', data: { pipeline: options.pipeline, schedule: schedule.expression } });
  let runs = 0;
  while (options.stop?.aborted !== true) {
    const tickMs = schedule.nextAfter(env.now());
    emitDag(env, { kind: 'dag.schedule.wait', data: { tickMs } });
    options.onWait?.(tickMs);
    const maxSleepMs = options.maxSleepMs;
    const waitMs = maxSleepMs === undefined ? rules.tickWaitMs : (leftMs: number) => Math.min(rules.tickWaitMs(leftMs), maxSleepMs);
    if (!(await waitForTick(env, tickMs, waitMs, options.stop))) break;
    emitDag(env, { kind: 'dag.schedule.fire', data: { tickMs } });
    await options.runOnce(tickMs);
    runs += 1;
    emitDag(env, { kind: 'dag.schedule.ran', data: { tickMs } });
  }
  return runs;
}

/** Sleeps until `tickMs` by this process's clock; false when stopped first. */
async function waitForTick(env: Env, tickMs: number, waitMs: (leftMs: number) => number, stop: AbortSignal | undefined): Promise<boolean> {
  for (let leftMs = tickMs - env.now(); leftMs > 0; leftMs = tickMs - env.now()) {
    const sleepMs = waitMs(leftMs);
    if (sleepMs <= 0) break;
    try {
      await env.sleep(sleepMs, stop);
    } catch {
      return false;
    }
  }
  return stop?.aborted !== true;
}
