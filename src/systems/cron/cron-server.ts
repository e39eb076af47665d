/**
 * A cron server: runs a named task on a cron schedule, at most once per tick across every server that
 * shares the lock (see `lock-policy.ts` for the rules at each tick).
 *
 * Production code over `Env` and a `LockBackend` only. Ticks are computed and awaited on the server's
 * own clock; a tick is identified by its scheduled instant, so servers agree on tick ids whatever their
 * clocks say. A server that wakes more than `misfireGraceMs` after a tick (it was paused, or its clock
 * jumped over the tick) skips it rather than run it late, when another server may already have run it
 * and let the lock go; a step or pause early in the wait costs no tick (see `approachMs`). Ticks are strictly increasing per server, so a clock that steps back never repeats one.
 * The loop is sequential: while a run lasts, the server attempts no other tick.
 */
import { cancellableSleep, StoppableSleeper, type CancellableSleep, type Env } from '../../env/index.js';
import type { Lease, LockBackend } from '../../locks/index.js';
import { leaderLockPolicy, type CronLockPolicy, type CronLockTimes } from './lock-policy.js';
import { isoInstant, type CronSchedule } from './schedule.js';
import { emitCron } from './events.js';

/** One run of the task, handed to it. */
export interface CronRun {
  readonly name: string;
  /** The scheduled instant this run is for, ms since the Unix epoch: the run's identity. */
  readonly tick: number;
  /** The lease's fencing token. */
  readonly token: number;
}

/**
 * The task; `signal` aborts if the lock was lost while it ran. The signal is the task's only while it
 * runs (a server hands the same one to its next runs until one loses the lock), so a task takes off
 * any listener it put on it before it returns.
 */
export type CronTask = (run: CronRun, signal: AbortSignal) => Promise<void>;

export interface CronServerOptions extends CronLockTimes {
  /** The task's name, which is also the lock's name. */
  readonly name: string;
  readonly schedule: CronSchedule;
  /** A tick woken up to later than this is skipped, ms. */
  readonly misfireGraceMs: number;
  readonly task: CronTask;
  /** Stop after this many ticks (run, skipped or missed); run forever when absent. */
  readonly ticks?: number;
  /** Stop before the next tick once this aborts. */
  readonly stop?: AbortSignal;
  /** Replaces the lock rules (mutants do). */
  readonly policy?: CronLockPolicy;
  /** Deliberately broken behaviours of the server itself (mutants); all off by default. */
  readonly flaws?: CronServerFlaws;
}

export interface CronServerFlaws {
  /** Runs the task even when the lock was refused (reads `acquire()`'s "no" as a log line only). */
  readonly runWhenRefused?: boolean;
}

/** The message the seed's servers print when another server holds the lock. */
export const ALREADY_RUNNING = 'queue: the task is already running';

/**
 * The shortest wait a server splits in two to read its clock again: the misfire grace, at least a
 * second. Its last sleep before a tick is at most twice this. A forward clock step (or pause) during
 * that sleep larger than the grace still makes the server skip the tick: it cannot tell a step from a
 * pause of its own (see `tick-at-least-once`).
 */
export function approachMs(misfireGraceMs: number): number {
  return Math.max(misfireGraceMs, 1_000);
}

/** Runs the schedule until `ticks` ticks have passed or `stop` aborts. */
export async function runCronServer(env: Env, lock: LockBackend, options: CronServerOptions): Promise<void> {
  const { name, schedule } = options;
  const policy = options.policy ?? leaderLockPolicy(env, lock, name, options);
  let held: Lease | undefined;
  let lastTick = Number.NEGATIVE_INFINITY;
  emitCron(env, { kind: 'cron.server.start', data: { name, schedule: schedule.expression, timeZone: schedule.timeZone } });
  const stop = options.stop;
  const lostSignals = new LostSignals();
  // A stop calls off the sleep under way: one listener for the server's life rather than one added
  // and removed by each of the tens of thousands of sleeps of a simulated day.
  const approaches = new StoppableSleeper(env, stop);
  try {
    for (let count = 0; options.ticks === undefined || count < options.ticks; count += 1) {
      const tick = schedule.nextAfter(Math.max(lastTick, env.now()));
      lastTick = tick;
      // A sleep lasts a duration, while the tick is an instant on the clock, which may step while the
      // server sleeps (NTP corrects it), and a pause defers the sleep. So sleep half the way, read the
      // clock again, and so on down to `approachMs`: a step or pause costs the tick only if it is larger
      // than half the remaining wait plus the grace, never because it happened hours before the tick.
      // A backward step just means sleeping again. About log2(period / approach) sleeps per tick.
      const approach = approachMs(options.misfireGraceMs);
      while (env.now() < tick) {
        if (stop?.aborted) break;
        const remaining = tick - env.now();
        const ms = remaining > 2 * approach ? Math.ceil(remaining / 2) : remaining;
        await approaches.sleep(ms).catch(ignore);
      }
      if (stop?.aborted) break;
      const lateMs = env.now() - tick;
      if (lateMs > options.misfireGraceMs) {
        emitCron(env, { kind: 'cron.missed', data: { name, tick, lateMs } });
        env.print(`${isoInstant(tick)} ${name}: missed (woke ${lateMs} ms late)`);
        continue;
      }
      held = await attempt(env, policy, options, tick, held, lostSignals);
    }
  } finally {
    approaches.close();
  }
  await policy.stop(lastTick, held);
  emitCron(env, { kind: 'cron.server.stop', data: { name } });
}

