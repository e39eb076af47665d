/**
 * `kill_after_ms` is a hard limit: no attempt whose execution really ran longer than its job's
 * `kill_after_ms` ends as a success. The runner kills such an attempt at the limit; should it wake
 * late (paused) and find the job already ended, the attempt ran past the limit all the same and fails.
 */
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const HARD_LIMIT_ENFORCED = 'hard-limit-enforced';

export function checkHardLimitEnforced(facts: DagFacts, epochMs = 0): Violation[] {
  const killAfter = new Map(facts.jobs.map((job) => [job.name, job.killAfterMs]));
  const violations: Violation[] = [];
  for (const end of facts.ends) {
    const limit = killAfter.get(end.job);
    if (limit === undefined || end.outcome !== 'succeeded') continue;
    const execution = facts.executions.get(end.execution);
    if (execution?.exit === undefined) continue;
    const ranMs = execution.exit.t - execution.start.t;
    if (ranMs > limit) {
      violations.push({
        invariant: HARD_LIMIT_ENFORCED,
        message: `job '${end.job}' (attempt ${end.attempt}) ran ${ranMs} ms, past its kill_after_ms of ${limit}, and ended as a success`,
        atMs: end.event.t - epochMs,
        eventSeq: end.event.seq,
        pid: end.event.pid,
      });
    }
  }
  return violations;
}

export const hardLimitEnforced: Checker<RunContext> = {
  name: HARD_LIMIT_ENFORCED,
  description: 'no attempt that ran longer than its kill_after_ms ends as a success',
  check: (run) => checkHardLimitEnforced(run.derive(dagFactsOf)),
};
