/**
 * Invariant `tick-at-least-once`: while some server is alive, every tick runs.
 *
 * Precisely, with `spreadMs` the most a server's attempt at a tick can be away from the tick's true
 * instant (clock skew either way, lock-call latency, the misfire grace) and `holdMs` the longest a
 * lock can outlive the last word of its holder (`max(ttl, lockAtMostFor, lockAtLeastFor)` plus skew for
 * caller-clock stores), a tick T must have run unless
 * - no server incarnation was alive throughout [T - spreadMs, T + spreadMs], unpaused throughout its
 *   wait for T, [P - spreadMs, T + spreadMs] with P the tick before T (or the window's start), and with
 *   its clock stepped forward by no more than the misfire grace in all over that wait. A pause defers
 *   every timer the server awaits and a forward step moves the tick nearer on its clock, so either can
 *   make it wake past the grace and rightly skip T. (The server halves its wait and reads its clock
 *   again, so only a pause or step larger than half the wait left costs the tick; the excuse is wider
 *   than that, so it never depends on how the server sleeps);
 * - a server crashed or was paused at some time in [T - holdMs - spreadMs, T + spreadMs] (for a pause,
 *   counting from its end): its lock may still have been held, so every other server skipped T;
 * - a run of the task was in progress at T (the previous run is long; runs never overlap);
 * - some server's clock stepped forward by more than the misfire grace in all within
 *   [T - holdMs - spreadMs, T + spreadMs]: the server cannot tell a step from a pause of its own (a
 *   frozen VM's clock jumps just so), and running the tick late could run it after another server ran
 *   it and let the lock go, so it skips the tick by design; while it held the lock between ticks
 *   (`ttl` longer than the period) the others skip it too. A classic cron daemon would catch such a
 *   tick up; this one trades that for at-most-once;
 * - T is within `spreadMs` of the start or the end of the checked window.
 */
import type { Violation } from '../violation.js';
import type { CronHistory } from './history.js';
import { isoInstant } from '../../systems/cron/schedule.js';
import type { Checker } from '../checker.js';

const TICK_AT_LEAST_ONCE = 'tick-at-least-once';

export interface LivenessBound {
  readonly spreadMs: number;
  readonly holdMs: number;
  /** The servers' misfire grace, for clock steps; absent: no clock step excuses a tick. */
  readonly misfireGraceMs?: number;
}

export function checkTickAtLeastOnce(history: CronHistory, ticks: readonly number[], bound: LivenessBound, window: { readonly fromMs: number; readonly toMs: number }): Violation[] {
  const ran = new Set(history.runs.map((run) => run.tick));
  const violations: Violation[] = [];
  const ordered = [...ticks].sort((a, b) => a - b);
  ordered.forEach((tick, index) => {
    if (ran.has(tick)) return;
    if (tick < window.fromMs + bound.spreadMs || tick > window.toMs - bound.spreadMs) return;
    const waitFrom = (ordered[index - 1] ?? window.fromMs) - bound.spreadMs;
    if (!someServerReady(history, tick, waitFrom, bound)) return;
    if (disturbedNear(history, tick, bound)) return;
    if (clockSteppedOverTick(history, tick, bound)) return;
    if (runInProgress(history, tick, bound.spreadMs)) return;
    violations.push({ invariant: TICK_AT_LEAST_ONCE, message: `tick ${isoInstant(tick)} never ran, though servers were alive and undisturbed around it`, atMs: tick });
  });
  return violations;
}

/** Some incarnation was alive around `tick` and its server was never paused while it waited for it. */
function someServerReady(history: CronHistory, tick: number, waitFrom: number, bound: LivenessBound): boolean {
  const to = tick + bound.spreadMs;
  return history.lives.some(
    (life) =>
      life.from <= tick - bound.spreadMs &&
      (life.to ?? Infinity) >= to &&
      !history.disturbances.some((d) => d.kind === 'pause' && d.server === life.server && d.from <= to && d.to >= waitFrom) &&
      !steppedOverGrace(history, bound, (server) => server === life.server, waitFrom, to),
  );
}

/** Whether the forward clock steps of one matching server within [from, to] add up to more than the grace. */
function steppedOverGrace(history: CronHistory, bound: LivenessBound, matches: (server: string) => boolean, from: number, to: number): boolean {
  const grace = bound.misfireGraceMs;
  if (grace === undefined) return false;
  const forward = new Map<string, number>();
  for (const step of history.clockSteps ?? []) {
    if (step.ms <= 0 || step.at < from || step.at > to || !matches(step.server)) continue;
    const sum = (forward.get(step.server) ?? 0) + step.ms;
    if (sum > grace) return true;
    forward.set(step.server, sum);
  }
  return false;
}

function disturbedNear(history: CronHistory, tick: number, bound: LivenessBound): boolean {
  return history.disturbances.some((d) => d.from <= tick + bound.spreadMs && d.to >= tick - bound.holdMs - bound.spreadMs);
}

function clockSteppedOverTick(history: CronHistory, tick: number, bound: LivenessBound): boolean {
  return steppedOverGrace(history, bound, () => true, tick - bound.holdMs - bound.spreadMs, tick + bound.spreadMs);
}

function runInProgress(history: CronHistory, tick: number, spreadMs: number): boolean {
  return history.runs.some((run) => run.tick !== tick && run.startedAt <= tick + spreadMs && (run.endedAt ?? Infinity) >= tick - spreadMs);
}

export const tickAtLeastOnce: Checker<{ readonly history: CronHistory; readonly ticks: readonly number[]; readonly bound: LivenessBound; readonly window: { readonly fromMs: number; readonly toMs: number } }> = {
  name: TICK_AT_LEAST_ONCE,
  description: 'every tick ran while a server was alive, except right after a crash or pause of one (see the tolerance)',
  check: ({ history, ticks, bound, window }) => checkTickAtLeastOnce(history, ticks, bound, window),
};
