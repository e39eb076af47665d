/**
 * The bucket system's mutant catalogue: deliberately broken variants the scenario's invariants must
 * catch. Some are flaws of the worker itself (`WorkerFlaws`); others break what the worker relies on:
 * a lock whose leases never lapse, a claim that reads a refusal as a grant, a fence that admits any
 * token.
 *
 * The single-layer mutants (`work-on-refused-claim`, `ignore-lost-lease`, `commit-without-fence`)
 * each disable exactly one of the worker's protections while the others still keep the output right
 * most of the time: only the invariant that judges that protection on its own catches them.
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
  'work-on-refused-claim': 'a claim the store refused is read as granted (a missing lease taken for token 0), so the worker works on a file another holds; the fence masks it',
  'ignore-lost-lease': 'the worker never looks at the lost-lease signal and commits after it learned the lease was gone; the fence masks it when a newer holder got there first',
  'commit-without-fence': 'the commit skips its second pass through the fence; the lease and the exclusive publish mask it',
  'take-unsettled': 'a file without an end marker is taken at first sight, not once it has settled: a number-only file caught half written (1 of 12) is processed with the wrong minutes',
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
    case 'ignore-lost-lease':
      return { ignoreLostLease: true };
    case 'commit-without-fence':
      return { commitWithoutFence: true };
    case 'take-unsettled':
      return { takeUnsettled: true };
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

/**
 * The `work-on-refused-claim` mutant: a refused acquisition comes back as a lease with token 0 (a
 * client that reads a missing row as "acquired"). Its renewals are refused, so `withLock` soon
 * reports it lost; by then the worker has started on the file.
 */
export function refusalIgnoringLock(backend: LockBackend): LockBackend {
  return {
    name: backend.name,
    async tryAcquire(key, owner, ttlMs) {
      const lease = await backend.tryAcquire(key, owner, ttlMs);
      return lease ?? { key, owner, token: 0, acquiredAt: 0, expiresAt: 0 };
    },
    renew: (lease, ttlMs) => backend.renew(lease, ttlMs),
    release: (lease) => backend.release(lease),
    ...(backend.close === undefined ? {} : { close: () => (backend.close as () => Promise<void>)() }),
  };
}

/** The `no-fencing` mutant's resource (a resource that admits every token), from the lock catalogue. */
export { UnfencedResource } from '../../locks/mutants.js';
