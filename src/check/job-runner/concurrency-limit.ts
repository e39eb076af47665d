/**
 * The concurrency limit is never exceeded: counting `executing` entries and exits in trace order,
 * no more jobs than the runner's limit are ever executing at once.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { jobRunnerFacts } from './job-trace.js';

export const CONCURRENCY_LIMIT = 'concurrency-limit';

export function checkConcurrencyLimit(trace: readonly TraceEvent[], epochMs = 0): Violation[] {
  const facts = jobRunnerFacts(trace);
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
