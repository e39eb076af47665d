/**
 * Every limit breach is alerted, and every failure notified: an attempt that ran longer than its
 * job's limit, or printed more, raised the matching alert; a job that failed for good raised a
 * failure notification. Attempts whose end the runner never saw (it crashed first) are not judged.
 */
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const BREACHES_ALERTED = 'breaches-alerted';

export function checkBreachesAlerted(facts: DagFacts, epochMs = 0): Violation[] {
  const jobs = new Map(facts.jobs.map((job) => [job.name, job]));
  const alerted = (kind: string, execution: string): boolean => facts.notifications.some((n) => n.kind === kind && n.execution === execution);
  const violations: Violation[] = [];
  for (const end of facts.ends) {
    const job = jobs.get(end.job);
    const execution = facts.executions.get(end.execution);
    if (job === undefined || execution?.exit === undefined) continue;
    const ranMs = execution.exit.t - execution.start.t;
    const printed = execution.outputs.reduce((sum, output) => sum + output.bytes, 0);
    const at = { atMs: end.event.t - epochMs, eventSeq: end.event.seq, pid: end.event.pid };
    if (job.maxRuntimeMs !== undefined && ranMs > job.maxRuntimeMs && !alerted('runtime-exceeded', end.execution)) {
      violations.push({ invariant: BREACHES_ALERTED, message: `'${end.job}' attempt ${end.attempt} ran ${ranMs} ms, over its limit of ${job.maxRuntimeMs} ms, and no runtime alert was sent`, ...at });
    }
    if (job.maxOutputBytes !== undefined && printed > job.maxOutputBytes && !alerted('output-exceeded', end.execution)) {
      violations.push({ invariant: BREACHES_ALERTED, message: `'${end.job}' attempt ${end.attempt} printed ${printed} bytes, over its limit of ${job.maxOutputBytes}, and no output alert was sent`, ...at });
    }
    if (end.outcome === 'failed' && !alerted('job-failed', end.execution)) {
      violations.push({ invariant: BREACHES_ALERTED, message: `'${end.job}' failed for good and no failure notification was sent`, ...at });
    }
  }
  return violations;
}

export const breachesAlerted: Checker<RunContext> = {
  name: BREACHES_ALERTED,
  description: 'every runtime or output limit breach, and every final failure, was notified',
  check: (run) => checkBreachesAlerted(run.derive(dagFactsOf)),
};
