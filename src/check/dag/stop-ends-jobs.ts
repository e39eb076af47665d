/**
 * A runner that stops when asked leaves nothing behind: every execution a runner incarnation
 * started has ended by the time that incarnation exits normally (a SIGTERM or SIGINT stop, or the
 * end of a run without `--follow`). A crash may leave jobs running, for the next runner to end;
 * a graceful exit may not, since nothing would then know they run.
 */
import { processEvents } from '../../sim/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const STOP_ENDS_JOBS = 'stop-ends-jobs';

export function checkStopEndsJobs(trace: readonly TraceEvent[], facts: DagFacts, epochMs = 0): Violation[] {
  const exits = new Map<string, TraceEvent>();
  for (const event of trace) if (processEvents.is(event) && event.kind === 'process.exit') exits.set(event.pid, event);
  const violations: Violation[] = [];
  for (const start of facts.starts) {
    const exit = exits.get(start.event.pid);
    if (exit === undefined) continue;
    // A held execution ended before its release ran nothing: it ended when it gave up.
    const ended = facts.executions.get(start.execution)?.exit ?? facts.neverRan.get(start.execution);
    if (ended !== undefined && ended.seq < exit.seq) continue;
    violations.push({
      invariant: STOP_ENDS_JOBS,
      message: `${start.event.pid} exited while execution ${start.execution} of job '${start.job}' it started was still running${ended === undefined ? ' (it was never ended)' : ` (it ended ${ended.t - exit.t} ms later)`}`,
      atMs: exit.t - epochMs,
      eventSeq: exit.seq,
      pid: start.event.pid,
    });
  }
  return violations;
}

export const stopEndsJobs: Checker<RunContext> = {
  name: STOP_ENDS_JOBS,
  description: 'a runner that exits (stopped by SIGTERM/SIGINT, or done) leaves none of its jobs running',
  check: (run) => checkStopEndsJobs(run.trace, run.derive(dagFactsOf)),
};
