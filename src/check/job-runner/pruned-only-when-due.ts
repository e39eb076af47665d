/**
 * The store keeps an ended job's record for its full keep period: every job whose record the runner
 * deleted (`job.pruned`) had ended, by the runner's clock, at least `keepEndedMs` before the prune;
 * none was still queued or executing. Judged against the runner's own transitions (`job.transition`),
 * with the keep period given by the scenario.
 */
import type { TraceEvent } from '../../sim/trace.js';
import { jobRunnerEvents } from '../../systems/job-runner/events.js';
import { isTerminal } from '../../systems/job-runner/lifecycle.js';
import type { Violation } from '../violation.js';
import type { Checker, TraceInput } from '../checker.js';

const PRUNED_ONLY_WHEN_DUE = 'pruned-only-when-due';

export interface PruneInput extends TraceInput {
  /** The runner's `keepEndedMs`. */
  readonly keepEndedMs: number;
  readonly epochMs?: number;
}

export function checkPrunedOnlyWhenDue({ trace, keepEndedMs, epochMs = 0 }: PruneInput): Violation[] {
  // When each job ended, by the runner's clock; absent while it has not (or never did).
  const endedAt = new Map<string, number>();
  const violations: Violation[] = [];
  for (const event of jobRunnerEvents.of(trace)) {
    if (event.kind === 'job.transition') {
      if (isTerminal(event.data.to)) endedAt.set(event.data.job, event.data.clockMs);
      else endedAt.delete(event.data.job);
    } else if (event.kind === 'job.pruned') {
      for (const job of event.data.jobs) {
        const ended = endedAt.get(job);
        const at = { atMs: event.t - epochMs, eventSeq: event.seq, pid: (event as TraceEvent).pid };
        if (ended === undefined) violations.push({ invariant: PRUNED_ONLY_WHEN_DUE, message: `job ${job} was deleted from the store before it ended`, ...at });
        else if (event.data.clockMs - ended < keepEndedMs) violations.push({ invariant: PRUNED_ONLY_WHEN_DUE, message: `job ${job} was deleted from the store ${event.data.clockMs - ended} ms after it ended, short of its keep period of ${keepEndedMs} ms`, ...at });
      }
    }
  }
  return violations;
}

export const prunedOnlyWhenDue: Checker<PruneInput> = {
  name: PRUNED_ONLY_WHEN_DUE,
  description: "a job's record is deleted from the store only once it has ended and its keep period (keepEndedMs) has passed",
  check: checkPrunedOnlyWhenDue,
};
