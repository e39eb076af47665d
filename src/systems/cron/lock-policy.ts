/**
 * How a cron server uses the named lock at each tick: the rules the seed's servers follow, with
 * ShedLock's two bounds added.
 *
 * - At a tick, the server that held the lock at its previous run renews it ("existing lock, updating
 *   expires_at"); any other server tries to take it, which works only if it is free or expired ("new
 *   lock"); otherwise the task is already running elsewhere and the server skips the tick.
 * - While the task runs, the lease is `lockAtMostForMs` long and renewed every third of it, so the
 *   lock of a server that died mid-run lapses within `lockAtMostForMs`.
 * - After the run, the lock is kept until `max(tick + lockAtLeastForMs, end + ttlMs)`: at least
 *   `lockAtLeastForMs` past the tick, so a server whose clock lags (and so reaches the same tick later)
 *   finds it held even when the run was fast; and `ttlMs` past the run, so the same server stays the
 *   holder at its next tick (with `ttlMs` longer than the period). A `ttlMs` of 0 frees the lock at
 *   `tick + lockAtLeastForMs`.
 */
import type { Env } from '../../env/index.js';
import type { Lease, LockBackend } from '../../locks/index.js';
import { emitCron } from './events.js';

export interface CronLockTimes {
  /** Leadership kept after a run, ms. */
  readonly ttlMs: number;
  /** The lock is held until at least tick + this, ms. */
  readonly lockAtLeastForMs: number;
  /** Lease length while the task runs (renewed every third), ms. */
  readonly lockAtMostForMs: number;
}

/** What taking the lock at a tick gave. */
export type TakeResult = { readonly lease: Lease; readonly how: 'new lock' | 'existing lock, updating expires_at' } | null;

export interface CronLockPolicy {
  /** At a tick: the lease to run under, or `null` when another server holds the lock. */
  take(tick: number, held: Lease | undefined): Promise<TakeResult>;
  /** While the task runs: a renewed lease, or `null` once it was lost. */
  keep(lease: Lease): Promise<Lease | null>;
  /** After the run: the lease still held until the next tick, if any. */
  afterRun(tick: number, lease: Lease): Promise<Lease | undefined>;
  /** When the server stops: leave the lock as the bounds require. */
  stop(lastTick: number, held: Lease | undefined): Promise<void>;
}

/** The production policy (see the module comment). Lock-call failures count as "not held". */
export function leaderLockPolicy(env: Env, lock: LockBackend, name: string, times: CronLockTimes): CronLockPolicy {
  const quietly = async <T>(operation: string, call: () => Promise<T>): Promise<T | null> => {
    try {
      return await call();
    } catch (error) {
      emitCron(env, { kind: 'cron.lock-error', data: { name, operation, error: String(error) } });
      return null;
    }
  };
  /** Keeps `lease` until `untilMs` on this server's clock, or gives it back when that has passed. */
  const holdUntil = async (lease: Lease, untilMs: number): Promise<Lease | undefined> => {
    const remainingMs = Math.ceil(untilMs - env.now());
    if (remainingMs > 0) return (await quietly('renew', () => lock.renew(lease, remainingMs))) ?? undefined;
    await quietly('release', () => lock.release(lease));
    return undefined;
  };
  return {
    async take(_tick, held) {
      if (held !== undefined) {
        const renewed = await quietly('renew', () => lock.renew(held, times.lockAtMostForMs));
        if (renewed !== null) return { lease: renewed, how: 'existing lock, updating expires_at' };
      }
      const taken = await quietly('acquire', () => lock.tryAcquire(name, env.id, times.lockAtMostForMs));
      return taken === null ? null : { lease: taken, how: 'new lock' };
    },
    keep: (lease) => quietly('renew', () => lock.renew(lease, times.lockAtMostForMs)),
    afterRun: (tick, lease) => holdUntil(lease, Math.max(tick + times.lockAtLeastForMs, env.now() + times.ttlMs)),
    async stop(lastTick, held) {
      // Leadership ends with the server, but the last tick stays protected for lockAtLeastForMs.
      if (held !== undefined) await holdUntil(held, lastTick + times.lockAtLeastForMs);
    },
  };
}
