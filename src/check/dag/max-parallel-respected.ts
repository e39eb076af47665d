/**
 * Never more of the pipeline's jobs executing at once than its `max_parallel`. Counted from what
 * the executions really did (`sim-job.start` to `sim-job.exit`, in trace order), not from the
 * runner's own accounting, so an attempt a dead runner left running counts until it really ends.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const MAX_PARALLEL_RESPECTED = 'max-parallel-respected';

export function checkMaxParallelRespected(facts: DagFacts, epochMs = 0): Violation[] {
  const limit = facts.maxParallel;
  if (limit === undefined) return [];
  const changes: { seq: number; delta: number; event: TraceEvent }[] = [];
  for (const execution of facts.executions.values()) {
    changes.push({ seq: execution.start.seq, delta: 1, event: execution.start });
    if (execution.exit !== undefined) changes.push({ seq: execution.exit.seq, delta: -1, event: execution.exit });
  }
  changes.sort((a, b) => a.seq - b.seq);
  let running = 0;
  for (const change of changes) {
    running += change.delta;
    if (change.delta > 0 && running > limit) {
      // One violation, at the first execution over the limit: the rest follow from it.
      return [
        {
          invariant: MAX_PARALLEL_RESPECTED,
          message: `${running} jobs executing at once, more than the pipeline's max_parallel of ${limit}`,
          atMs: change.event.t - epochMs,
          eventSeq: change.event.seq,
          pid: change.event.pid,
        },
      ];
    }
  }
  return [];
}

export const maxParallelRespected: Checker<RunContext> = {
  name: MAX_PARALLEL_RESPECTED,
  description: "never more of the pipeline's jobs executing at once than its max_parallel",
  check: (run) => checkMaxParallelRespected(run.derive(dagFactsOf)),
};
