/**
 * Invariant `tick-at-least-once`: while some server is alive, every tick runs.
 *
 * Precisely, with `spreadMs` the most a server's attempt at a tick can be away from the tick's true
 * instant (clock skew either way, lock-call latency, the misfire grace) and `holdMs` the longest a
 * lock can outlive the last word of its holder (`max(ttl, lockAtMostFor, lockAtLeastFor)` plus skew for
 * caller-clock stores), a tick T must have run unless
 * - no server incarnation was alive throughout [T - spreadMs, T + spreadMs] and unpaused throughout its
 *   last sleep for T, [T - approachMs - spreadMs, T + spreadMs]. A pause defers every timer the server
 *   awaits, so a pause there makes it wake late and rightly skip T once the delay passes the misfire
 *   grace; a pause earlier in its wait (hours before T on a daily schedule) only defers a sleep after
 *   which the server reads its clock again. Servers that sleep to the tick in one go (no `approach`
 *   in the bound) are excused for a pause anywhere in [P - spreadMs, T + spreadMs], P the tick before;
 * - a server crashed or was paused at some time in [T - holdMs - spreadMs, T + spreadMs] (for a pause,
 *   counting from its end): its lock may still have been held, so every other server skipped T;
 * - a run of the task was in progress at T (the previous run is long; runs never overlap);
 * - some server's clock stepped forward by more than the misfire grace within
 *   [T - approachMs - spreadMs, T + spreadMs]. A server reads its clock again `approachMs` before a tick,
 *   so an earlier step costs no tick; a step during its last sleep wakes it past the grace, and it
 *   cannot tell that from a pause of its own (a frozen VM's clock jumps just so), where running the
 *   tick late could run it after another server ran it and let the lock go. It skips the tick by
 *   design, and while it held the lock between ticks (`ttl` longer than the period) the others skip
 *   it too. A real cron daemon would catch such a tick up; this one trades that for at-most-once;
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
  /**
   * The servers' misfire grace and approach (`approachMs` of the cron server: how long before a tick
   * a server reads its clock again for its last sleep). Absent (servers that sleep to the tick in one
   * go): a pause anywhere in the wait excuses a server, and no clock step excuses a tick.
   */
  readonly approach?: { readonly misfireGraceMs: number; readonly approachMs: number };
}

export function checkTickAtLeastOnce(history: CronHistory, ticks: readonly number[], bound: LivenessBound, window: { readonly fromMs: number; readonly toMs: number }): Violation[] {
  const ran = new Set(history.runs.map((run) => run.tick));
  const violations: Violation[] = [];
  const ordered = [...ticks].sort((a, b) => a - b);
  ordered.forEach((tick, index) => {
    if (ran.has(tick)) return;
    if (tick < window.fromMs + bound.spreadMs || tick > window.toMs - bound.spreadMs) return;
    // A pause ending before the server's last sleep for T only defers a sleep it then recomputes.
    const waitFrom = bound.approach === undefined ? (ordered[index - 1] ?? window.fromMs) - bound.spreadMs : tick - bound.approach.approachMs - bound.spreadMs;
    if (!someServerReady(history, tick, waitFrom, bound.spreadMs)) return;
    if (disturbedNear(history, tick, bound)) return;
    if (clockSteppedOverTick(history, tick, bound)) return;
    if (runInProgress(history, tick, bound.spreadMs)) return;
    violations.push({ invariant: TICK_AT_LEAST_ONCE, message: `tick ${isoInstant(tick)} never ran, though servers were alive and undisturbed around it`, atMs: tick });
  });
  return violations;
}

/** Some incarnation was alive around `tick` and its server was never paused while it waited for it. */
function someServerReady(history: CronHistory, tick: number, waitFrom: number, spreadMs: number): boolean {
  const to = tick + spreadMs;
  return history.lives.some(
    (life) =>
      life.from <= tick - spreadMs &&
      (life.to ?? Infinity) >= to &&
      !history.disturbances.some((d) => d.kind === 'pause' && d.server === life.server && d.from <= to && d.to >= waitFrom),
  );
}

function disturbedNear(history: CronHistory, tick: number, bound: LivenessBound): boolean {
  return history.disturbances.some((d) => d.from <= tick + bound.spreadMs && d.to >= tick - bound.holdMs - bound.spreadMs);
}

function clockSteppedOverTick(history: CronHistory, tick: number, bound: LivenessBound): boolean {
  const steps = bound.approach;
  if (steps === undefined) return false;
  return (history.clockSteps ?? []).some((step) => step.ms > steps.misfireGraceMs && step.at >= tick - steps.approachMs - bound.spreadMs && step.at <= tick + bound.spreadMs);
}

function runInProgress(history: CronHistory, tick: number, spreadMs: number): boolean {
  return history.runs.some((run) => run.tick !== tick && run.startedAt <= tick + spreadMs && (run.endedAt ?? Infinity) >= tick - spreadMs);
}

export const tickAtLeastOnce: Checker<{ readonly history: CronHistory; readonly ticks: readonly number[]; readonly bound: LivenessBound; readonly window: { readonly fromMs: number; readonly toMs: number } }> = {
  name: TICK_AT_LEAST_ONCE,
  description: 'every tick ran while a server was alive, except right after a crash or pause of one (see the tolerance)',
  check: ({ history, ticks, bound, window }) => checkTickAtLeastOnce(history, ticks, bound, window),
};
