/**
 * The concurrency limit is never exceeded: counting `executing` entries and exits in trace order,
 * no more jobs than the runner's limit are ever executing at once.
 */
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const CONCURRENCY_LIMIT = 'concurrency-limit';

export function checkConcurrencyLimit(facts: JobRunnerFacts, epochMs = 0): Violation[] {
  const limit = facts.concurrencyLimit;
  if (limit === undefined) return [];
  const executing = new Set<string>();
  const violations: Violation[] = [];
  for (const transition of facts.transitions) {
    if (transition.to === 'executing') executing.add(transition.job);
    else if (transition.from === 'executing') executing.delete(transition.job);
    else continue;
    if (executing.size > limit) {
      violations.push({
        invariant: CONCURRENCY_LIMIT,
        message: `${executing.size} jobs executing at once (${[...executing].join(', ')}), over the limit of ${limit}`,
        atMs: transition.event.t - epochMs,
        eventSeq: transition.event.seq,
        pid: transition.event.pid,
      });
    }
  }
  return violations;
}

export const concurrencyLimit: Checker<RunContext> = {
  name: CONCURRENCY_LIMIT,
  description: 'never more jobs executing than the concurrency limit',
  check: (run) => checkConcurrencyLimit(run.derive(jobRunnerFactsOf)),
};
