/**
 * No job runs twice at once: while one execution of a job is running, no other execution of the
 * same job starts. Judged by what the executions really did (`sim-job.start` and `sim-job.exit`),
 * not by the runners' bookkeeping, so it sees the two ways a job runs twice: a second runner on
 * the same store, and a runner that reruns an interrupted job while the process group a dead
 * runner left behind is still running it.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const ONE_EXECUTION_PER_JOB = 'one-execution-per-job';

export function checkOneExecutionPerJob(facts: DagFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  // Running executions per job, as [execution, who started it].
  const running = new Map<string, { execution: string; runner: string; exitSeq: number }[]>();
  for (const start of [...facts.starts].sort((a, b) => a.event.seq - b.event.seq)) {
    const execution = facts.executions.get(start.execution);
    if (execution === undefined) continue;
    const begunSeq = execution.start.seq;
    const others = (running.get(start.job) ?? []).filter((other) => other.exitSeq > begunSeq);
    const clash = others[0];
    if (clash !== undefined) {
      violations.push({
        invariant: ONE_EXECUTION_PER_JOB,
        message: `job '${start.job}' ran twice at once: execution ${clash.execution} (started by ${clash.runner}) was still running when ${start.execution} (started by ${start.event.pid}) started`,
        atMs: execution.start.t - epochMs,
        eventSeq: execution.start.seq,
        pid: start.event.pid,
      });
    }
    others.push({ execution: start.execution, runner: start.event.pid, exitSeq: exitSeq(execution.exit) });
    running.set(start.job, others);
  }
  return violations;
}

function exitSeq(exit: TraceEvent | undefined): number {
  return exit === undefined ? Number.POSITIVE_INFINITY : exit.seq;
}

export const oneExecutionPerJob: Checker<RunContext> = {
  name: ONE_EXECUTION_PER_JOB,
  description: 'no job runs twice at once (a second runner, or an orphan of a dead runner still running)',
  check: (run) => checkOneExecutionPerJob(run.derive(dagFactsOf)),
};
