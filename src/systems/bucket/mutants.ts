/**
 * The bucket system's mutant catalogue: deliberately broken variants the scenario's invariants must
 * catch. Three are flaws of the worker itself (`WorkerFlaws`); two break what the worker relies on:
 * a lock whose leases never lapse, and a fence that admits any token.
 */
import type { LockBackend } from '../../locks/lock.js';
import type { WorkerFlaws } from './worker.js';

/** Mutant name → what is broken, one line each. */
export const BUCKET_MUTANTS = {
  'claim-list-then-move': 'claims by listing, then moving the file S3-style (copy, delete) with no lock: two workers can both take it',
  'commit-not-idempotent': 'commits by overwriting and never checks for an earlier commit: a retry after a crash commits twice',
  'stats-last-5': 'computes the sum of squares over the last 5 files instead of every file',
  'no-takeover': "never takes over a dead worker's claim: its leases never expire",
  'no-fencing': 'the fence admits any token, so a worker that paused past its lease still gets through after a newer holder',
} as const;

export type BucketMutant = keyof typeof BUCKET_MUTANTS;

export function isBucketMutant(name: string | undefined): name is BucketMutant {
  return name !== undefined && name in BUCKET_MUTANTS;
}

/** The worker flaws a mutant switches on (none for the lock and fence mutants). */
export function workerFlawsOf(mutant: string | undefined): WorkerFlaws {
  switch (mutant) {
    case 'claim-list-then-move':
      return { claimByListThenMove: true };
    case 'commit-not-idempotent':
      return { overwritingCommit: true };
    case 'stats-last-5':
      return { statsOverLastFive: true };
    default:
      return {};
  }
}

/** Far beyond any horizon: a lease asked for with this TTL never lapses. */
const FOREVER_MS = 1e12;

/** The `no-takeover` mutant: every lease is taken and renewed for ever, so a dead holder's claim stays. */
export function neverExpiringLock(backend: LockBackend): LockBackend {
  return {
    name: backend.name,
    tryAcquire: (key, owner) => backend.tryAcquire(key, owner, FOREVER_MS),
    renew: (lease) => backend.renew(lease, FOREVER_MS),
    release: (lease) => backend.release(lease),
    ...(backend.close === undefined ? {} : { close: () => (backend.close as () => Promise<void>)() }),
  };
}

/** The `no-fencing` mutant's resource (a resource that admits every token), from the lock catalogue. */
export { UnfencedResource } from '../../locks/mutants.js';
