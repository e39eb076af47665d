/**
 * The DAG runner's trace events (`dag-runner.ts`): the pipeline as it was opened, operator commands,
 * each attempt's start and end, blocking, and notifications. What the executions really did is
 * recorded by the executor (`SimJobEvent`, `../job-runner/events.ts`), not here.
 */
import { eventFamily, type EventFamily } from '../../env/events.js';
import type { NotificationKind } from './notifier.js';
import type { ReapOutcome } from './orphans.js';
import type { CommandAction } from './run-log.js';

/** A job of the pipeline as `dag.open` records it (its limits only when it has them). */
export type OpenedJob = {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly startAtMs?: number;
  readonly maxRuntimeMs?: number;
  readonly maxOutputBytes?: number;
  readonly killAfterMs?: number;
  readonly maxData?: number;
  readonly retries: number;
};

/**
 * How an attempt ended: `retrying` when it failed with retries left; `interrupted` when the runner
 * was stopped and ended it (the next runner runs it again).
 */
export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'stopped' | 'interrupted';

export type DagEvent =
  /** `maxParallel` when the pipeline has one; `run` when the runner started a new run. */
  | { readonly kind: 'dag.open'; readonly data: { readonly pipeline: string; readonly jobs: readonly OpenedJob[]; readonly maxParallel?: number; readonly run?: number } }
  /** The run log shows attempt `attempt` running when the previous runner died: it is run again. */
  | { readonly kind: 'dag.job.interrupted'; readonly data: { readonly job: string; readonly attempt: number } }
  /** An operator command; `job` null: every job. */
  | { readonly kind: 'dag.command'; readonly data: { readonly action: CommandAction; readonly job: string | null } }
  | { readonly kind: 'dag.command.unknown-job'; readonly data: { readonly job: string } }
  /** A job that was not running was stopped by an operator (a running one ends with `dag.job.end`). */
  | { readonly kind: 'dag.job.stopped'; readonly data: { readonly job: string } }
  | { readonly kind: 'dag.job.restarted'; readonly data: { readonly job: string } }
  /**
   * A rerun command was carried out: `reset` jobs wait to run again; `afterAttempt` ones were running
   * and run again once that attempt ends. `job` null: every job.
   */
  | { readonly kind: 'dag.rerun'; readonly data: { readonly job: string | null; readonly reset: readonly string[]; readonly afterAttempt: readonly string[] } }
  /** The job waits for a restart because upstream job `by` failed. */
  | { readonly kind: 'dag.job.blocked'; readonly data: { readonly job: string; readonly by: string } }
  | { readonly kind: 'dag.job.unblocked'; readonly data: { readonly job: string } }
  | { readonly kind: 'dag.job.start'; readonly data: { readonly job: string; readonly attempt: number; readonly execution: string } }
  /**
   * `exit` as `describeExit` says it; `execTimeMs` by the runner's clock; `bytes` of output. `rerun`:
   * a rerun came while the attempt ran, and the job's `restarted` row was written with its end (the
   * `dag.job.restarted` that follows is already on record).
   */
  | {
      readonly kind: 'dag.job.end';
      readonly data: {
        readonly job: string;
        readonly attempt: number;
        readonly execution: string;
        readonly outcome: AttemptOutcome;
        readonly exit: string;
        readonly execTimeMs: number;
        readonly bytes: number;
        readonly rerun?: true;
      };
    }
  /**
   * The store took a run-log row from this runner: `status` of `job`'s attempt `attempt`, written
   * under the runner lease `owner` holds with `token` (none: written with no lease at all).
   */
  | { readonly kind: 'dag.row'; readonly data: { readonly job: string; readonly status: string; readonly attempt: number; readonly owner?: string; readonly token?: number } }
  /** A notification was sent; its own `kind` says which. */
  | { readonly kind: 'dag.notify'; readonly data: { readonly kind: NotificationKind; readonly job: string; readonly attempt: number; readonly execution: string } }
  /** The notifier failed (the pipeline carries on). */
  | { readonly kind: 'dag.notify-failed'; readonly data: { readonly kind: NotificationKind; readonly job: string; readonly message: string } }
  /** The run log showed `execution` of `job` running for a runner that is gone: ended before the job runs again. */
  | { readonly kind: 'dag.job.orphan'; readonly data: { readonly job: string; readonly execution: string; readonly runner: string | null; readonly outcome: ReapOutcome } }
  /** Another runner holds the pipeline's lease: this one refuses to run it. */
  | { readonly kind: 'dag.runner.busy'; readonly data: { readonly pipeline: string; readonly holder: string | null } }
  /** The lease's holder `from` was known to be dead: its lease was ended at once rather than left to lapse. */
  | { readonly kind: 'dag.runner.took-over'; readonly data: { readonly pipeline: string; readonly from: string } }
  /** The runner was asked to stop (SIGTERM, SIGINT): it takes no more work and ends its running jobs. */
  | { readonly kind: 'dag.runner.stopping'; readonly data: { readonly running: readonly string[] } }
  /** The runner stopped; `unfinished`: jobs whose attempt had not ended within the stop timeout. */
  | { readonly kind: 'dag.runner.stopped'; readonly data: { readonly unfinished: readonly string[] } }
  /** The runner lost its lease (paused past it, or the store said no): it ended its jobs and wrote nothing more. */
  | { readonly kind: 'dag.runner.lease-lost'; readonly data: { readonly reason: string } }
  /** The pipeline is run on its `schedule` (`scheduled-runs.ts`). */
  | { readonly kind: 'dag.schedule.start'; readonly data: { readonly pipeline: string; readonly schedule: string } }
  /** The scheduler waits for the tick at `tickMs`. */
  | { readonly kind: 'dag.schedule.wait'; readonly data: { readonly tickMs: number } }
  /** The tick at `tickMs` came: a new run starts for it. */
  | { readonly kind: 'dag.schedule.fire'; readonly data: { readonly tickMs: number } }
  /** The run for the tick at `tickMs` is over. */
  | { readonly kind: 'dag.schedule.ran'; readonly data: { readonly tickMs: number } };

export const dagEvents: EventFamily<DagEvent> = eventFamily<DagEvent>({
  'dag.open': true,
  'dag.job.interrupted': true,
  'dag.command': true,
  'dag.command.unknown-job': true,
  'dag.job.stopped': true,
  'dag.job.restarted': true,
  'dag.rerun': true,
  'dag.job.blocked': true,
  'dag.job.unblocked': true,
  'dag.job.start': true,
  'dag.job.end': true,
  'dag.row': true,
  'dag.notify': true,
  'dag.notify-failed': true,
  'dag.job.orphan': true,
  'dag.runner.busy': true,
  'dag.runner.took-over': true,
  'dag.runner.stopping': true,
  'dag.runner.stopped': true,
  'dag.runner.lease-lost': true,
  'dag.schedule.start': true,
  'dag.schedule.wait': true,
  'dag.schedule.fire': true,
  'dag.schedule.ran': true,
});

/** Records a DAG event through `env.log`. */
export const emitDag: EventFamily<DagEvent>['emit'] = dagEvents.emit;
