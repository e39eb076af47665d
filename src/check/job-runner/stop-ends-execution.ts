/**
 * Stopping an executing job ends its execution: once a stop request found a job executing, the
 * execution behind it (as the executor recorded it) has exited by the same instant; it prints
 * nothing later. A simulated job dies of its signal at once.
 *
 * A stop request also flags the job, and a flagged job ends `stopped` whatever its exit: so a stop
 * that forgot to kill leaves every outcome invariant satisfied (the job is recorded stopped, its
 * output is what it printed) while the job runs on to its own end. This judges the kill on its own.
 */
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const STOP_ENDS_EXECUTION = 'stop-ends-execution';

export function checkStopEndsExecution(facts: JobRunnerFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  for (const request of facts.stopRequests) {
    if (request.state !== 'executing') continue;
    // The execution the job had when it was asked to stop: its latest one started before the request.
    const execution = facts.executions.filter((start) => start.job === request.job && start.event.seq < request.event.seq).at(-1)?.execution;
    if (execution === undefined) continue; // its command never started: nothing to end
    const exit = facts.exits.get(execution);
    if (exit !== undefined && exit.event.t <= request.event.t) continue;
    const later = (facts.printed.get(execution) ?? []).filter((chunk) => chunk.t > request.event.t).length;
    const howEnded = exit === undefined ? 'never exited' : `exited ${((exit.event.t - request.event.t) / 1000).toFixed(3)} s later with ${exit.signal === null ? `code ${String(exit.code)}` : exit.signal}`;
    violations.push({
      invariant: STOP_ENDS_EXECUTION,
      message: `job ${request.job} was asked to stop while executing, and its execution ${execution} ran on: it printed ${later} more chunk${later === 1 ? '' : 's'} and ${howEnded}`,
      atMs: (exit?.event ?? request.event).t - epochMs,
      eventSeq: (exit?.event ?? request.event).seq,
      pid: (exit?.event ?? request.event).pid,
    });
  }
  return violations;
}

export const stopEndsExecution: Checker<RunContext> = {
  name: STOP_ENDS_EXECUTION,
  description: "stopping an executing job kills its execution at once: it prints nothing more and exits by the stop's instant",
  check: (run) => checkStopEndsExecution(run.derive(jobRunnerFactsOf)),
};
