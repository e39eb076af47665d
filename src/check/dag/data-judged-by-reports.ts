/**
 * The data alert judges what a job reported: an attempt that reported its data
 * (`SIMRUN_DATA amount=N` lines) is judged by the sum of those amounts, one that reported nothing by
 * the bytes it printed. Both ways round: a `data-exceeded` alert only once the amount so judged is
 * over the job's `max_data` (for a job that reported nothing, only after it ended, since a report
 * could still have come), and every attempt whose amount ended over `max_data` raised one. Judged
 * against what the executions really printed and reported (`sim-job.output`), not the runner's sums.
 */
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts, type ExecutionFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const DATA_JUDGED_BY_REPORTS = 'data-judged-by-reports';

/** What `execution` reported up to trace position `beforeSeq` (undefined: no report), and what it printed. */
function generated(execution: ExecutionFacts, beforeSeq = Number.POSITIVE_INFINITY): { reported: number | undefined; printed: number } {
  let reported: number | undefined;
  let printed = 0;
  for (const output of execution.outputs) {
    if (output.event.seq >= beforeSeq) continue;
    printed += output.bytes;
    const amount = output.event.data?.reported;
    if (typeof amount === 'number') reported = (reported ?? 0) + amount;
  }
  return { reported, printed };
}

export function checkDataJudgedByReports(facts: DagFacts, epochMs = 0): Violation[] {
  const maxData = new Map(facts.jobs.map((job) => [job.name, job.maxData]));
  const violations: Violation[] = [];
  for (const notification of facts.notifications) {
    if (notification.kind !== 'data-exceeded') continue;
    const { event } = notification;
    const limit = maxData.get(notification.job);
    const execution = facts.executions.get(notification.execution);
    const at = { atMs: event.t - epochMs, eventSeq: event.seq, pid: event.pid };
    if (limit === undefined || execution === undefined) {
      violations.push({ invariant: DATA_JUDGED_BY_REPORTS, message: `data alert for '${notification.job}' (execution ${notification.execution}), which has no max_data or never ran`, ...at });
      continue;
    }
    const before = generated(execution, event.seq);
    if (before.reported !== undefined) {
      if (before.reported <= limit) violations.push({ invariant: DATA_JUDGED_BY_REPORTS, message: `data alert for '${notification.job}' (execution ${notification.execution}) when it had reported ${before.reported}, within its max_data of ${limit}`, ...at });
      continue;
    }
    const ended = execution.exit !== undefined && execution.exit.seq < event.seq;
    const overall = generated(execution);
    if (!ended || overall.reported !== undefined || overall.printed <= limit) {
      const why = !ended ? `before it ended, having reported nothing yet (${before.printed} bytes printed)` : overall.reported !== undefined ? `although it reported ${overall.reported}` : `after ${overall.printed} bytes, within its max_data of ${limit}`;
      violations.push({ invariant: DATA_JUDGED_BY_REPORTS, message: `data alert for '${notification.job}' (execution ${notification.execution}) ${why}`, ...at });
    }
  }
  for (const end of facts.ends) {
    const limit = maxData.get(end.job);
    const execution = facts.executions.get(end.execution);
    if (limit === undefined || execution?.exit === undefined) continue;
    const { reported, printed } = generated(execution);
    const amount = reported ?? printed;
    const alerted = facts.notifications.some((n) => n.kind === 'data-exceeded' && n.execution === end.execution);
    if (amount > limit && !alerted) {
      violations.push({
        invariant: DATA_JUDGED_BY_REPORTS,
        message: `'${end.job}' attempt ${end.attempt} generated ${amount} (${reported === undefined ? 'bytes printed, no report' : 'as reported'}), over its max_data of ${limit}, and no data alert was sent`,
        atMs: end.event.t - epochMs,
        eventSeq: end.event.seq,
        pid: end.event.pid,
      });
    }
  }
  return violations;
}

export const dataJudgedByReports: Checker<RunContext> = {
  name: DATA_JUDGED_BY_REPORTS,
  description: "the data alert judges the amount a job reported (SIMRUN_DATA), the bytes it printed only when it reported none",
  check: (run) => checkDataJudgedByReports(run.derive(dagFactsOf)),
};
