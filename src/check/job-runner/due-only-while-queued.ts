/**
 * A stopped job's wait for its start time is cancelled: the runner never finds a job due (`job.due`)
 * once it has ended. Stopping a scheduled job both ends it and cancels its wait; a wake that still
 * comes finds the job ended and does nothing, which masks a stop that forgot the wait (`stopped-queued-
 * never-runs` still passes). This judges the cancellation on its own: a wait left running is a timer
 * per cancelled job, and one guard away from starting a job that was stopped.
 */
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const DUE_ONLY_WHILE_QUEUED = 'due-only-while-queued';

export function checkDueOnlyWhileQueued(facts: JobRunnerFacts, epochMs = 0): Violation[] {
  // Merge the dues into the transitions in trace order, keeping each job's state as it goes.
  const state = new Map<string, string>();
  const moves = [...facts.transitions];
  const violations: Violation[] = [];
  let next = 0;
  for (const due of facts.dues) {
    for (; next < moves.length && (moves[next]?.event.seq as number) < due.event.seq; next++) {
      const move = moves[next];
      if (move !== undefined) state.set(move.job, move.to);
    }
    const now = state.get(due.job) ?? 'queued';
    if (now === 'queued') continue;
    violations.push({
      invariant: DUE_ONLY_WHILE_QUEUED,
      message: `the runner found job ${due.job} due while it was ${now}: stopping it did not cancel its wait for its start time`,
      atMs: due.event.t - epochMs,
      eventSeq: due.event.seq,
      pid: due.event.pid,
    });
  }
  return violations;
}

export const dueOnlyWhileQueued: Checker<RunContext> = {
  name: DUE_ONLY_WHILE_QUEUED,
  description: 'a job stopped before its start time has its wait cancelled: it is never found due once ended',
  check: (run) => checkDueOnlyWhileQueued(run.derive(jobRunnerFactsOf)),
};
