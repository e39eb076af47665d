/**
 * Nothing downstream of an unrecovered failure ran: once a job has failed for good (no retries
 * left) and is never restarted into success, no job downstream of it starts afterwards.
 */
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts, downstreamClosure } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const NOTHING_DOWNSTREAM_OF_FAILURE = 'nothing-downstream-of-failure';

export function checkNothingDownstreamOfFailure(facts: DagFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  for (const failure of facts.ends) {
    if (failure.outcome !== 'failed') continue;
    const recovered = facts.ends.some((end) => end.job === failure.job && end.outcome === 'succeeded' && end.event.seq > failure.event.seq);
    if (recovered) continue;
    const downstream = downstreamClosure(facts.jobs, failure.job);
    for (const start of facts.starts) {
      if (start.event.seq > failure.event.seq && downstream.has(start.job)) {
        violations.push({
          invariant: NOTHING_DOWNSTREAM_OF_FAILURE,
          message: `job '${start.job}' ran although '${failure.job}', upstream of it, had failed for good`,
          atMs: start.event.t - epochMs,
          eventSeq: start.event.seq,
          pid: start.event.pid,
        });
      }
    }
  }
  return violations;
}

export const nothingDownstreamOfFailure: Checker<RunContext> = {
  name: NOTHING_DOWNSTREAM_OF_FAILURE,
  description: 'nothing downstream of an unrecovered failure ran',
  check: (run) => checkNothingDownstreamOfFailure(run.derive(dagFactsOf)),
};
