/**
 * Invariant `one-job-per-client`: one client's jobs never ran at the same time. A job runs from the
 * moment it got its client's exclusion until its report or its process's crash; intervals are
 * compared by trace position, which is exact even within one virtual instant.
 */
import type { Violation } from '../violation.js';
import type { ClientJobsHistory, JobAttempt } from './history.js';
import type { Checker } from '../checker.js';

const ONE_JOB_PER_CLIENT = 'one-job-per-client';

export function checkOneJobPerClient(history: ClientJobsHistory): Violation[] {
  const violations: Violation[] = [];
  const started = history.attempts.filter((attempt): attempt is JobAttempt & { startedSeq: number; startedAt: number } => attempt.startedSeq !== undefined);
  const clients = [...new Set(started.map((attempt) => attempt.client))];
  for (const client of clients) {
    const runs = started.filter((attempt) => attempt.client === client).sort((a, b) => a.startedSeq - b.startedSeq);
    for (let index = 1; index < runs.length; index += 1) {
      const previous = runs[index - 1]!;
      const current = runs[index]!;
      if ((previous.endedSeq ?? Infinity) > current.startedSeq) {
        violations.push({
          invariant: ONE_JOB_PER_CLIENT,
          message: `client ${client}: job ${current.job} (${current.pid}) started while job ${previous.job} (${previous.pid}) was still running`,
          atMs: current.startedAt,
          eventSeq: current.startedSeq,
          pid: current.pid,
        });
      }
    }
  }
  return violations;
}

export const oneJobPerClient: Checker<{ readonly history: ClientJobsHistory }> = {
  name: ONE_JOB_PER_CLIENT,
  description: "one client's jobs never ran at the same time",
  check: ({ history }) => checkOneJobPerClient(history),
};
