/**
 * Invariant `runs-never-overlap`: no two runs of the task were in progress at once, on any servers. A
 * run lasts from its start to its end or its server's crash; runs are compared by trace position.
 */
import type { Violation } from '../violation.js';
import type { CronHistory } from './history.js';
import { isoInstant } from '../../systems/cron/schedule.js';
import type { Checker } from '../checker.js';

const RUNS_NEVER_OVERLAP = 'runs-never-overlap';

export function checkRunsNeverOverlap(history: CronHistory): Violation[] {
  const runs = [...history.runs].sort((a, b) => a.startedSeq - b.startedSeq);
  const violations: Violation[] = [];
  let latest = runs[0];
  for (const run of runs.slice(1)) {
    if (latest !== undefined && (latest.endedSeq ?? Infinity) > run.startedSeq && latest.name === run.name) {
      violations.push({
        invariant: RUNS_NEVER_OVERLAP,
        message: `the run for tick ${isoInstant(run.tick)} started on ${run.pid} while the run for tick ${isoInstant(latest.tick)} on ${latest.pid} was still in progress`,
        atMs: run.startedAt,
        eventSeq: run.startedSeq,
        pid: run.pid,
      });
    }
    if (latest === undefined || (run.endedSeq ?? Infinity) > (latest.endedSeq ?? Infinity)) latest = run;
  }
  return violations;
}

export const runsNeverOverlap: Checker<{ readonly history: CronHistory }> = {
  name: RUNS_NEVER_OVERLAP,
  description: 'no two runs of the task were in progress at once',
  check: ({ history }) => checkRunsNeverOverlap(history),
};
