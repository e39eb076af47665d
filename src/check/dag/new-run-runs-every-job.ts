/**
 * A new run runs every job again: between a scheduled run's start (`dag.schedule.fire`) and its end
 * (`dag.schedule.ran`, the same process), every job of the pipeline started, unless a job upstream
 * of it failed in that run (it is blocked); and each run has a run id above the one before. Runs cut
 * short (the runner crashed, or lost its lease and gave the run up) are not judged.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagEvents } from '../../systems/dag/events.js';
import { dagFacts, dagFactsOf, downstreamClosure, type DagFacts } from './dag-trace.js';
import { scheduleFacts, scheduleFactsOf, type ScheduleFacts } from './schedule-trace.js';
import type { Checker, RunContext } from '../checker.js';

const NEW_RUN_RUNS_EVERY_JOB = 'new-run-runs-every-job';

export function checkNewRunRunsEveryJob(trace: readonly TraceEvent[], epochMs = 0, facts: DagFacts = dagFacts(trace), schedule: ScheduleFacts = scheduleFacts(trace)): Violation[] {
  const violations: Violation[] = [];
  // Run ids, in the order the runners opened them.
  let lastRun = 0;
  for (const event of dagEvents.of(trace)) {
    if (event.kind !== 'dag.open' || event.data.run === undefined) continue;
    if (event.data.run <= lastRun) {
      violations.push({ invariant: NEW_RUN_RUNS_EVERY_JOB, message: `a new run was opened as run ${event.data.run}, after run ${lastRun}`, atMs: event.t - epochMs, eventSeq: event.seq, pid: event.pid });
    }
    lastRun = Math.max(lastRun, event.data.run);
  }
  const leaseLosses = dagEvents.of(trace).filter((event) => event.kind === 'dag.runner.lease-lost') as TraceEvent[];
  const open = new Map<string, TraceEvent>();
  for (const step of schedule.steps) {
    if (step.kind === 'fire') open.set(step.event.pid, step.event);
    if (step.kind !== 'ran') continue;
    const fire = open.get(step.event.pid);
    open.delete(step.event.pid);
    if (fire === undefined) continue;
    const within = (event: TraceEvent): boolean => event.seq > fire.seq && event.seq < step.event.seq;
    if (leaseLosses.some((loss) => loss.pid === fire.pid && within(loss))) continue;
    const blocked = new Set<string>();
    for (const end of facts.ends) if (within(end.event) && end.outcome === 'failed') for (const name of downstreamClosure(facts.jobs, end.job)) blocked.add(name);
    for (const job of facts.jobs) {
      if (blocked.has(job.name) || facts.starts.some((start) => start.job === job.name && within(start.event))) continue;
      violations.push({
        invariant: NEW_RUN_RUNS_EVERY_JOB,
        message: `the run for the tick at ${new Date(step.tickMs).toISOString()} ended without running job '${job.name}'`,
        atMs: step.event.t - epochMs,
        eventSeq: step.event.seq,
        pid: step.event.pid,
      });
    }
  }
  return violations;
}

export const newRunRunsEveryJob: Checker<RunContext> = {
  name: NEW_RUN_RUNS_EVERY_JOB,
  description: 'each new run (a scheduled one) runs every job not blocked by a failure in it, under a higher run id',
  check: (run) => checkNewRunRunsEveryJob(run.trace, 0, run.derive(dagFactsOf), run.derive(scheduleFactsOf)),
};
