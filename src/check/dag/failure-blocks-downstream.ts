/**
 * Failure blocking, judged on its own: once a job has failed for good, the runner marks every job
 * downstream of it that was still waiting `blocked` (`dag.job.blocked`), naming an upstream job
 * that failed for good or is blocked itself, and a blocked job never starts until it is unblocked.
 *
 * The upstream-success gate (a job starts only once all its upstream jobs succeeded) keeps the
 * outcome right without blocking, so the outcome invariants (`upstream-succeeded-first`,
 * `nothing-downstream-of-failure`) pass on a runner that never blocks; only this one sees it. What
 * the blocked mark is for: `dag status` and the run's result tell a job that waits for its upstream
 * jobs from one that cannot run until someone restarts a failure.
 *
 * When the mark is owed. The runner blocks in the scheduling pass that follows every change (an
 * attempt's end, a restart, a rerun), in the same instant, so the trace must be settled whenever the
 * runner moves on to a later instant: no job waiting while one of its upstream jobs has failed for
 * good or is blocked. Blocking goes through waiting and blocked jobs only: a stopped job in between
 * stops it, as in the runner. A runner that began to stop or lost its lease schedules nothing more
 * and is not judged from then on. A runner that starts rebuilds its jobs from the run log, where
 * blocking is not written: its blocked jobs come back waiting, and its first pass marks them again;
 * it is judged from then on, not while it is still taking its lease (seed 4847: a failure during
 * the last runner's stop, which blocks nothing, then that runner killed, and the next one's lease
 * calls spanning an instant before it had read anything).
 *
 * A runner has a job failed the moment its attempt ends, before the end is written: another job's
 * scheduling pass in between may block on it while the trace still shows it running. Such a mark is
 * judged when that end comes (it must be a failure), and a restart taken in between makes the end
 * change nothing. An end that is never written (the store refused it because the lease had lapsed
 * in a pause, or the runner crashed) leaves its marks unjudged: the runner that opens the run log
 * next finds the job still running, ends it as interrupted and runs it again, and whatever that
 * attempt does says nothing about the marks made on the lost one. Likewise a restart whose row was
 * never written (the runner died while writing it): the next runner finds the job as it was before.
 */
import { processEvents } from '../../sim/events.js';
import { processName } from '../../sim/process-id.js';
import type { TraceEvent } from '../../sim/trace.js';
import { dagEvents } from '../../systems/dag/events.js';
import type { Checker, RunContext } from '../checker.js';
import type { Violation } from '../violation.js';
import { DAG_RUNNER, type DagJobFacts } from './dag-trace.js';

const FAILURE_BLOCKS_DOWNSTREAM = 'failure-blocks-downstream';

/** A job's phase as the trace tells it. */
type Phase = 'waiting' | 'running' | 'succeeded' | 'failed' | 'blocked' | 'stopped';

/** The jobs in an order where every job comes after its upstream jobs. */
function upstreamFirst(jobs: readonly DagJobFacts[]): DagJobFacts[] {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const ordered: DagJobFacts[] = [];
  const seen = new Set<string>();
  const visit = (job: DagJobFacts): void => {
    if (seen.has(job.name)) return;
    seen.add(job.name);
    for (const upstream of job.dependsOn) {
      const definition = byName.get(upstream);
      if (definition !== undefined) visit(definition);
    }
    ordered.push(job);
  };
  for (const job of jobs) visit(job);
  return ordered;
}

