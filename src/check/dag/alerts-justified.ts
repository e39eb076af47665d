/**
 * Every alert is justified: a runtime alert comes only after its attempt has run longer than the
 * job's limit, an output alert only after the attempt printed more than its limit, a kill at the
 * hard limit only once the attempt has run its `kill_after_ms`, a failure notification only for a
 * job whose last attempt failed with no retries left, and a success one only after a success. Judged against what
 * the executions really did (`sim-job.*`), not against the runner's own accounting.
 */
import type { TraceEvent } from '../../sim/trace.js';
import { processName } from '../../sim/process-id.js';
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const ALERTS_JUSTIFIED = 'alerts-justified';

/** How long the process named `name` was paused within [fromMs, toMs], from the trace's pauses. */
export type PausedWithin = (name: string, fromMs: number, toMs: number) => number;

/** The pauses of a trace (`process.pause` with `untilMs`), as a `PausedWithin`. */
export function pausesIn(trace: readonly TraceEvent[]): PausedWithin {
  const pauses = trace.filter((event) => event.kind === 'process.pause' && typeof event.data?.untilMs === 'number');
  return (name, fromMs, toMs) =>
    pauses
      .filter((event) => processName(event.pid) === name)
      .reduce((sum, event) => sum + Math.max(0, Math.min(toMs, event.data?.untilMs as number) - Math.max(fromMs, event.t)), 0);
}

const NO_PAUSES: PausedWithin = () => 0;

export function checkAlertsJustified(facts: DagFacts, epochMs = 0, pausedWithin: PausedWithin = NO_PAUSES): Violation[] {
  const jobs = new Map(facts.jobs.map((job) => [job.name, job]));
  const violations: Violation[] = [];
  const violation = (event: TraceEvent, message: string): void => {
    violations.push({ invariant: ALERTS_JUSTIFIED, message, atMs: event.t - epochMs, eventSeq: event.seq, pid: event.pid });
  };
  for (const notification of facts.notifications) {
    const job = jobs.get(notification.job);
    const execution = facts.executions.get(notification.execution);
    const { event } = notification;
    if (notification.kind === 'runtime-exceeded') {
      const limit = job?.maxRuntimeMs;
      const ranMs = execution === undefined ? undefined : Math.min(event.t, execution.exit?.t ?? event.t) - execution.start.t;
      const seenMs = ranMs === undefined || execution === undefined ? undefined : ranMs + pausedWithin(processName(event.pid), execution.start.t, event.t);
      if (limit === undefined || ranMs === undefined || seenMs === undefined || seenMs <= limit) {
        violation(event, `runtime alert for '${notification.job}' (execution ${notification.execution}) after ${ranMs ?? '?'} ms, within its limit of ${limit ?? 'none'} ms`);
      }
    } else if (notification.kind === 'output-exceeded') {
      const limit = job?.maxOutputBytes;
      const printed = execution?.outputs.filter((output) => output.event.seq < event.seq).reduce((sum, output) => sum + output.bytes, 0);
      if (limit === undefined || printed === undefined || printed <= limit) {
        violation(event, `output alert for '${notification.job}' (execution ${notification.execution}) after ${printed ?? '?'} bytes, within its limit of ${limit ?? 'none'} bytes`);
      }
    } else if (notification.kind === 'runtime-killed') {
      const limit = job?.killAfterMs;
      const ranMs = execution === undefined ? undefined : Math.min(event.t, execution.exit?.t ?? event.t) - execution.start.t;
      const seenMs = ranMs === undefined || execution === undefined ? undefined : ranMs + pausedWithin(processName(event.pid), execution.start.t, event.t);
      if (limit === undefined || ranMs === undefined || seenMs === undefined || seenMs < limit) {
        violation(event, `kill at the hard limit for '${notification.job}' (execution ${notification.execution}) after ${ranMs ?? '?'} ms, short of its kill_after_ms of ${limit ?? 'none'}`);
      }
    } else if (notification.kind === 'job-succeeded') {
      const last = facts.ends.filter((end) => end.job === notification.job && end.event.seq < event.seq).at(-1);
      if (last?.outcome !== 'succeeded') violation(event, `success notification for '${notification.job}', whose last attempt ${last === undefined ? 'never ended' : `ended ${last.outcome}`}`);
    } else if (notification.kind === 'job-failed') {
      const last = facts.ends.filter((end) => end.job === notification.job && end.event.seq < event.seq).at(-1);
      if (last?.outcome !== 'failed') violation(event, `failure notification for '${notification.job}', whose last attempt ${last === undefined ? 'never ended' : `ended ${last.outcome}`}`);
    }
  }
  return violations;
}

export const alertsJustified: Checker<RunContext> = {
  name: ALERTS_JUSTIFIED,
  description: 'every alert and failure notification is justified by what the job really did',
  check: (run) => checkAlertsJustified(run.derive(dagFactsOf), 0, pausesIn(run.trace)),
};
