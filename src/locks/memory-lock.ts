/**
 * A lock kept in this process's memory: the reference implementation of the lease contract, and the
 * lock server of a simulation (every simulated process calls the same instance).
 */
import type { Lease, LockBackend } from './lock.js';

export interface MemoryLockOptions {
  /**
   * The clock that judges expiry, in ms. Pass the world's clock to model a lock server with its own
   * clock, or a process's `env.now` to model expiry judged by the caller.
   */
  readonly now: () => number;
  /**
   * Lock state to share with other memory locks, so that each simulated process can have its own
   * lock object judging expiry by its own clock. A fresh state when absent.
   */
  readonly state?: MemoryLockState;
}

/** The keys of one in-memory lock store; pass one to several `createMemoryLock` calls to share it. */
export class MemoryLockState {
  readonly keys = new Map<string, MemoryKeyState>();
}

/** One key's record in a `MemoryLockState`. */
export interface MemoryKeyState {
  /** `null` once released: the token stays so the next acquisition gets a higher one. */
  owner: string | null;
  token: number;
  acquiredAt: number;
  expiresAt: number;
}

/** A `LockBackend` whose state is shared by every caller of the returned object (and of any other given the same `state`). */
export function createMemoryLock(options: MemoryLockOptions): LockBackend {
  const { now } = options;
  const { keys } = options.state ?? new MemoryLockState();

  const isCurrent = (state: MemoryKeyState | undefined, lease: Lease): state is MemoryKeyState =>
    state !== undefined && state.owner === lease.owner && state.token === lease.token;

  return {
    name: 'memory',

    async tryAcquire(key, owner, ttlMs) {
      const at = now();
      const state = keys.get(key);
      if (state !== undefined && state.owner !== null && state.expiresAt > at) return null;
      const next: MemoryKeyState = { owner, token: (state?.token ?? 0) + 1, acquiredAt: at, expiresAt: at + ttlMs };
      keys.set(key, next);
      return { key, owner, token: next.token, acquiredAt: at, expiresAt: next.expiresAt };
    },

    async renew(lease, ttlMs) {
      const at = now();
      const state = keys.get(lease.key);
      if (!isCurrent(state, lease) || state.expiresAt <= at) return null;
      state.expiresAt = at + ttlMs;
      return { ...lease, acquiredAt: state.acquiredAt, expiresAt: state.expiresAt };
    },

    async release(lease) {
      const state = keys.get(lease.key);
      if (!isCurrent(state, lease)) return false;
      state.owner = null;
      state.expiresAt = Math.min(state.expiresAt, now());
      return true;
    },

    async close() {},
  };
}
