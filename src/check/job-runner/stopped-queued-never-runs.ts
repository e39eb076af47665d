/**
 * A job stopped while queued never runs: once a stop request found the job queued, the job never
 * goes on to execute.
 */
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const STOPPED_QUEUED_NEVER_RUNS = 'stopped-queued-never-runs';

export function checkStoppedQueuedNeverRuns(facts: JobRunnerFacts, epochMs = 0): Violation[] {
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

export const stoppedQueuedNeverRuns: Checker<RunContext> = {
  name: STOPPED_QUEUED_NEVER_RUNS,
  description: 'a job stopped while queued never runs',
  check: (run) => checkStoppedQueuedNeverRuns(run.derive(jobRunnerFactsOf)),
};
