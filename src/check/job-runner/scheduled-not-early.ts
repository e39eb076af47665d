/**
 * A scheduled job never starts before its time: when a job queued with a start time goes to
 * `executing`, the runner's own clock (the clock the start time is expressed in) reads at least
 * that time.
 */
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const SCHEDULED_NOT_EARLY = 'scheduled-not-early';

export function checkScheduledNotEarly(facts: JobRunnerFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  for (const transition of facts.transitions) {
    if (transition.to !== 'executing') continue;
    const startAtMs = facts.jobs.get(transition.job)?.startAtMs;
    if (startAtMs === undefined || transition.clockMs >= startAtMs) continue;
    violations.push({
      invariant: SCHEDULED_NOT_EARLY,
      message: `job ${transition.job} started ${startAtMs - transition.clockMs} ms before its scheduled time (by the runner's clock)`,
      atMs: transition.event.t - epochMs,
      eventSeq: transition.event.seq,
      pid: transition.event.pid,
    });
  }
  return violations;
}

export const scheduledNotEarly: Checker<RunContext> = {
  name: SCHEDULED_NOT_EARLY,
  description: "a scheduled job never starts before its time, by the runner's clock",
  check: (run) => checkScheduledNotEarly(run.derive(jobRunnerFactsOf)),
};
