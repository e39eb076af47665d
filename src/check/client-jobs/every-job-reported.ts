/**
 * Invariant `every-job-reported`: every job of the workload ended, either succeeded or reported
 * failed (by itself after a crash, or by its supervisor when its process died). A job still waiting
 * or running at the horizon means the client's queue was blocked.
 */
import type { Violation } from '../violation.js';
import type { ClientJobsHistory, JobAttempt } from './history.js';
import type { Checker } from '../checker.js';

const EVERY_JOB_REPORTED = 'every-job-reported';

export function checkEveryJobReported(history: ClientJobsHistory): Violation[] {
  const violations: Violation[] = [];
  for (const job of history.expected) {
    const attempts = history.attempts.filter((attempt) => attempt.client === job.client && attempt.job === job.job);
    const last: JobAttempt | undefined = attempts.at(-1);
    if (last === undefined) {
      violations.push({ invariant: EVERY_JOB_REPORTED, message: `job ${job.job} of client ${job.client} never started` });
    } else if (last.outcome === 'unfinished') {
      const where = last.startedAt === undefined ? 'still waiting for its turn' : 'still running';
      violations.push({ invariant: EVERY_JOB_REPORTED, message: `job ${job.job} of client ${job.client} (${last.pid}) never finished: ${where} at the end`, atMs: last.queuedAt, pid: last.pid });
    }
  }
  return violations;
}

export const everyJobReported: Checker<{ readonly history: ClientJobsHistory }> = {
  name: EVERY_JOB_REPORTED,
  description: 'every job succeeded or was reported failed; none was left waiting or running',
  check: ({ history }) => checkEveryJobReported(history),
};
