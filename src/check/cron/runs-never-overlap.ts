/**
 * Invariant `runs-never-overlap`: no two runs of the task were in progress at once, on any servers. A
 * run lasts from its start to its end or its server's crash; runs are compared by trace position.
 *
 * One overlap is the operating system's, not the protocol's: a server stopped mid-run (SIGSTOP, a VM
 * freeze) cannot renew its lease nor stop its task, so once the lease lapses the next leader rightly
 * runs the next tick while the stopped run is formally still open. Nothing the frozen server does can
 * prevent that, so a run that started while the earlier run's server was paused (paused after that
 * run began) is not judged here; what stays judged is that the tick itself runs once
 * (`tick-at-most-once`) and that a run whose server was never stopped is never overlapped. Effects
 * the stopped task makes after it wakes must be fenced by its run's token (see docs/systems/cron-leader.md).
 */
import type { Violation } from '../violation.js';
import type { CronHistory, CronRunRecord } from './history.js';
import { processName } from '../../sim/process-id.js';
import { isoInstant } from '../../systems/cron/schedule.js';
import type { Checker } from '../checker.js';

const RUNS_NEVER_OVERLAP = 'runs-never-overlap';

export function checkRunsNeverOverlap(history: CronHistory): Violation[] {
  const runs = [...history.runs].sort((a, b) => a.startedSeq - b.startedSeq);
  const violations: Violation[] = [];
  let latest = runs[0];
  for (const run of runs.slice(1)) {
    if (latest !== undefined && (latest.endedSeq ?? Infinity) > run.startedSeq && latest.name === run.name && !stoppedMidRun(history, latest, run.startedAt)) {
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

/** Was the server of `earlier` paused at `atMs`, by a pause that began after `earlier` started? */
function stoppedMidRun(history: CronHistory, earlier: CronRunRecord, atMs: number): boolean {
  const server = processName(earlier.pid);
  return history.disturbances.some((d) => d.kind === 'pause' && d.server === server && d.from >= earlier.startedAt && d.from <= atMs && atMs <= d.to);
}

export const runsNeverOverlap: Checker<{ readonly history: CronHistory }> = {
  name: RUNS_NEVER_OVERLAP,
  description: 'no two runs of the task were in progress at once',
  check: ({ history }) => checkRunsNeverOverlap(history),
};
