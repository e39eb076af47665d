/**
 * `simrun real bucket`: one provider and N workers, the same `simrun bucket provider` and
 * `simrun bucket worker` processes a user runs, on one bucket directory and one shared lock, under
 * the real nemesis (workers are its targets: the provider is the outside world dropping files).
 *
 * A run: start everything and the nemesis; once the provider has dropped every file and the plan is
 * over, start again every worker the nemesis left dead (the cluster heals, as a real deployment's
 * supervisor would), wait until every file is done or the settle time runs out, stop the workers
 * with SIGTERM, then judge the merged trace and the directory with the simulation's bucket checkers.
 *
 * The bucket directory is a small tmpfs of the run's own when this process may mount one (root), so
 * the nemesis can fill it (`disk-full`: real ENOSPC for the provider's drops, the workers' outputs and
 * fence entries); where mounting is refused the kind is left out and `params.diskFull` says why.
 */
import * as nodeFs from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkCommitThroughFence,
  checkExactlyOnce,
  checkLiveness,
  checkMutualExclusion,
  checkNoCommitAfterLoss,
  checkRefusedClaim,
  checkStatistics,
  claimFactsOf,
  commitThroughFence,
  exactlyOnce,
  liveness,
  mutualExclusion,
  noCommitAfterLoss,
  readBucketVolume,
  refusedClaimNotWorked,
  statistics,
} from '../../check/bucket/index.js';
import { commitsOf, dropsOf } from '../../check/bucket/events.js';
import type { FsPromises } from '../../env/fs.js';
import { InputError } from '../../env/errors.js';
import { BUCKET_MUTANTS, isBucketMutant } from '../../systems/bucket/mutants.js';
import { stdoutEvents } from '../../sim/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import { mountSmallDisk, tmpfsUnavailable, type SmallDisk } from '../common/disk-full.js';
import { displayLockSpec } from '../common/shared-lock.js';
import { runFailed, type RealRunContext, type RealSystem } from './campaign.js';
import type { RealFaultSpace } from './plan.js';
import { preflightSharedLock } from './preflight.js';
import type { Incarnation } from './supervisor.js';
import { setTimeout as sleep } from 'node:timers/promises';

const STARTUP_TIMEOUT_MS = 60_000;
/** The bucket's tmpfs: room for thousands of small files, small enough to fill in a blink. */
const BUCKET_DISK_BYTES = 16 * 1024 * 1024;


export interface RealBucketOptions {
  readonly workers: number;
  readonly files: number;
  /** `sqlite:PATH`, `file:DIR`, `file` or `postgres://...`; by default a fresh SQLite file in each run's directory. */
  readonly lock?: string;
  /** Real seconds per minute of processing (workers) and of the drop schedule (provider). */
  readonly secondsInMin: number;
  readonly providerSecondsInMin: number;
  readonly leaseTtlMs: number;
  readonly pollMs: number;
  /** After the provider and the nemesis are done, how long the healed cluster gets to finish every file. */
  readonly settleMs: number;
  /** How long a worker gets to stop after SIGTERM before SIGKILL. */
  readonly stopGraceMs: number;
  /** Nemesis actions land in [0, windowMs) past the start. */
  readonly windowMs: number;
  readonly mutant?: string;
  /** Put the bucket on a tmpfs and let the nemesis fill it (needs permission to mount; default true). */
  readonly diskFull?: boolean;
}

export const REAL_BUCKET_DEFAULTS: Omit<RealBucketOptions, 'workers' | 'files' | 'mutant' | 'lock'> = {
  secondsInMin: 0.03,
  providerSecondsInMin: 0.005,
  leaseTtlMs: 1_000,
  pollMs: 50,
  settleMs: 15_000,
  stopGraceMs: 5_000,
  windowMs: 3_000,
};

/**
 * The nemesis a bucket run gets: kills and graceful stops (each with its restart), pauses past the
 * lease, and (with `diskFull`) the bucket's disk full for up to two leases.
 */
