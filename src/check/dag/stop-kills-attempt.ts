/**
 * An operator's stop ends a running attempt at once: when a runner takes a `stop` command for a job
 * (or for every job), each attempt of it that this runner started and whose execution still ran has
 * exited by that instant (the executor's own record: its whole process group, SIGTERM; a simulated
 * job dies of it at once).
 *
 * The stop also flags the attempt, and a flagged attempt ends `stopped` whatever its exit: a stop
 * that forgot to kill leaves the run log and every outcome invariant right while the job runs on to
 * its own end. This judges the kill on its own.
 */
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const STOP_KILLS_ATTEMPT = 'stop-kills-attempt';

export function checkStopKillsAttempt(facts: DagFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  for (const command of facts.commands) {
    if (command.action !== 'stop') continue;
    for (const start of facts.starts) {
      // Only this runner's own attempts: one a dead runner left behind is ended by the reaper instead.
      if (start.event.pid !== command.event.pid || start.event.seq > command.event.seq) continue;
      if (command.job !== null && start.job !== command.job) continue;
      const exit = facts.executions.get(start.execution)?.exit ?? facts.neverRan.get(start.execution);
      if (exit !== undefined && (exit.seq < command.event.seq || exit.t <= command.event.t)) continue;
      violations.push({
        invariant: STOP_KILLS_ATTEMPT,
        message: `the operator stopped '${start.job}' while its attempt ${start.attempt} (execution ${start.execution}) ran, and it ran on: ${exit === undefined ? 'it never exited' : `it exited ${exit.t - command.event.t} ms later`}`,
        atMs: (exit ?? command.event).t - epochMs,
        eventSeq: (exit ?? command.event).seq,
        pid: command.event.pid,
      });
    }
  }
  return violations;
}

export const stopKillsAttempt: Checker<RunContext> = {
  name: STOP_KILLS_ATTEMPT,
  description: "an operator's stop kills a running attempt at once",
  check: (run) => checkStopKillsAttempt(run.derive(dagFactsOf)),
};
