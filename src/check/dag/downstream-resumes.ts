/**
 * Downstream jobs run after a successful retry, and more generally nothing is left waiting that
 * could run: when the runner has gone quiet (alive, nothing running), every job that was not
 * stopped and whose upstream jobs all stand on a success (their last attempt succeeded and no rerun
 * reset them since) has started after the last of those successes. A failed job restarted into success must set its blocked downstream jobs going.
 *
 * Only judged when the trace ends with a live runner and no attempt in flight: a run cut off by
 * the horizon mid-work, or by a crash with no restart, cannot be expected to have finished.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagFacts, dagFactsOf, standingSuccess, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const DOWNSTREAM_RESUMES = 'downstream-resumes';

/** `facts`: the trace's, when the caller has read them already. */
export function checkDownstreamResumes(trace: readonly TraceEvent[], epochMs = 0, facts: DagFacts = dagFacts(trace)): Violation[] {
  if (!facts.runnerAliveAtEnd || facts.jobs.length === 0 || attemptsInFlight(facts) > 0) return [];
  const endTime = trace.at(-1)?.t ?? 0;
  const violations: Violation[] = [];
  for (const job of facts.jobs) {
    if (job.dependsOn.length === 0 || lastWord(facts, job.name) === 'stopped') continue;
    if (job.startAtMs !== undefined && job.startAtMs > endTime) continue;
    const successes = job.dependsOn.map((upstream) => standingSuccess(facts, upstream));
    if (successes.some((success) => success === undefined)) continue;
    const lastSuccess = successes.reduce((a, b) => ((a as TraceEvent).seq > (b as TraceEvent).seq ? a : b)) as TraceEvent;
    if (facts.starts.some((start) => start.job === job.name && start.event.seq > lastSuccess.seq)) continue;
    const retried = job.dependsOn.filter((upstream) => facts.ends.some((end) => end.job === upstream && end.outcome === 'failed'));
    violations.push({
      invariant: DOWNSTREAM_RESUMES,
      message: `job '${job.name}' never ran although all its upstream jobs succeeded${retried.length === 0 ? '' : ` (after ${retried.map((name) => `'${name}'`).join(', ')} failed and was restarted)`}`,
      atMs: lastSuccess.t - epochMs,
      eventSeq: lastSuccess.seq,
    });
  }
  return violations;
}

/** Attempts of the last runner incarnation that started and never ended. */
function attemptsInFlight(facts: DagFacts): number {
  const ended = new Set(facts.ends.map((end) => end.execution));
  return facts.starts.filter((start) => start.event.pid === facts.lastRunnerPid && !ended.has(start.execution)).length;
}

/** `stopped` when the last thing that happened to `name` was being stopped. */
function lastWord(facts: DagFacts, name: string): 'stopped' | 'other' {
  const events = [
    ...facts.stops.filter((stop) => stop.job === name).map((stop) => ({ seq: stop.event.seq, stopped: true })),
    ...facts.restarts.filter((restart) => restart.job === name).map((restart) => ({ seq: restart.event.seq, stopped: false })),
    ...facts.ends.filter((end) => end.job === name).map((end) => ({ seq: end.event.seq, stopped: end.outcome === 'stopped' })),
  ].sort((a, b) => a.seq - b.seq);
  return events.at(-1)?.stopped ? 'stopped' : 'other';
}

export const downstreamResumes: Checker<RunContext> = {
  name: DOWNSTREAM_RESUMES,
  description: 'once all its upstream jobs succeeded (after a retry too), every job not stopped ran',
  check: (run) => checkDownstreamResumes(run.trace, 0, run.derive(dagFactsOf)),
};
