/**
 * `withLock`: run a function while holding a lease, the way a system under test uses a lock.
 *
 * It waits for the lease with jittered exponential backoff, renews it in the background every
 * `renewEveryFraction` of the TTL, and aborts the function's `AbortSignal` as soon as the lease is lost:
 * a renewal answered "no longer yours", or no renewal succeeded before the lease would have expired
 * (a renewal that throws or hangs is retried until then). It releases at the end, whatever happened.
 *
 * Expiry is estimated on the caller's clock, from the moment each acquire or renew was *sent*: that
 * is never later than the moment the store started the lease, so the estimate errs towards giving
 * up early. Time, sleeping and jitter come only from `env`, so it runs unchanged under simulation.
 */
import { cancellableSleep, type CancellableSleep } from '../env/cancellable-sleep.js';
import type { Env } from '../env/env.js';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { LockConfigError, LockLostError, LockStateCorruptError, LockTimeoutError } from './errors.js';
import type { Lease, LockBackend } from './lock.js';
import { lockEvents } from './events.js';

export interface WithLockOptions {
  /** Time, sleep, randomness and logging. */
  readonly env: Env;
  /** Lease length in ms; renewals extend it by this much. */
  readonly ttlMs: number;
  /** Renew after this fraction of the TTL, default 1/3 (two chances to renew before expiry). */
  readonly renewEveryFraction?: number;
  /** Give up with `LockTimeoutError` after waiting this long for the lease, default: wait forever. */
  readonly acquireTimeoutMs?: number;
  /** Waits between attempts, default `{ minMs: 5, maxMs: 500 }`. */
  readonly backoff?: BackoffOptions;
  /** Deliberate flaws for the mutant catalogue (`src/locks/mutants.ts`); never set in production. */
  readonly flaws?: WithLockFlaws;
  /**
   * Asked before each attempt; `false` skips the attempt and waits as after a refusal. A waiting
   * line (`wait-queue.ts`) answers here whether the caller's turn has come.
   */
  readonly mayAttempt?: () => Promise<boolean>;
}

/**
 * Where a flawed `withLock` counts a lease's expiry from: `answered` (when the answer came back:
 * later than the store's start of the lease, so it believes it holds the lease after the store
 * would give it to someone else) or `first-try` (when it began trying to acquire: earlier, so it
 * drops leases it still holds). The correct moment is when the successful call was sent.
 */
export interface WithLockFlaws {
  readonly expiryFrom?: 'answered' | 'first-try';
}

/** The work done under the lock. `signal` aborts (with a `LockLostError`) if the lease is lost. */
export type LockedWork<T> = (signal: AbortSignal, lease: Lease) => Promise<T>;

/**
 * Reasons for withLock's internal aborts (the work finished; a renewal answered before the lease
 * lapsed). Nobody reads them, and `abort()` without a reason builds a `DOMException` with a stack
 * trace each time, which cost more than a renewal against a fast store.
 */
const WORK_FINISHED = new Error('withLock: the work finished');
const RENEWAL_ANSWERED = new Error('withLock: the renewal answered');

/** The lease being kept, updated by each successful renewal. */
interface Holding {
  lease: Lease;
  /** When the lease lapses by the caller's clock, unless renewed. */
  localExpiresAt: number;
  /** When the call that got the current lease was sent, by the caller's clock. */
  sentAt: number;
}

/** The moment expiry is counted from: when the successful call was sent, unless a mutant says otherwise. */
function expiryBase(options: WithLockOptions, sentAt: number, firstTryAt: number): number {
  switch (options.flaws?.expiryFrom) {
    case 'answered':
      return options.env.now();
    case 'first-try':
      return firstTryAt;
    default:
      return sentAt;
  }
}

/** Writes the holder's belief into the log: until when it counts on the lease, and from which call. */
function recordBelief(backend: LockBackend, holding: Holding, env: Env): void {
  const { key, owner, token } = holding.lease;
  lockEvents.emit(env, { kind: 'lock.belief', data: { backend: backend.name, key, owner, token, untilMs: holding.localExpiresAt, sentAtMs: holding.sentAt, nowMs: env.now() } });
}

