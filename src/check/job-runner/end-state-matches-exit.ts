/**
 * A job's end state says how its execution really ended: `completed` only when the executor records
 * that the execution exited by itself with code 0 and nobody had asked to stop the job; `stopped`
 * only after a stop request for it. The runner reads the exit status it is handed; this compares its
 * verdict with the executor's own record (`sim-job.exit`), so a misread status (a kill read as
 * success) cannot hide behind a legal transition. A `failed` end is not judged here: the runner may
 * fail a job that exited 0 itself (a timeout, an output limit), which the executor cannot know.
 */
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts, type TransitionFact } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const END_STATE_MATCHES_EXIT = 'end-state-matches-exit';

export function checkEndStateMatchesExit(facts: JobRunnerFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  const report = (transition: TransitionFact, message: string): void => {
    violations.push({ invariant: END_STATE_MATCHES_EXIT, message, atMs: transition.event.t - epochMs, eventSeq: transition.event.seq, pid: transition.event.pid });
  };
  for (const transition of facts.transitions) {
    if (transition.to !== 'completed' && transition.to !== 'stopped') continue;
    const before = (seq: number): boolean => seq < transition.event.seq;
    const stopRequested = facts.stopRequests.some((request) => request.job === transition.job && before(request.event.seq));
    if (transition.to === 'stopped') {
      if (!stopRequested) report(transition, `job ${transition.job} ended stopped, but nobody asked to stop it`);
      continue;
    }
    if (stopRequested) {
      report(transition, `job ${transition.job} ended completed although it had been asked to stop`);
      continue;
    }
    const execution = facts.executions.filter((start) => start.job === transition.job && before(start.event.seq)).at(-1)?.execution;
    const exit = execution === undefined ? undefined : facts.exits.get(execution);
    if (exit !== undefined && exit.code === 0 && exit.signal === null) continue;
    const how = execution === undefined ? 'its command never started' : exit === undefined ? `its execution ${execution} never exited` : `its execution ${execution} ended with ${exit.signal ?? `code ${String(exit.code)}`}`;
    report(transition, `job ${transition.job} ended completed, but ${how}`);
  }
  return violations;
}

export const endStateMatchesExit: Checker<RunContext> = {
  name: END_STATE_MATCHES_EXIT,
  description: 'a job ends completed only when its execution exited 0 by itself, and stopped only when asked to stop',
  check: (run) => checkEndStateMatchesExit(run.derive(jobRunnerFactsOf)),
};
