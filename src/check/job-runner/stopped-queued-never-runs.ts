/**
 * A job stopped while queued never runs: once a stop request found the job queued, the job never
 * goes on to execute.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { jobRunnerFacts } from './job-trace.js';

export const STOPPED_QUEUED_NEVER_RUNS = 'stopped-queued-never-runs';

export function checkStoppedQueuedNeverRuns(trace: readonly TraceEvent[], epochMs = 0): Violation[] {
  const facts = jobRunnerFacts(trace);
  const violations: Violation[] = [];
  for (const request of facts.stopRequests) {
    if (request.state !== 'queued') continue;
    const ran = facts.transitions.find((transition) => transition.job === request.job && transition.to === 'executing' && transition.event.seq > request.event.seq);
    if (ran === undefined) continue;
    violations.push({
      invariant: STOPPED_QUEUED_NEVER_RUNS,
      message: `job ${request.job} was stopped while queued (${((ran.event.t - request.event.t) / 1000).toFixed(3)} s earlier) and ran anyway`,
      atMs: ran.event.t - epochMs,
      eventSeq: ran.event.seq,
      pid: ran.event.pid,
    });
  }
  return violations;
}
