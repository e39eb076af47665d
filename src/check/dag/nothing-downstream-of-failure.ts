/**
 * Nothing downstream of an unrecovered failure ran: once a job has failed for good (no retries
 * left) and is never restarted into success, no job downstream of it starts afterwards.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagFacts, downstreamClosure } from './dag-trace.js';

export const NOTHING_DOWNSTREAM_OF_FAILURE = 'nothing-downstream-of-failure';

export function checkNothingDownstreamOfFailure(trace: readonly TraceEvent[], epochMs = 0): Violation[] {
  const facts = dagFacts(trace);
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
