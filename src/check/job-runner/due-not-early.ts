/**
 * The wait for a scheduled start ends on time: whenever the runner finds a scheduled job due
 * (`job.due`), its own clock (the clock the start time is expressed in) reads at least that time.
 *
 * The runner guards a scheduled start twice: the wait re-reads the clock after every wake (the clock
 * may have been stepped back while it slept), and the slot check reads it again before the job
 * starts. `scheduled-not-early` judges the start, so a wait that wakes early is masked by the slot
 * check; this judges the wait on its own.
 */
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const DUE_NOT_EARLY = 'due-not-early';

export function checkDueNotEarly(facts: JobRunnerFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  for (const due of facts.dues) {
    const startAtMs = facts.jobs.get(due.job)?.startAtMs;
    if (startAtMs === undefined || due.clockMs >= startAtMs) continue;
    violations.push({
      invariant: DUE_NOT_EARLY,
      message: `the runner found job ${due.job} due ${startAtMs - due.clockMs} ms before its scheduled time (by its own clock): its wait woke early and did not read the clock again`,
      atMs: due.event.t - epochMs,
      eventSeq: due.event.seq,
      pid: due.event.pid,
    });
  }
  return violations;
}

export const dueNotEarly: Checker<RunContext> = {
  name: DUE_NOT_EARLY,
  description: "the wait for a scheduled start never ends before its time, by the runner's clock",
  check: (run) => checkDueNotEarly(run.derive(jobRunnerFactsOf)),
};
