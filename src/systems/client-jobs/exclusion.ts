/**
 * How one client's jobs are kept from running at the same time, and in the order they were queued.
 *
 * The production way is the client's waiting line and lock, both in the lock store under
 * `client-jobs/<client>` (`queuedLockExclusion`). A job first joins the line (`WaitQueue`): the
 * store hands it a ticket, so the order of arrival is recorded where every job of the client can
 * read it. It then tries the lock only when no live place is ahead of it, and leaves the line once
 * it holds the lock; every look at the line also keeps its place, so a job that died in line stops
 * holding up the others one TTL later. A job that finds the lock held (or its turn not come) waits
 * with jittered exponential backoff (from `backoff.minMs`, doubling, capped at
 * `backoff.maxMs`) and asks again, so a waiting job costs one lock query per wait, never a spin, and
 * starts at most about `backoff.maxMs` after the lock is free. The lease is renewed while the job runs
 * and lapses `ttlMs` after its holder dies, so a crashed job never blocks the client's later jobs for
 * longer than that. Jobs of different clients use different keys and never wait for each other.
 */
import type { Env } from '../../env/index.js';
import { backoffDelayMs, withLock, type BackoffOptions, type LockBackend } from '../../locks/index.js';
import type { QueuePlace, WaitQueue } from '../../locks/wait-queue.js';
import { emitClientJob } from './events.js';

/** What a job reports; defined here so an exclusion can look at it (see `releaseOnSuccessExclusion`). */
export type ClientJobOutcome = (
  | { readonly status: 'succeeded'; readonly client: string; readonly job: number }
  | { readonly status: 'failed'; readonly client: string; readonly job: number; readonly reason: string; readonly partsWritten: number }
) & {
  /** The job's first ticket in its client's waiting line, when it joined one. */
  readonly ticket?: number;
  /** The fencing token it held the client's lock with, when it got it: tokens increase in order of start. */
  readonly token?: number;
};

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

/**
 * Exclusion by the client's lock, in the order of the client's waiting line (see the module
 * comment). `keepOrder: false` joins the line (the ticket is still recorded) but then competes for
 * the lock as soon as it likes: whoever wins the backoff goes first (the `backoff-order` mutant).
 */
export function queuedLockExclusion(env: Env, lock: LockBackend, queue: WaitQueue, options: LockExclusionOptions & { readonly keepOrder?: boolean }): Exclusion {
  const keepOrder = options.keepOrder ?? true;
  return async (client, work) => {
    const key = clientLockKey(client);
    const join = async (): Promise<QueuePlace> => {
      const joined = await queue.join(key, env.id, options.ttlMs);
      emitClientJob(env, { kind: 'client-job.in-line', data: { client, ticket: joined.ticket } });
      return joined;
    };
    let place: QueuePlace | undefined = await join();
    const ticket = place.ticket;
    const lostPlace = (ticket: number): void => emitClientJob(env, { kind: 'client-job.lost-place', data: { client, ticket } });
    const myTurn = async (): Promise<boolean> => {
      if (place === undefined || !keepOrder) return true;
      const kept = await queue.keep(place, options.ttlMs);
      if (kept === null) {
        // Too late to keep the place (a long pause): go to the end of the line, as anyone arriving now.
        lostPlace(place.ticket);
        place = await join();
        return false;
      }
      place = kept.place;
      return kept.ahead === 0;
    };
    const leaveLine = async (): Promise<void> => {
      const left = place;
      place = undefined;
      if (left !== undefined && !(await queue.leave(left)) && keepOrder) lostPlace(left.ticket);
    };
    try {
      const outcome = await withLock(
        lock,
        key,
        env.id,
        async (signal, lease) => {
          await leaveLine();
          return work(signal, lease.token);
        },
        { env, ttlMs: options.ttlMs, backoff: options.backoff, mayAttempt: myTurn },
      );
      return { ...outcome, ticket };
    } finally {
      if (place !== undefined) await leaveLine().catch(() => undefined);
    }
  };
}

/** Exclusion by the client's lock alone: waiting jobs go in whatever order their backoff gives. */
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
