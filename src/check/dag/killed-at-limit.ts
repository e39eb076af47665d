/**
 * `kill_after_ms` is enforced when it comes, not only judged afterwards: the execution of an
 * attempt of a job with a `kill_after_ms` has exited by the time its runner's monitor was due (when
 * the runner heard the row naming the execution was written, and released it, plus the limit, plus
 * every pause of that runner in between: a paused runner's timers fire late), unless that runner
 * was no longer there to kill it (crashed or exited by then: the next runner ends what it left).
 *
 * The runner also fails an attempt that ran past the limit when it ends (`hard-limit-enforced`
 * judges that), which masks a monitor that never kills: the job runs on to its own end, holding its
 * slot and doing work past its limit, and is failed only then. This judges the kill on its own.
 */
import { processEvents } from '../../sim/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const KILLED_AT_LIMIT = 'killed-at-limit';

/** Each incarnation's pauses (true time they began, and how long) and when it ended, if it did. */
interface Incarnation {
  readonly pauses: { readonly t: number; readonly ms: number }[];
  endedAt?: number;
}

function incarnationsOf(trace: readonly TraceEvent[]): Map<string, Incarnation> {
  const incarnations = new Map<string, Incarnation>();
  const of = (pid: string): Incarnation => {
    let found = incarnations.get(pid);
    if (found === undefined) incarnations.set(pid, (found = { pauses: [] }));
    return found;
  };
  for (const event of trace) {
    if (!processEvents.is(event)) continue;
    if (event.kind === 'process.pause') of(event.pid).pauses.push({ t: event.t, ms: event.data.ms });
    else if (event.kind === 'process.crash' || event.kind === 'process.exit' || event.kind === 'process.error') of(event.pid).endedAt ??= event.t;
  }
  return incarnations;
}

export function checkKilledAtLimit(trace: readonly TraceEvent[], facts: DagFacts, epochMs = 0): Violation[] {
  const killAfter = new Map(facts.jobs.map((job) => [job.name, job.killAfterMs]));
  const incarnations = incarnationsOf(trace);
  const violations: Violation[] = [];
  for (const start of facts.starts) {
    const limit = killAfter.get(start.job);
    const execution = facts.executions.get(start.execution);
    if (limit === undefined || execution === undefined) continue;
    // The monitor is armed once the runner has heard the row naming the execution was written (and
    // released the execution); a trace without that row counts from the start.
    const armed = start.recorded ?? start.event;
    const runner = incarnations.get(start.event.pid) ?? { pauses: [] };
    // The monitor's timer is the runner's: each pause that begins before it fires pushes it back.
    let dueAt = armed.t + limit;
    for (const pause of runner.pauses) if (pause.t >= armed.t && pause.t <= dueAt) dueAt += pause.ms;
    if (runner.endedAt !== undefined && runner.endedAt <= dueAt) continue;
    const exit = execution.exit;
    if (exit !== undefined && exit.t <= dueAt) continue;
    violations.push({
      invariant: KILLED_AT_LIMIT,
      message: `execution ${start.execution} of '${start.job}' (attempt ${start.attempt}) ${exit === undefined ? 'never ended, though' : `ran ${exit.t - dueAt} ms past the moment`} its kill_after_ms of ${limit} came with its runner ${start.event.pid} there to kill it`,
      atMs: (exit ?? start.event).t - epochMs,
      eventSeq: (exit ?? start.event).seq,
      pid: start.event.pid,
    });
  }
  return violations;
}

export const killedAtLimit: Checker<RunContext> = {
  name: KILLED_AT_LIMIT,
  description: 'an attempt still running when its kill_after_ms comes is killed then, while its runner is there',
  check: (run) => checkKilledAtLimit(run.trace, run.derive(dagFactsOf)),
};
