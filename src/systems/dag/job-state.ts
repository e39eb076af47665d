/**
 * A job's state, as the runner holds it and as the run log implies it. The newest row per job in the
 * store decides where a (re)started runner picks each job up; `simrun dag status` shows the same view
 * without a runner.
 */
import { topologicalOrder, type Pipeline } from './pipeline.js';
import { latestByJob, type RunLogEntry } from './run-log.js';

/**
 * - `waiting`: for its upstream jobs or its start time;
 * - `blocked`: an upstream job failed for good (or is itself blocked): it waits for a restart there;
 * - `running`, `succeeded`;
 * - `failed`: its last attempt failed with no retries left;
 * - `stopped`: an operator stopped it.
 */
export type JobPhase = 'waiting' | 'blocked' | 'running' | 'succeeded' | 'failed' | 'stopped';

export interface ResumedJob {
  readonly phase: JobPhase;
  /** Attempts already made since the job's last (re)start. */
  readonly attempt: number;
  /** Its last attempt was cut short by the end of the runner that ran it. */
  readonly interrupted: boolean;
  /**
   * The execution of an attempt whose runner died without recording its end (the newest row is its
   * `running` row, or the `stopped` row an operator's stop wrote while it ran): it may still be
   * running (a process group outlives its parent), so it is ended before the job runs again.
   */
  readonly orphan?: { readonly execution: string; readonly runner: string | undefined };
}

/** Where each job of `pipeline` stands according to the run log. */
export function resumeFromLog(pipeline: Pipeline, entries: readonly RunLogEntry[]): Map<string, ResumedJob> {
  const latest = latestByJob(entries);
  const resumed = new Map<string, ResumedJob>();
  for (const job of pipeline.jobs) {
    const entry = latest.get(job.name);
    resumed.set(job.name, entry === undefined ? { phase: 'waiting', attempt: 0, interrupted: false } : fromEntry(entry));
  }
  return resumed;
}

function fromEntry(entry: RunLogEntry): ResumedJob {
  switch (entry.status) {
    case 'running':
      // The attempt never reported an end: whoever ran it is gone, so it runs again as the same attempt.
      return {
        phase: 'waiting',
        attempt: entry.attempt - 1,
        interrupted: true,
        ...(entry.execution === undefined ? {} : { orphan: { execution: entry.execution, runner: entry.runner } }),
      };
    case 'interrupted':
      // Its runner was stopped and ended the attempt: it runs again as the same attempt.
      return { phase: 'waiting', attempt: entry.attempt - 1, interrupted: true };
    case 'retrying':
      return { phase: 'waiting', attempt: entry.attempt, interrupted: false };
    case 'restarted':
      return { phase: 'waiting', attempt: 0, interrupted: false };
    case 'stopped':
      // Stopped while its attempt ran (the row names the execution): that attempt may not have ended yet.
      return {
        phase: 'stopped',
        attempt: entry.attempt,
        interrupted: false,
        ...(entry.execution === undefined ? {} : { orphan: { execution: entry.execution, runner: entry.runner } }),
      };
    case 'succeeded':
    case 'failed':
      return { phase: entry.status, attempt: entry.attempt, interrupted: false };
  }
}

/** Phases with `blocked` filled in: a waiting job is blocked when an upstream job failed or is blocked. */
export function withBlocked(pipeline: Pipeline, phases: ReadonlyMap<string, JobPhase>): Map<string, JobPhase> {
  const result = new Map(phases);
  for (const job of topologicalOrder(pipeline)) {
    if (result.get(job.name) !== 'waiting') continue;
    if (job.dependsOn.some((upstream) => result.get(upstream) === 'failed' || result.get(upstream) === 'blocked')) result.set(job.name, 'blocked');
  }
  return result;
}
