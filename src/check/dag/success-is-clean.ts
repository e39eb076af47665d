/**
 * The success rule: an attempt ends as a success only when its job's shell exited 0 by itself and
 * left no process it started running (a background child neither waited for nor finished). A
 * waited-for child that failed makes the shell itself exit non-zero. Judged against how the
 * execution really ended (`sim-job.exit`), not the exit status the runner was handed.
 */
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const SUCCESS_IS_CLEAN = 'success-is-clean';

export function checkSuccessIsClean(facts: DagFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  for (const end of facts.ends) {
    if (end.outcome !== 'succeeded') continue;
    const exit = facts.executions.get(end.execution)?.exit;
    if (exit === undefined) continue;
    const { code, signal, leftRunning } = exit.data ?? {};
    const flaw = signal !== null && signal !== undefined ? `was ended by ${String(signal)}` : code !== 0 ? `exited ${String(code)}` : leftRunning === true ? 'exited 0 while a child it started was still running' : undefined;
    if (flaw === undefined) continue;
    violations.push({
      invariant: SUCCESS_IS_CLEAN,
      message: `'${end.job}' attempt ${end.attempt} ended as a success although its job ${flaw} (execution ${end.execution})`,
      atMs: end.event.t - epochMs,
      eventSeq: end.event.seq,
      pid: end.event.pid,
    });
  }
  return violations;
}

export const successIsClean: Checker<RunContext> = {
  name: SUCCESS_IS_CLEAN,
  description: 'an attempt succeeds only when its job exited 0 by itself leaving nothing it started running',
  check: (run) => checkSuccessIsClean(run.derive(dagFactsOf)),
};
