/**
 * Invariant `first-queued-first-run`: a client's waiting jobs run in the order they were queued. No
 * job of a client started while another job of that client, holding a lower ticket in the client's
 * waiting line (the order the store recorded), was still waiting: in line, not started, not ended.
 * A job whose place lapsed (it reported losing it) is owed nothing; a job whose process died stops
 * waiting at its crash.
 */
import type { Violation } from '../violation.js';
import type { ClientJobsHistory, JobAttempt } from './history.js';
import type { Checker } from '../checker.js';

const FIRST_QUEUED_FIRST_RUN = 'first-queued-first-run';

type InLine = JobAttempt & { readonly ticket: number; readonly inLineSeq: number };

export function checkFirstQueuedFirstRun(history: ClientJobsHistory): Violation[] {
  const violations: Violation[] = [];
  const inLine = history.attempts.filter((attempt): attempt is InLine => attempt.ticket !== undefined && attempt.inLineSeq !== undefined);
  for (const started of inLine) {
    if (started.startedSeq === undefined) continue;
    const at = started.startedSeq;
    const overtaken = inLine.filter(
      (waiting) =>
        waiting.client === started.client &&
        waiting.pid !== started.pid &&
        waiting.lostPlace !== true &&
        waiting.ticket < started.ticket &&
        waiting.inLineSeq < at &&
        (waiting.startedSeq ?? Infinity) > at &&
        (waiting.endedSeq ?? Infinity) > at,
    );
    const first = overtaken.sort((a, b) => a.ticket - b.ticket)[0];
    if (first === undefined) continue;
    violations.push({
      invariant: FIRST_QUEUED_FIRST_RUN,
      message: `client ${started.client}: job ${started.job} (ticket ${started.ticket}) started while job ${first.job} (ticket ${first.ticket}), queued before it, was still waiting`,
      atMs: started.startedAt,
      eventSeq: at,
      pid: started.pid,
    });
  }
  return violations;
}

export const firstQueuedFirstRun: Checker<{ readonly history: ClientJobsHistory }> = {
  name: FIRST_QUEUED_FIRST_RUN,
  description: "a client's waiting jobs ran in the order they were queued",
  check: ({ history }) => checkFirstQueuedFirstRun(history),
};
