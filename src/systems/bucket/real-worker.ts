/**
 * A bucket worker for real: the same `runBucketWorker` the simulation runs, on Node's clock and
 * disk, with a lock shared between processes (a file lock in the bucket, SQLite or PostgreSQL) and
 * the on-disk fence in `DIR/fence`.
 */
import type { Env } from '../../env/env.js';
import { realEnv } from '../../env/real-env.js';
import { openLock, parseLockSpec } from '../../locks/lock-spec.js';
import { BucketInputError } from './errors.js';
import { directoryFence } from './fence.js';
import { requireDirectory } from './real-provider.js';
import { runBucketWorker } from './worker.js';

export interface RealWorkerOptions {
  /** The bucket directory; it must exist. */
  readonly dir: string;
  /** `file` (locks in `DIR/locks`), `file:DIR`, `sqlite:PATH` or `postgres://...`. */
  readonly lock: string;
  readonly secondsInMin: number;
  /** Default 5 000 ms. */
  readonly pollMs?: number;
  /** Default 30 000 ms. */
  readonly leaseTtlMs?: number;
  /** Accept files without an end marker once their size held still this long (see `input-format.ts`). */
  readonly settleMs?: number;
  /** Stops the worker; it finishes nothing half way, it just stops at its next await. */
  readonly signal?: AbortSignal;
  /** Defaults to `realEnv('worker-<pid>')`. */
  readonly env?: Env;
}

/** Runs until `signal` aborts. */
export async function runWorker(options: RealWorkerOptions): Promise<void> {
  const env = options.env ?? realEnv(`worker-${process.pid}`);
  await requireDirectory(env, options.dir);
  if (!(options.secondsInMin > 0)) throw new BucketInputError(`--seconds-in-min must be a positive number, got ${options.secondsInMin}`);
  const spec = options.lock === 'file' ? `file:${options.dir}/locks` : options.lock;
  if (parseLockSpec(spec).kind === 'memory') throw new BucketInputError('a memory lock lives inside one process and cannot keep two workers apart: use file, sqlite:PATH or postgres://...');
  const lock = await openLock(spec, env);
  try {
    await runBucketWorker(env, {
      dir: options.dir,
      lock,
      fence: directoryFence(env.fs, `${options.dir}/fence`),
      secondsInMin: options.secondsInMin,
      pollMs: options.pollMs ?? 5_000,
      leaseTtlMs: options.leaseTtlMs ?? 30_000,
      ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } finally {
    await lock.close?.();
  }
}