export function bucketFaultSpace(options: Pick<RealBucketOptions, 'workers' | 'windowMs' | 'leaseTtlMs'> & { readonly diskFull?: boolean }): RealFaultSpace {
  return {
    targets: Array.from({ length: options.workers }, (_, index) => `worker-${index + 1}`),
    windowMs: options.windowMs,
    rates: { kill: 0.8, term: 0.5, pause: 1.2, ...(options.diskFull === true ? { 'disk-full': 0.6 } : {}) },
    diskFullMsMin: Math.round(options.leaseTtlMs / 3),
    diskFullMsMax: options.leaseTtlMs * 2,
    // From half a lease to two and a half: some pauses end in time, others outlive the lease.
    pauseMsMin: Math.round(options.leaseTtlMs / 2),
    pauseMsMax: Math.round(options.leaseTtlMs * 2.5),
    restartAfterMsMin: 200,
    restartAfterMsMax: 1_500,
  };
}

export async function realBucketSystem(options: RealBucketOptions): Promise<RealSystem> {
  if (options.mutant !== undefined && !isBucketMutant(options.mutant)) {
    throw new InputError(`--mutant: unknown bucket mutant '${options.mutant}' (known: ${Object.keys(BUCKET_MUTANTS).join(', ')})`);
  }
  if (options.lock !== undefined && options.lock !== 'file') await preflightSharedLock({ spec: options.lock, sharedBy: 'workers' });
  // One line in the result's params when the bucket cannot be put on a disk of its own.
  const diskFullOff = options.diskFull === false ? 'off (--no-disk-full)' : await tmpfsUnavailable().then((why) => (why === undefined ? undefined : `off: ${why}`));
  const space = bucketFaultSpace({ ...options, diskFull: diskFullOff === undefined });
  return {
    name: 'bucket',
    params: {
      workers: options.workers,
      files: options.files,
      lock: options.lock === undefined ? 'sqlite:<run dir>/locks.db' : displayLockSpec(options.lock),
      secondsInMin: options.secondsInMin,
      providerSecondsInMin: options.providerSecondsInMin,
      leaseTtlMs: options.leaseTtlMs,
      settleMs: options.settleMs,
      diskFull: diskFullOff ?? `bucket on a ${BUCKET_DISK_BYTES / 1024 / 1024} MiB tmpfs`,
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    },
    space,
    invariants: [exactlyOnce, mutualExclusion, statistics, liveness, refusedClaimNotWorked, commitThroughFence, noCommitAfterLoss].map(({ name, description }) => ({ name, description })),
    replayFlags: [
      '--workers',
      String(options.workers),
      '--files',
      String(options.files),
      ...(options.lock === undefined ? [] : ['--lock', displayLockSpec(options.lock)]),
      ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
    ],
    execute: (context) => executeOnDisk(context, options, space.targets, diskFullOff === undefined),
  };
}

/**
 * A run with its bucket on a tmpfs the nemesis can fill (when `onTmpfs`), unmounted once the
 * processes are gone, whatever happened: the bucket is copied back to an ordinary directory first,
 * so the judge reads it and a kept run keeps it.
 */
async function executeOnDisk(context: RealRunContext, options: RealBucketOptions, workers: readonly string[], onTmpfs: boolean) {
  const bucket = join(context.dir, 'bucket');
  let disk: SmallDisk | undefined;
  if (onTmpfs) {
    disk = await mountSmallDisk(bucket, BUCKET_DISK_BYTES);
    context.supervisor.storeFaults = { diskFull: (ms) => (disk as SmallDisk).fill(ms) };
  }
  try {
    return await executeBucketRun(context, options, workers, bucket);
  } finally {
    // The processes must be gone first (they already are, unless the run failed): a live worker
    // would keep writing to the mount.
    if (disk !== undefined) await context.supervisor.close();
    await disk?.unmount();
  }
}

