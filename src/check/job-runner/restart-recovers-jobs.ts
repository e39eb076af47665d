/**
 * A runner restarted on its store loses no job: every job that was unfinished when the runner
 * before it died is taken up by the new one (`job.recovered`) before anything else can restart it:
 * one that was executing is recorded `failed` (its execution died with the runner, or was killed),
 * one that was queued or scheduled is queued again, to run. Read in trace order: each
 * `job-runner.open` after the first is a restart, and the jobs' states just before it are what the
 * store held.
 */
import { jobRunnerEvents } from '../../systems/job-runner/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Checker, RunContext } from '../checker.js';
import type { Violation } from '../violation.js';

const RESTART_RECOVERS_JOBS = 'restart-recovers-jobs';

/** What a job unfinished in `was` must become when a runner recovers it. */
const EXPECTED: Readonly<Record<string, string>> = { executing: 'failed', queued: 'queued' };

export function checkRestartRecoversJobs(trace: readonly TraceEvent[], epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  const states = new Map<string, string>();
  let opened = 0;
  /** Jobs unfinished at the last restart and not yet recovered, with their state then. */
  let pending = new Map<string, string>();
  let restart: TraceEvent | undefined;
  const reportLost = (): void => {
    for (const [job, was] of pending) {
      violations.push({
        invariant: RESTART_RECOVERS_JOBS,
        message: `job ${job} was ${was} when the runner restarted, and the new runner never took it up: it is lost`,
        atMs: (restart as TraceEvent).t - epochMs,
        eventSeq: (restart as TraceEvent).seq,
        pid: (restart as TraceEvent).pid,
      });
    }
    pending = new Map();
  };
  for (const event of trace) {
    if (!jobRunnerEvents.is(event)) continue;
    switch (event.kind) {
      case 'job-runner.open':
        reportLost();
        if (opened++ > 0) {
          restart = event;
          for (const [job, state] of states) if (state in EXPECTED) pending.set(job, state);
        }
        break;
      case 'job.queued':
        states.set(event.data.job, 'queued');
        break;
      case 'job.transition':
        // A job moves only once its runner has it: one still pending here was never recovered.
        if (pending.has(event.data.job) && restart !== undefined) {
          violations.push({ invariant: RESTART_RECOVERS_JOBS, message: `job ${event.data.job} moved to ${event.data.to} after a restart without being recovered first`, atMs: event.t - epochMs, eventSeq: event.seq, pid: event.pid });
          pending.delete(event.data.job);
        }
        states.set(event.data.job, event.data.to);
        break;
      case 'job.recovered': {
        const was = pending.get(event.data.job);
        pending.delete(event.data.job);
        const expected = was === undefined ? undefined : EXPECTED[was];
        if (was === undefined || event.data.was !== was || event.data.now !== expected) {
          violations.push({
            invariant: RESTART_RECOVERS_JOBS,
            message: `job ${event.data.job}: recovered as ${event.data.now} from ${event.data.was}, but it was ${was ?? 'not unfinished'} when the runner restarted${expected === undefined ? '' : ` and must become ${expected}`}`,
            atMs: event.t - epochMs,
            eventSeq: event.seq,
            pid: event.pid,
          });
        }
        break;
      }
    }
  }
  reportLost();
  return violations;
}

export const restartRecoversJobs: Checker<RunContext> = {
  name: RESTART_RECOVERS_JOBS,
  description: 'a restarted runner takes up every unfinished job: executing ones end failed ("runner restarted"), queued ones run',
  check: (run) => checkRestartRecoversJobs(run.trace),
};
