/**
 * The job runner's trace events: the runner's own (`job-runner.ts`), the simulated executor's record
 * of what each execution really did (`sim-executor.ts`), and a client's record of what it started
 * and read (the scenario's clients), so a checker can compare what was printed with what was read.
 */
import { eventFamily, type EventFamily } from '../../env/events.js';
import type { JobState } from './lifecycle.js';

export type JobRunnerEvent =
  | { readonly kind: 'job-runner.open'; readonly data: { readonly concurrencyLimit: number } }
  /** `startAtMs`: the runner-clock instant before which it must not start, when scheduled. */
  | { readonly kind: 'job.queued'; readonly data: { readonly job: string; readonly command: string; readonly owner?: string; readonly startAtMs?: number } }
  /** A scheduled job's start time has come, as the runner decided it (`clockMs`: its clock then); it now waits for a slot. */
  | { readonly kind: 'job.due'; readonly data: { readonly job: string; readonly clockMs: number } }
  | { readonly kind: 'job.stop-requested'; readonly data: { readonly job: string; readonly state: JobState } }
  /** The job's execution started as `execution`. */
  | { readonly kind: 'job.execution'; readonly data: { readonly job: string; readonly execution: string } }
  /** `clockMs`: the runner's clock; `exit`: how an ended execution ended, for the end states. */
  | { readonly kind: 'job.transition'; readonly data: { readonly job: string; readonly from: JobState; readonly to: JobState; readonly clockMs: number; readonly exit?: string } }
  /** A runner opened on a store found the job unfinished in `was`; `now` is what it made of it. */
  | { readonly kind: 'job.recovered'; readonly data: { readonly job: string; readonly was: JobState; readonly now: JobState } }
  /** The job, ended, left the runner's memory after its retention period; the store answers for it. */
  | { readonly kind: 'job.forgotten'; readonly data: { readonly job: string } }
  /** `caller` asked to see (`status`, `output`) or `stop` a job: `granted` or refused (`access.ts`). */
  | { readonly kind: 'job.access'; readonly data: { readonly caller: string; readonly action: 'status' | 'stop' | 'output'; readonly job: string; readonly granted: boolean } }
  /** The records of ended jobs `jobs` were deleted from the store: they ended before `cutoffMs` (runner clock; `clockMs` now). */
  | { readonly kind: 'job.pruned'; readonly data: { readonly jobs: readonly string[]; readonly cutoffMs: number; readonly clockMs: number } }
  /** A runner opening found output files of `jobs`, which the store no longer has, and deleted them. */
  | { readonly kind: 'job.orphan-output'; readonly data: { readonly jobs: readonly string[] } }
  /** The output files of `job` could not be deleted (pruned, or an orphan): they stay until a runner opening deletes them. */
  | { readonly kind: 'job.output-not-deleted'; readonly data: { readonly job: string; readonly error: string } }
  /** `caller` listed the jobs and was shown `jobs`. */
  | { readonly kind: 'job.listed'; readonly data: { readonly caller: string; readonly jobs: readonly string[] } };

export type SimJobEvent =
  | { readonly kind: 'sim-job.start'; readonly data: { readonly execution: string; readonly command: string } }
  /** The execution's `seq`-th chunk (from 0), `bytes` long, on stdout unless `stream` says stderr; `reported`: the data amount it reported in it. */
  | { readonly kind: 'sim-job.output'; readonly data: { readonly execution: string; readonly seq: number; readonly bytes: number; readonly stream?: 'stderr'; readonly reported?: number } }
  /**
   * How it ended (`code`, or the `signal` that ended it) and how much it printed in all;
   * `leftRunning`: its shell exited while a child it started still ran (the child was ended).
   */
  | { readonly kind: 'sim-job.exit'; readonly data: { readonly execution: string; readonly code: number | null; readonly signal: string | null; readonly bytes: number; readonly leftRunning?: true } }
  /**
   * A held execution (`ExecutionRequest.held`) ended before its release, so its command never ran:
   * it was killed (`SIGTERM`, `SIGKILL`) or its starter died (`starter-ended`, end of input on its pipe).
   */
  | { readonly kind: 'sim-job.never-ran'; readonly data: { readonly execution: string; readonly command: string; readonly why: 'SIGTERM' | 'SIGKILL' | 'starter-ended' } };

export type JobClientEvent =
  | { readonly kind: 'client.started'; readonly data: { readonly job: string } }
  /**
   * What the client read of a job's output: `whole` (`output(id).text(view)` after the end) or
   * `stream`; `view`: stdout or stderr alone (absent: both, merged as printed).
   */
  | { readonly kind: 'client.output'; readonly data: { readonly job: string; readonly how: 'whole' | 'stream'; readonly text: string; readonly view?: 'stdout' | 'stderr' } };

export const jobRunnerEvents: EventFamily<JobRunnerEvent> = eventFamily<JobRunnerEvent>({
  'job-runner.open': true,
  'job.queued': true,
  'job.due': true,
  'job.stop-requested': true,
  'job.execution': true,
  'job.transition': true,
  'job.recovered': true,
  'job.forgotten': true,
  'job.access': true,
  'job.pruned': true,
  'job.listed': true,
  'job.orphan-output': true,
  'job.output-not-deleted': true,
});

export const simJobEvents: EventFamily<SimJobEvent> = eventFamily<SimJobEvent>({
  'sim-job.start': true,
  'sim-job.output': true,
  'sim-job.exit': true,
  'sim-job.never-ran': true,
});

export const jobClientEvents: EventFamily<JobClientEvent> = eventFamily<JobClientEvent>({
  'client.started': true,
  'client.output': true,
});