async function executeBucketRun(context: RealRunContext, options: RealBucketOptions, workers: readonly string[], bucket: string) {
  const { supervisor } = context;
  await mkdir(bucket, { recursive: true });
  const lock = options.lock ?? `sqlite:${join(context.dir, 'locks.db')}`;
  supervisor.start('provider', ['bucket', 'provider', '--dir', bucket, '--seconds-in-min', String(options.providerSecondsInMin), '--files', String(options.files)]);
  const workerArgs = [
    'bucket', 'worker', '--dir', bucket, '--lock', lock,
    '--seconds-in-min', String(options.secondsInMin), '--poll-ms', String(options.pollMs), '--lease-ttl-ms', String(options.leaseTtlMs),
    ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
  ];
  for (const name of workers) supervisor.start(name, workerArgs);
  const fs = nodeFs as unknown as FsPromises;
  const provider = supervisor.incarnations[0] as Incarnation;
  // The plan's clock starts with the workload, when the first file lands: starting Node takes from
  // a fraction of a second to several on a loaded machine, and a plan over before anything runs
  // would test nothing.
  const startDeadline = Date.now() + STARTUP_TIMEOUT_MS;
  while ((await readBucketVolume(fs, bucket)).inbox.size === 0 && provider.exit === undefined) {
    if (Date.now() > startDeadline) runFailed(`the provider dropped no file within ${STARTUP_TIMEOUT_MS / 1000} s; see ${provider.logPath}`);
    await sleep(20);
  }
  const nemesis = context.startNemesis();
  const providerExit = await provider.exited;
  if (providerExit.code !== 0) runFailed(`the provider exited with ${providerExit.signal ?? `code ${providerExit.code}`}; see ${provider.logPath}`);
  await nemesis.done;

  // Heal: every worker the nemesis left dead comes back, so every file can still be done.
  for (const name of workers) if (supervisor.running(name) === undefined) supervisor.start(name);
  const deadline = Date.now() + options.settleMs;
  while (Date.now() < deadline) {
    const volume = await readBucketVolume(fs, bucket);
    if (volume.inbox.size === 0 && volume.processed.size + volume.rejected.size >= options.files) break;
    await sleep(100);
  }
  await supervisor.stopAll(options.stopGraceMs);
  const endMs = Date.now();

  return {
    async judge(merged: readonly TraceEvent[]) {
      const trace = ownersAsIncarnations(merged);
      const volume = await readBucketVolume(fs, bucket);
      const claims = claimFactsOf(trace);
      const violations = [
        ...(await checkExactlyOnce(trace, volume)),
        ...checkMutualExclusion(trace),
        ...checkStatistics(trace),
        // The settle time is the grace: a file the healed cluster did not finish by then is stuck.
        ...checkLiveness(trace, volume, { graceMs: Math.max(1, options.settleMs - options.leaseTtlMs), endMs }),
        // The layered invariants: each judges one of the worker's protections on its own, from the
        // worker's steps, the store's answers, its fence's verdicts and what `withLock` told it, all
        // in its own log.
        ...checkRefusedClaim(claims),
        ...checkCommitThroughFence(claims),
        ...checkNoCommitAfterLoss(claims),
      ];
      const commits = commitsOf(trace);
      const committedFiles = new Set(commits.map((commit) => commit.file));
      const drops = dropsOf(trace);
      const lost = [...drops.keys()].filter((file) => ![volume.inbox, volume.processed, volume.rejected, volume.claimed].some((place) => place.has(file))).length;
      return {
        violations,
        counts: {
          files: drops.size,
          committed: committedFiles.size,
          lost,
          committedTwice: commits.length - committedFiles.size,
          statisticsLines: stdoutEvents.of(trace).filter((event) => event.data.line.startsWith('Files processed')).length,
        },
      };
    },
  };
}

/**
 * The trace with every fence verdict, store answer and lock event owned by the incarnation whose log
 * holds it (`worker-1#2`). A worker names itself `worker-<OS pid>` in what it reports (the fence's
 * owner, the lease's owner), while its own steps (`bucket.claim`, `bucket.commit`) carry the incarnation the
 * supervisor gave them: the layered checkers match a commit with its fence verdict and its lost lease
 * by owner, so both must speak of the worker the same way. Each verdict, answer and lock event is
 * written by the worker it is about, so its incarnation is its owner.
 */
export function ownersAsIncarnations(trace: readonly TraceEvent[]): TraceEvent[] {
  return trace.map((event) => {
    if (event.kind !== 'bucket.fence' && !event.kind.startsWith('lock.') && !event.kind.startsWith('lease.')) return event;
    const data = event.data as { readonly owner?: unknown } | undefined;
    if (data === undefined || typeof data.owner !== 'string') return event;
    return { ...event, data: { ...data, owner: event.pid } };
  });
}