export function checkFailureBlocksDownstream(trace: readonly TraceEvent[], epochMs = 0, runnerName = DAG_RUNNER): Violation[] {
  const violations: Violation[] = [];
  let jobs: readonly DagJobFacts[] = [];
  const phases = new Map<string, Phase>();
  /** Jobs restarted while their attempt was still ending: that end changes nothing. */
  const restartedWhileEnding = new Set<string>();
  /** Marks naming an upstream job whose end is not written yet, by that job. */
  const namingRunning = new Map<string, TraceEvent[]>();
  /** Runner incarnations that began to stop or lost their lease: they schedule nothing more. */
  const winding = new Set<string>();
  /**
   * Runner incarnations that have opened the run log: one still taking its lease (or waiting for it)
   * has not read the jobs' state, and owes no marks until it has.
   */
  const opened = new Set<string>();
  /**
   * Jobs restarted whose `restarted` row is not written yet, with their phase before: a runner that
   * dies first never wrote it, and the next runner finds the job as the run log left it.
   */
  const unwrittenRestarts = new Map<string, Phase>();
  /** Jobs whose attempt's end, just traced, was written with a `restarted` row (`rerun`). */
  const restartedWithEnd = new Set<string>();
  /** Waiting jobs already reported as owed a mark, until they leave waiting. */
  const reported = new Set<string>();
  /** The runner's latest instant, and which incarnation it was. */
  let instant: { readonly pid: string; readonly t: number } | undefined;
  const phaseOf = (job: string): Phase => phases.get(job) ?? 'waiting';
  const setPhase = (job: string, phase: Phase): void => {
    phases.set(job, phase);
    if (phase !== 'waiting') reported.delete(job);
  };
  const blocking = (job: string): boolean => phaseOf(job) === 'failed' || phaseOf(job) === 'blocked';
  const push = (event: TraceEvent, operation: string, message: string): void => {
    violations.push({ invariant: FAILURE_BLOCKS_DOWNSTREAM, operation, message, atMs: event.t - epochMs, eventSeq: event.seq, pid: event.pid });
  };

  /** The runner moved past an instant: every waiting job with a failed or blocked upstream job should have been marked in it. */
  const judgeSettled = (at: TraceEvent): void => {
    for (const job of jobs) {
      if (phaseOf(job.name) !== 'waiting' || reported.has(job.name)) continue;
      const blocker = job.dependsOn.find(blocking);
      if (blocker === undefined) continue;
      reported.add(job.name);
      push(
        at,
        'failure left downstream unblocked',
        `job '${job.name}' was never marked blocked although '${blocker}', upstream of it, ${phaseOf(blocker) === 'failed' ? 'had failed for good' : 'was blocked'} (it stayed waiting)`,
      );
    }
  };

  for (const event of trace) {
    const byRunner = processName(event.pid) === runnerName;
    if (byRunner && instant !== undefined && instant.pid === event.pid && event.t > instant.t && opened.has(event.pid) && !winding.has(event.pid)) judgeSettled(event);
    if (byRunner) instant = { pid: event.pid, t: event.t };
    if (processEvents.is(event) || !dagEvents.is(event)) continue;
    switch (event.kind) {
      case 'dag.open':
        if (jobs.length === 0) jobs = upstreamFirst(event.data.jobs);
        opened.add(event.pid);
        // The runner's state is rebuilt from the run log: marks made on an end that never reached
        // the log (refused when the lease lapsed, or lost in a crash) went with the state they were
        // made in, and a runner that re-took its lease schedules again, judged as a new one is.
        namingRunning.clear();
        restartedWhileEnding.clear();
        winding.delete(event.pid);
        for (const [job, before] of unwrittenRestarts) setPhase(job, before);
        unwrittenRestarts.clear();
        if (event.data.run !== undefined) {
          // A new run starts every job afresh.
          phases.clear();
          reported.clear();
        } else {
          // Rebuilt from the run log, where blocking is not written: a blocked job comes back waiting,
          // and the new runner's first scheduling pass blocks it again if its upstream job is still failed.
          for (const job of jobs) if (phaseOf(job.name) === 'blocked') setPhase(job.name, 'waiting');
        }
        break;
      case 'dag.runner.stopping':
      case 'dag.runner.lease-lost':
        winding.add(event.pid);
        break;
      case 'dag.job.start': {
        const { job } = event.data;
        const definition = jobs.find((candidate) => candidate.name === job);
        const blocker = definition?.dependsOn.find(blocking);
        if (phaseOf(job) === 'blocked') push(event, 'start of a blocked job', `job '${job}' (attempt ${event.data.attempt}) started while it was blocked, before it was unblocked`);
        else if (blocker !== undefined) {
          push(event, 'start downstream of a failure', `job '${job}' (attempt ${event.data.attempt}) started while '${blocker}', upstream of it, ${phaseOf(blocker) === 'failed' ? 'had failed for good' : 'was blocked'}, without being marked blocked`);
        }
        setPhase(job, 'running');
        break;
      }
      case 'dag.job.end': {
        const { job, outcome } = event.data;
        const marks = namingRunning.get(job) ?? [];
        namingRunning.delete(job);
        // Restarted before this end was written: the runner had the job failed, and waiting again since.
        if (restartedWhileEnding.delete(job)) break;
        if (outcome !== 'failed') {
          for (const mark of marks) {
            const data = mark.data as { job: string; by: string };
            push(mark, 'block naming no failure', `job '${data.job}' was marked blocked by '${data.by}', whose attempt then ended ${outcome}, not failed for good`);
          }
        }
        setPhase(job, outcome === 'retrying' || outcome === 'interrupted' ? 'waiting' : outcome);
        if (event.data.rerun === true) restartedWithEnd.add(job);
        break;
      }
      case 'dag.job.blocked': {
        const { job, by } = event.data;
        const upstreams = jobs.find((candidate) => candidate.name === job)?.dependsOn ?? [];
        if (!upstreams.includes(by)) push(event, 'block naming no failure', `job '${job}' was marked blocked by '${by}', which is not one of its upstream jobs`);
        else if (phaseOf(by) === 'running') namingRunning.set(by, [...(namingRunning.get(by) ?? []), event]);
        else if (!blocking(by)) push(event, 'block naming no failure', `job '${job}' was marked blocked by '${by}', which had not failed for good nor was blocked (it was ${phaseOf(by)})`);
        setPhase(job, 'blocked');
        break;
      }
      case 'dag.job.unblocked':
      case 'dag.job.interrupted':
        setPhase(event.data.job, 'waiting');
        break;
      case 'dag.job.stopped':
        setPhase(event.data.job, 'stopped');
        break;
      case 'dag.row':
        if (event.data.status === 'restarted') unwrittenRestarts.delete(event.data.job);
        break;
      case 'dag.job.restarted': {
        const { job } = event.data;
        // A rerun that waited for the job's attempt wrote its row with that end: already on record.
        if (!restartedWithEnd.delete(job) && !unwrittenRestarts.has(job)) unwrittenRestarts.set(job, phaseOf(job));
        if (phaseOf(job) === 'running') {
          restartedWhileEnding.add(job);
          namingRunning.delete(job);
        }
        setPhase(job, 'waiting');
        break;
      }
      default:
        break;
    }
  }
  // The trace ends: the runner's last instant is over if anything came after it.
  const last = trace.at(-1);
  if (last !== undefined && instant !== undefined && last.t > instant.t && !winding.has(instant.pid)) judgeSettled(last);
  return violations;
}

export const failureBlocksDownstream: Checker<RunContext> = {
  name: FAILURE_BLOCKS_DOWNSTREAM,
  description: 'every job still waiting downstream of a job that failed for good is marked blocked, naming a failed or blocked upstream job, and a blocked job never starts until unblocked',
  check: (run) => checkFailureBlocksDownstream(run.trace),
};
