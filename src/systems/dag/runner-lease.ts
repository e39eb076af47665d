/**
 * One runner per pipeline per store. A runner takes the pipeline's lease in the store's own
 * database (`store.runnerLock`, a lock backend from `src/locks`, key `dag-runner:PIPELINE`) before it
 * reads the run log, keeps it renewed while it runs, and gives it back when it stops. Every row it
 * writes is fenced by that lease (`DagStore.append`), so a runner that lost it (paused longer than
 * the lease, then woken) can never write over the runner that took the pipeline over, and never
 * launches a job after that.
 *
 * A second runner refuses at once (`DagRunnerBusyError`, exit 2 in the CLI) or, with `wait`, waits
 * until the lease is free: given back by a runner that stopped, or lapsed `leaseTtlMs` after its
 * runner died, or ended at once when the holder is known to be dead (`holderIsDead`: a process of
 * this machine that no longer runs). Two pipelines in one store have two leases and may run at the same time.
 */
import { InputError } from '../../env/errors.js';
import { LockTimeoutError } from '../../locks/errors.js';
import { backoffDelayMs } from '../../locks/backoff.js';
import { withLock } from '../../locks/with-lock.js';
import { CORRECT_DAG_RULES, DagRunner, type DagRunnerOptions, type JobView, type RunOptions } from './dag-runner.js';
import { emitDag } from './events.js';

/** Another runner holds the pipeline. */
export class DagRunnerBusyError extends InputError {
  override readonly name = 'DagRunnerBusyError';
  constructor(
    readonly pipeline: string,
    readonly store: string,
    /** The holder's owner id, and when its lease lapses unless renewed (ms by the store's clock). */
    readonly holder: { readonly owner: string; readonly expiresAtMs: number } | undefined,
  ) {
    super(`pipeline '${pipeline}' is already being run by ${holder?.owner ?? 'another runner'} (store ${store})`);
  }
}

export interface ExclusiveRunOptions extends Omit<DagRunnerOptions, 'fence'>, RunOptions {
  /** Lease length, ms: how long after a runner dies another may take the pipeline (default 10 000). */
  readonly leaseTtlMs?: number;
  /** Wait for the lease instead of refusing when another runner holds it. */
  readonly wait?: boolean;
  /**
   * Whether the lease's holder is certainly dead (a process of this machine that no longer runs):
   * its lease is then ended at once instead of left to lapse. When unsure, false: waiting is safe.
   */
  readonly holderIsDead?: (owner: string) => boolean;
}

/** The lease key of `pipeline` in its store. */
export function runnerLeaseKey(pipeline: string): string {
  return `dag-runner:${pipeline}`;
}

/**
 * Opens and runs the pipeline while holding its lease; resolves with the jobs' state once the run
 * ends (settled, or stopped). Rejects with `DagRunnerBusyError` when another runner holds the
 * pipeline (and `wait` is not set), and with `DagLeaseLostError` when the lease was lost mid-run.
 */
export async function runExclusively(options: ExclusiveRunOptions): Promise<JobView[]> {
  const { env, store, pipeline } = options;
  const rules = { ...CORRECT_DAG_RULES, ...options.flaws };
  const owner = options.owner ?? env.id;
  const runOptions = (leaseLost?: AbortSignal): RunOptions => ({
    ...(options.follow === undefined ? {} : { follow: options.follow }),
    ...(options.stop === undefined ? {} : { stop: options.stop }),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
    ...(leaseLost === undefined ? {} : { leaseLost }),
  });
  if (!rules.takesRunnerLease()) {
    const runner = await DagRunner.open({ ...options, owner });
    return runner.run(runOptions());
  }
  const key = runnerLeaseKey(pipeline.name);
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await withLock(
        store.runnerLock,
        key,
        owner,
        async (leaseLost, lease) => {
          const runner = await DagRunner.open({ ...options, owner, fence: { key, owner, token: lease.token } });
          return runner.run(runOptions(leaseLost));
        },
        // One try: waiting is done here, where a stop can end it.
        { env, ttlMs: options.leaseTtlMs ?? 10_000, acquireTimeoutMs: 0 },
      );
    } catch (error) {
      if (!(error instanceof LockTimeoutError)) throw error;
    }
    const holder = await store.leaseHolder(key);
    if (holder !== undefined && options.holderIsDead?.(holder.owner) && (await store.breakLease(key, holder.owner))) {
      emitDag(env, { kind: 'dag.runner.took-over', data: { pipeline: pipeline.name, from: holder.owner } });
      continue;
    }
    if (!options.wait) {
      emitDag(env, { kind: 'dag.runner.busy', data: { pipeline: pipeline.name, holder: holder?.owner ?? null } });
      throw new DagRunnerBusyError(pipeline.name, store.description, holder);
    }
    const stopped = await env.sleep(Math.ceil(backoffDelayMs(attempt, WAIT_BACKOFF, () => env.random())), options.stop).then(
      () => false,
      () => true,
    );
    // Stopped before the pipeline was ours: nothing ran.
    if (stopped) return [];
  }
}

/** Between two tries for a lease held by another runner. */
const WAIT_BACKOFF = { minMs: 100, maxMs: 1_000 };