/**
 * Acquires `key` for `owner`, runs `work`, releases. Resolves or rejects with `work`'s outcome;
 * rejects with `LockTimeoutError` if the lease could not be had within `acquireTimeoutMs`.
 */
export async function withLock<T>(backend: LockBackend, key: string, owner: string, work: LockedWork<T>, options: WithLockOptions): Promise<T> {
  const outcome = await tryWithLock(backend, key, owner, work, options);
  if (!outcome.acquired) throw new LockTimeoutError(backend.name, key, owner, outcome.waitedMs, { cause: outcome.lastError });
  return outcome.value;
}

/** What `tryWithLock` came to: `work`'s value, or the lease was not had in time. */
export type LockAttempt<T> = { readonly acquired: true; readonly value: T } | { readonly acquired: false; readonly waitedMs: number; readonly lastError: unknown };

/**
 * `withLock` for a caller to whom a busy lease is an everyday answer, not a failure (a bucket
 * worker tries each file's lease once and moves on): the same, except that a lease not had within
 * `acquireTimeoutMs` resolves `{ acquired: false }` rather than rejecting. An error built for every
 * busy file, with its stack trace, was a measurable share of a simulated day.
 */
export async function tryWithLock<T>(backend: LockBackend, key: string, owner: string, work: LockedWork<T>, options: WithLockOptions): Promise<LockAttempt<T>> {
  const { env, ttlMs } = options;
  const fraction = options.renewEveryFraction ?? 1 / 3;
  if (!(ttlMs > 0)) throw new LockConfigError(backend.name, `withLock: ttlMs must be positive, got ${ttlMs}`);
  if (!(fraction > 0 && fraction < 1)) throw new LockConfigError(backend.name, `withLock: renewEveryFraction must be in (0, 1), got ${fraction}`);

  const holding = await acquire(backend, key, owner, options);
  if ('waitedMs' in holding) return { acquired: false, waitedMs: holding.waitedMs, lastError: holding.lastError };
  lockEvents.emit(env, { kind: 'lock.acquired', data: { backend: backend.name, key, owner, token: holding.lease.token, expiresAt: holding.lease.expiresAt } });
  recordBelief(backend, holding, env);
  const lost = new AbortController();
  const done = new AbortController();
  // Whole milliseconds, rounded down so renewals come early rather than late.
  const keeper = keepRenewed(backend, holding, options, Math.max(1, Math.floor(ttlMs * fraction)), lost, done.signal);
  try {
    return { acquired: true, value: await work(lost.signal, holding.lease) };
  } finally {
    done.abort(WORK_FINISHED);
    await keeper;
    await release(backend, holding.lease, env);
  }
}

/** The lease, or how long it waited in vain (and the last error on the way, if any). */
async function acquire(backend: LockBackend, key: string, owner: string, options: WithLockOptions): Promise<Holding | { readonly waitedMs: number; readonly lastError: unknown }> {
  const { env, ttlMs } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const timeoutMs = options.acquireTimeoutMs ?? Infinity;
  const startedAt = env.now();
  let lastError: unknown;
  for (let attempt = 0; ; attempt += 1) {
    try {
      if (options.mayAttempt === undefined || (await options.mayAttempt())) {
        const sentAt = env.now();
        const lease = await backend.tryAcquire(key, owner, ttlMs);
        if (lease !== null) return { lease, sentAt, localExpiresAt: expiryBase(options, sentAt, startedAt) + ttlMs };
      }
    } catch (error) {
      // Bad configuration and corrupt state will not heal by retrying; everything else may.
      if (error instanceof LockConfigError || error instanceof LockStateCorruptError) throw error;
      lastError = error;
      lockEvents.emit(env, { kind: 'lock.error', data: { backend: backend.name, key, owner, op: 'acquire', error: String(error) } });
    }
    const waitedMs = env.now() - startedAt;
    if (waitedMs >= timeoutMs) {
      lockEvents.emit(env, { kind: 'lock.timeout', data: { backend: backend.name, key, owner, waitedMs } });
      return { waitedMs, lastError };
    }
    // Whole milliseconds, so virtual time stays on integers and a simulated trace stays readable.
    await env.sleep(Math.max(1, Math.ceil(Math.min(backoffDelayMs(attempt, backoff, () => env.random()), timeoutMs - waitedMs))));
  }
}

