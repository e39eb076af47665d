/**
 * A scheduled pipeline runs on its ticks: each run starts at or after the tick it is for, never
 * before; that tick is a tick of the pipeline's schedule; no tick gets two runs (across restarts of
 * the scheduler too); and a scheduler that is waiting waits for the first tick after the moment it
 * began to wait (after its previous run ended, or when it started), so no due tick is skipped while
 * nothing runs. Judged by true time, in a world whose clocks are not skewed.
 */
import { parseCronSchedule } from '../../systems/cron/schedule.js';
import type { Violation } from '../violation.js';
import { scheduleFactsOf, type ScheduleFacts } from './schedule-trace.js';
import type { Checker, RunContext } from '../checker.js';

const SCHEDULED_ON_TICK = 'scheduled-on-tick';

export function checkScheduledOnTick(facts: ScheduleFacts, epochMs = 0): Violation[] {
  if (facts.schedule === undefined) return [];
  const schedule = parseCronSchedule(facts.schedule, 'UTC');
  const iso = (ms: number): string => new Date(ms).toISOString();
  const violations: Violation[] = [];
  const fired = new Map<number, string>();
  for (const step of facts.steps) {
    const { event, tickMs } = step;
    const at = { atMs: event.t - epochMs, eventSeq: event.seq, pid: event.pid };
    if (step.kind === 'wait') {
      const due = schedule.nextAfter(event.t);
      if (tickMs !== due) violations.push({ invariant: SCHEDULED_ON_TICK, message: `the scheduler waited at ${iso(event.t)} for the tick at ${iso(tickMs)}, not the first tick after it (${iso(due)})`, ...at });
      continue;
    }
    if (step.kind !== 'fire') continue;
    if (schedule.nextAfter(tickMs - 1) !== tickMs) violations.push({ invariant: SCHEDULED_ON_TICK, message: `a run started for ${iso(tickMs)}, which is no tick of '${facts.schedule}'`, ...at });
    if (event.t < tickMs) violations.push({ invariant: SCHEDULED_ON_TICK, message: `the run for the tick at ${iso(tickMs)} started ${tickMs - event.t} ms before it`, ...at });
    const earlier = fired.get(tickMs);
    if (earlier !== undefined) violations.push({ invariant: SCHEDULED_ON_TICK, message: `the tick at ${iso(tickMs)} got a second run (${event.pid}; the first by ${earlier})`, ...at });
    fired.set(tickMs, event.pid);
  }
  return violations;
}

export const scheduledOnTick: Checker<RunContext> = {
  name: SCHEDULED_ON_TICK,
  description: "a scheduled run starts at its tick (never before), one run per tick, for the first tick after the scheduler began to wait",
  check: (run) => checkScheduledOnTick(run.derive(scheduleFactsOf)),
};