/** What a called-off sleep is worth: nothing, the loop reads the stop signal itself. */
const ignore = (): undefined => undefined;

/**
 * Where a server's runs get the signal that tells one its lock was lost: one controller, shared by
 * run after run until a run loses the lock, since making an `AbortController` and its signal costs
 * more than the rest of a run's bookkeeping. A run that lost the lock aborts it; the next gets a new one.
 */
class LostSignals {
  private controller: AbortController | undefined;

  /** The controller of the next run: the last one's, unless it was aborted. */
  next(): AbortController {
    const controller = this.controller;
    if (controller !== undefined && !controller.signal.aborted) return controller;
    return (this.controller = new AbortController());
  }
}

async function attempt(env: Env, policy: CronLockPolicy, options: CronServerOptions, tick: number, held: Lease | undefined, lostSignals: LostSignals): Promise<Lease | undefined> {
  const { name } = options;
  const taken = await policy.take(tick, held);
  if (taken === null) {
    emitCron(env, { kind: 'cron.skip', data: { name, tick, message: ALREADY_RUNNING } });
    env.print(`${isoInstant(tick)} ${name}: ${ALREADY_RUNNING}`);
    if (options.flaws?.runWhenRefused === true) await options.task({ name, tick, token: 0 }, new AbortController().signal).catch(() => undefined);
    return undefined;
  }
  emitCron(env, { kind: 'cron.lock', data: { name, tick, message: taken.how, token: taken.lease.token, expiresAt: taken.lease.expiresAt } });
  env.print(`${isoInstant(tick)} ${name}: ${taken.how}`);
  const lease = await runKeepingLock(env, policy, options, tick, taken.lease, lostSignals.next());
  if (lease === undefined) return undefined;
  return policy.afterRun(tick, lease);
}

/**
 * Why the keeper's sleep ends when the run is over. One shared reason: a new error per run costs a
 * stack trace, a few percent of a simulated day of one-minute ticks.
 */
const RUN_OVER = Object.freeze(new Error('the run is over'));

/** Runs the task while renewing the lease; returns the last lease, or undefined if it was lost. */
async function runKeepingLock(env: Env, policy: CronLockPolicy, options: CronServerOptions, tick: number, first: Lease, lost: AbortController): Promise<Lease | undefined> {
  const { name } = options;
  let lease: Lease | undefined = first;
  // The run is over: the keeper's sleep under way is called off, and it renews no more. A flag and
  // a cancellable sleep rather than an `AbortController` per run.
  let over = false;
  let sleeping: CancellableSleep | undefined;
  const keeper = (async () => {
    for (;;) {
      try {
        // Once the run is over, the rejection a sleep on an aborted signal would give.
        await (over ? Promise.reject(RUN_OVER) : (sleeping = cancellableSleep(env, Math.max(1, Math.floor(options.lockAtMostForMs / 3)))).slept);
      } catch {
        return;
      } finally {
        sleeping = undefined;
      }
      const renewed: Lease | null = await policy.keep(lease as Lease);
      if (renewed !== null) {
        lease = renewed;
        continue;
      }
      if (over) return;
      lease = undefined;
      emitCron(env, { kind: 'cron.lock-lost', data: { name, tick } });
      lost.abort(new Error(`the lock on '${name}' was lost during the run for tick ${isoInstant(tick)}`));
      return;
    }
  })();
  emitCron(env, { kind: 'cron.run.start', data: { name, tick, token: first.token } });
  let outcome: 'done' | 'failed' = 'done';
  try {
    await options.task({ name, tick, token: first.token }, lost.signal);
  } catch (error) {
    outcome = 'failed';
    emitCron(env, { kind: 'cron.task-error', data: { name, tick, error: String(error) } });
  } finally {
    over = true;
    sleeping?.cancel(RUN_OVER);
    await keeper;
  }
  emitCron(env, { kind: 'cron.run.end', data: { name, tick, outcome } });
  return lease;
}
