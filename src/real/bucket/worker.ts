/**
 * A bucket worker for real: the same `runBucketWorker` the simulation runs, on Node's clock and
 * disk, with a lock shared between processes (a file lock in the bucket, SQLite or PostgreSQL) and
 * the on-disk fence in `DIR/fence`.
 */
import type { Env } from '../../env/env.js';
import { realEnv } from '../../env/real-env.js';
import { InputError } from '../../env/errors.js';
import { bucketEvents } from '../../systems/bucket/events.js';
import { directoryFence } from '../../systems/bucket/fence.js';
import { BUCKET_MUTANTS, isBucketMutant, neverExpiringLock, refusalIgnoringLock, workerFlawsOf } from '../../systems/bucket/mutants.js';
import { runBucketWorker } from '../../systems/bucket/worker.js';
import { tracedLock } from '../../locks/traced-lock.js';
import type { LockBackend } from '../../locks/lock.js';
import { requireDirectory } from '../common/files.js';
import { openSharedLock } from '../common/shared-lock.js';
import { untilInterrupted } from '../common/signals.js';
import { withNoFollowReads } from './no-follow-reads.js';
import { parseSecondsInMin } from './speed.js';

export interface RealWorkerOptions {
  /** The bucket directory; it must exist. */
  readonly dir: string;
  /** `file` (locks in `DIR/locks`), `file:DIR`, `sqlite:PATH` or `postgres://...`. */
  readonly lock: string;
  /** Real seconds per minute of processing time, as typed: a positive number. */
  readonly secondsInMin: number | string;
  /** Default 5 000 ms. */
  readonly pollMs?: number;
  /** Default 30 000 ms. */
  readonly leaseTtlMs?: number;
  /** A file without an end marker is whole once its size and mtime held still this long (see `input-format.ts`); default 10 s. */
  readonly settleMs?: number;
  /** Stops the worker at its next await; a file under processing is left whole, its lease released. */
  readonly signal?: AbortSignal;
  /** Defaults to `realEnv('worker-<pid>')`; its reads are made no-follow, regular files only. */
  readonly env?: Env;
  /** A deliberately broken worker (`BUCKET_MUTANTS`), for `simrun real bucket --mutant`. */
  readonly mutant?: string;
}

/** Runs until `signal` aborts. */
export async function runWorker(options: RealWorkerOptions): Promise<void> {
  const env = withNoFollowReads(options.env ?? realEnv(`worker-${process.pid}`));
  if (!(await waitForDirectory(env, options.dir, options.pollMs ?? 5_000, options.signal))) return;
  const secondsInMin = parseSecondsInMin(options.secondsInMin);
  const spec = options.lock === 'file' ? `file:${options.dir}/locks` : options.lock;
  const mutant = options.mutant;
  if (mutant !== undefined && !isBucketMutant(mutant)) throw new InputError(`--mutant: unknown bucket mutant '${mutant}' (known: ${Object.keys(BUCKET_MUTANTS).join(', ')})`);
  const lock = await openSharedLock({ spec, sharedBy: 'workers' }, env);
  // The store's answers go into the log (`lease.*`), as the simulated worker's do, so a real run is
  // judged by the claim's own invariant too (`refused-claim-not-worked`). One machine, one clock:
  // the worker's is the one the store judges expiry by.
  const traced = tracedLock(lock, env, () => env.now());
  try {
    await runBucketWorker(env, {
      dir: options.dir,
      lock: mutantLock(mutant, traced),
      // Each verdict of the fence is traced as the simulated resource's would be, so the
      // mutual-exclusion checker reads a real run's fence log too.
      fence: directoryFence(env.fs, `${options.dir}/fence`, {
        now: () => env.now(),
        report: (operation) => bucketEvents.emit(env, { kind: 'bucket.fence', data: operation }),
        admitAll: mutant === 'no-fencing',
      }),
      flaws: workerFlawsOf(mutant),
      secondsInMin,
      pollMs: options.pollMs ?? 5_000,
      leaseTtlMs: options.leaseTtlMs ?? 30_000,
      ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } finally {
    await lock.close?.();
  }
}

/** The lock a mutant works with: around the traced store, so the trace keeps the store's real answers. */
function mutantLock(mutant: string | undefined, lock: LockBackend): LockBackend {
  if (mutant === 'no-takeover') return neverExpiringLock(lock);
  if (mutant === 'work-on-refused-claim') return refusalIgnoringLock(lock);
  return lock;
}

/**
 * Waits until `dir` exists, looking every `pollMs`: a worker may start before the provider made the
 * bucket, as a worker started before the first drop waits for files. A path that exists but is no
 * directory is refused at once. Resolves `false` when `signal` stopped the wait.
 */
async function waitForDirectory(env: Env, dir: string, pollMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  for (let told = false; ; told = true) {
    try {
      await requireDirectory(dir, '--dir');
      return true;
    } catch (error) {
      if (!(error instanceof InputError) || !/does not exist/.test(error.message)) throw error;
    }
    if (!told) env.log('bucket.waiting-for-directory', { dir });
    try {
      await env.sleep(pollMs, signal);
    } catch {
      return false;
    }
    if (signal?.aborted === true) return false;
  }
}

/** A worker for the command line: runs until SIGINT or SIGTERM. */
export function runWorkerUntilInterrupted(options: Omit<RealWorkerOptions, 'signal'>): Promise<void> {
  return untilInterrupted((signal) => runWorker({ ...options, signal }));
}
