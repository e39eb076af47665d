/**
 * How one client's jobs are kept from running at the same time.
 *
 * The production way is the client's lock, `client-jobs/<client>`, taken with `withLock`: a job that
 * finds it held waits with jittered exponential backoff (from `backoff.minMs`, doubling, capped at
 * `backoff.maxMs`) and asks again, so a waiting job costs one lock query per wait, never a spin, and
 * starts at most about `backoff.maxMs` after the lock is free. The lease is renewed while the job runs
 * and lapses `ttlMs` after its holder dies, so a crashed job never blocks the client's later jobs for
 * longer than that. Jobs of different clients use different keys and never wait for each other.
 */
import type { Env } from '../../env/index.js';
import { backoffDelayMs, withLock, type BackoffOptions, type LockBackend } from '../../locks/index.js';

/** What a job reports; defined here so an exclusion can look at it (see `releaseOnSuccessExclusion`). */
export type ClientJobOutcome =
  | { readonly status: 'succeeded'; readonly client: string; readonly job: number }
  | { readonly status: 'failed'; readonly client: string; readonly job: number; readonly reason: string; readonly partsWritten: number };

/** Runs `work` while no other job of `client` runs; `signal` aborts if exclusion was lost. */
export type Exclusion = (client: string, work: (signal: AbortSignal, token: number) => Promise<ClientJobOutcome>) => Promise<ClientJobOutcome>;

export interface LockExclusionOptions {
  /** Lease length in ms; a dead holder blocks the client for at most this long. */
  readonly ttlMs: number;
  /** Waits between attempts while another job of the client holds the lock. */
  readonly backoff: BackoffOptions;
}

/** The lock key of a client's jobs. */
export function clientLockKey(client: string): string {
  return `client-jobs/${client}`;
}

/** Exclusion by the client's lock (see the module comment). */
export function lockExclusion(env: Env, lock: LockBackend, options: LockExclusionOptions): Exclusion {
  return (client, work) =>
    withLock(lock, clientLockKey(client), env.id, (signal, lease) => work(signal, lease.token), { env, ttlMs: options.ttlMs, backoff: options.backoff });
}

/** No exclusion at all: the `no-lock` mutant. */
export const noExclusion: Exclusion = (_client, work) => work(new AbortController().signal, 0);

/** One lock for every client: correct per client, but clients wait for each other (the `global-lock` mutant). */
export function globalLockExclusion(env: Env, lock: LockBackend, options: LockExclusionOptions): Exclusion {
  return (_client, work) =>
    withLock(lock, 'client-jobs/*', env.id, (signal, lease) => work(signal, lease.token), { env, ttlMs: options.ttlMs, backoff: options.backoff });
}

/**
 * The seed's naive lock: a lock row without a useful expiry (a day), released only when the job
 * finishes, never when it fails. A crashed job holds its client's lock for good and every later job
 * waits (the `crash-blocks-queue` mutant).
 */
export function releaseOnSuccessExclusion(env: Env, lock: LockBackend, options: LockExclusionOptions): Exclusion {
  const dayMs = 86_400_000;
  return async (client, work) => {
    const key = clientLockKey(client);
    for (let attempt = 0; ; attempt += 1) {
      const lease = await lock.tryAcquire(key, env.id, dayMs);
      if (lease !== null) {
        const outcome = await work(new AbortController().signal, lease.token);
        if (outcome.status === 'succeeded') await lock.release(lease);
        return outcome;
      }
      await env.sleep(Math.max(1, Math.ceil(backoffDelayMs(attempt, options.backoff, () => env.random()))));
    }
  };
}
