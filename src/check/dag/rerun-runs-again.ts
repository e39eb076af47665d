/**
 * A rerun (`dag restart JOB --force`) runs the job again and every job downstream of it: after the
 * runner carried out the command (`dag.rerun`), each of those jobs starts again, unless it was left
 * stopped, its last attempt failed, or an upstream job did not succeed again after the rerun (it
 * could not run). Judged, like `downstream-resumes`, only when the trace ends with a live runner and
 * no attempt in flight. The jobs expected are taken from the pipeline's graph, not from what the
 * runner said it reset.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagEvents } from '../../systems/dag/events.js';
import { dagFacts, dagFactsOf, downstreamClosure, standingSuccess, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const RERUN_RUNS_AGAIN = 'rerun-runs-again';

/** `facts`: the trace's, when the caller has read them already. */
export function checkRerunRunsAgain(trace: readonly TraceEvent[], epochMs = 0, facts: DagFacts = dagFacts(trace)): Violation[] {
  if (!facts.runnerAliveAtEnd || facts.jobs.length === 0 || inFlight(facts)) return [];
  const endTime = trace.at(-1)?.t ?? 0;
  const jobs = new Map(facts.jobs.map((job) => [job.name, job]));
  const violations: Violation[] = [];
  for (const rerun of dagEvents.of(trace)) {
    if (rerun.kind !== 'dag.rerun') continue;
    const named = rerun.data.job;
    if (named !== null && !jobs.has(named)) continue;
    const chosen = named === null ? new Set(jobs.keys()) : new Set([named, ...downstreamClosure(facts.jobs, named)]);
    const event = rerun as TraceEvent;
    // Judged from when the runner took the command: it writes the rerun's rows one by one, each a
    // store round trip, and a job it has reset may start (and end) before the last of them is written.
    const since = commandTaken(trace, event);
    for (const name of chosen) {
      const job = jobs.get(name);
      if (job === undefined || (job.startAtMs !== undefined && job.startAtMs > endTime)) continue;
      if (facts.starts.some((start) => start.job === name && start.event.seq > since)) continue;
      const last = facts.ends.filter((end) => end.job === name).at(-1);
      if (last !== undefined && last.outcome !== 'succeeded') continue;
      if (stoppedLast(facts, name)) continue;
      // An upstream job that was rerun too must have succeeded again; any other must have succeeded at all.
      // (A success that a later rerun reset does not count: that job waits to run again.)
      const couldRun = job.dependsOn.every((upstream) => {
        const success = standingSuccess(facts, upstream);
        return success !== undefined && (!chosen.has(upstream) || success.seq > since);
      });
      if (!couldRun) continue;
      violations.push({
        invariant: RERUN_RUNS_AGAIN,
        message: named === null || name === named ? `job '${name}' never ran again after it was rerun` : `job '${name}' never ran again after '${named}', upstream of it, was rerun`,
        atMs: event.t - epochMs,
        eventSeq: event.seq,
        pid: event.pid,
      });
    }
  }
  return violations;
}

/** The sequence number of the `dag.command` the rerun carried out (the same runner's last rerun of that job before it), else the rerun's own. */
function commandTaken(trace: readonly TraceEvent[], rerun: TraceEvent): number {
  const named = (rerun.data as { readonly job: string | null }).job;
  let taken = rerun.seq;
  for (const event of trace) {
    if (event.seq >= rerun.seq) break;
    if (event.pid !== rerun.pid || !dagEvents.is(event) || event.kind !== 'dag.command') continue;
    if (event.data.action === 'rerun' && event.data.job === named) taken = event.seq;
  }
  return taken;
}

function inFlight(facts: DagFacts): boolean {
  const ended = new Set(facts.ends.map((end) => end.execution));
  return facts.starts.some((start) => start.event.pid === facts.lastRunnerPid && !ended.has(start.execution));
}

/** Whether the last thing that happened to `name` was being stopped. */
function stoppedLast(facts: DagFacts, name: string): boolean {
  const events = [
    ...facts.stops.filter((stop) => stop.job === name).map((stop) => ({ seq: stop.event.seq, stopped: true })),
    ...facts.restarts.filter((restart) => restart.job === name).map((restart) => ({ seq: restart.event.seq, stopped: false })),
    ...facts.ends.filter((end) => end.job === name).map((end) => ({ seq: end.event.seq, stopped: end.outcome === 'stopped' })),
  ].sort((a, b) => a.seq - b.seq);
  return events.at(-1)?.stopped === true;
}

export const rerunRunsAgain: Checker<RunContext> = {
  name: RERUN_RUNS_AGAIN,
  description: 'a rerun job, and every job downstream of it, runs again (judged when the runner is alive and idle at the end)',
  check: (run) => checkRerunRunsAgain(run.trace, 0, run.derive(dagFactsOf)),
};