/** Renews until `done` aborts; aborts `lost` (and returns) once the lease is gone. */
async function keepRenewed(backend: LockBackend, holding: Holding, options: WithLockOptions, intervalMs: number, lost: AbortController, done: AbortSignal): Promise<void> {
  const { env, ttlMs } = options;
  const lose = (reason: string, cause?: unknown): void => {
    const { key, token, owner } = holding.lease;
    lockEvents.emit(env, { kind: 'lock.lost', data: { backend: backend.name, key, owner, token, reason } });
    lost.abort(new LockLostError(backend.name, key, token, reason, { cause }));
  };
  let nextRenewAt = env.now() + intervalMs;
  let lastError: unknown;
  // The sleep under way (till the next renewal, or the lapse racing a renewal), called off when the
  // work finishes: one listener for the whole holding, and no `AbortController` per renewal.
  let sleeping: CancellableSleep | undefined;
  done.addEventListener('abort', () => sleeping?.cancel(WORK_FINISHED), { once: true });
  while (!done.aborted) {
    const wait = cancellableSleep(env, Math.min(nextRenewAt, holding.localExpiresAt) - env.now());
    sleeping = wait;
    try {
      await wait.slept;
    } catch {
      return; // the work finished
    } finally {
      sleeping = undefined;
    }
    if (env.now() >= holding.localExpiresAt) return lose('no renewal succeeded before the lease expired', lastError);

    const sentAt = env.now();
    const renewal = backend.renew(holding.lease, ttlMs).then(
      (lease) => ({ lease }),
      (error: unknown) => ({ error }),
    );
    // The answer must come before the lease lapses; a renewal that hangs past that counts as lost.
    const lapseTimer = cancellableSleep(env, holding.localExpiresAt - sentAt);
    sleeping = lapseTimer;
    const lapse = lapseTimer.slept.then(
      () => 'lapsed' as const,
      () => 'stopped' as const,
    );
    const first = await Promise.race([renewal, lapse]);
    sleeping = undefined;
    lapseTimer.cancel(RENEWAL_ANSWERED);

    if (first === 'lapsed') return lose('the renewal did not answer before the lease expired', lastError);
    const answer = first === 'stopped' ? await renewal : first;
    if ('error' in answer) {
      lastError = answer.error;
      lockEvents.emit(env, { kind: 'lock.error', data: { backend: backend.name, key: holding.lease.key, owner: holding.lease.owner, op: 'renew', error: String(answer.error) } });
      nextRenewAt = env.now() + Math.max(1, Math.floor(intervalMs / 2));
      continue;
    }
    if (answer.lease === null) return lose('taken over or expired');
    holding.lease = answer.lease;
    holding.sentAt = sentAt;
    holding.localExpiresAt = expiryBase(options, sentAt, sentAt) + ttlMs;
    recordBelief(backend, holding, env);
    nextRenewAt = env.now() + intervalMs;
  }
}

async function release(backend: LockBackend, lease: Lease, env: Env): Promise<void> {
  try {
    const released = await backend.release(lease);
    lockEvents.emit(env, { kind: 'lock.released', data: { backend: backend.name, key: lease.key, owner: lease.owner, token: lease.token, released } });
  } catch (error) {
    // The lease lapses on its own; failing the work because the release failed would hide its result.
    lockEvents.emit(env, { kind: 'lock.error', data: { backend: backend.name, key: lease.key, owner: lease.owner, token: lease.token, op: 'release', error: String(error) } });
  }
}
