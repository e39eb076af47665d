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
}

interface KeyState {
  /** `null` once released: the token stays so the next acquisition gets a higher one. */
  owner: string | null;
  token: number;
  acquiredAt: number;
  expiresAt: number;
}

/** A `LockBackend` whose state is shared by every caller of the returned object. */
export function createMemoryLock(options: MemoryLockOptions): LockBackend {
  const { now } = options;
  const keys = new Map<string, KeyState>();

  const isCurrent = (state: KeyState | undefined, lease: Lease): state is KeyState =>
    state !== undefined && state.owner === lease.owner && state.token === lease.token;

  return {
    name: 'memory',

    async tryAcquire(key, owner, ttlMs) {
      const at = now();
      const state = keys.get(key);
      if (state !== undefined && state.owner !== null && state.expiresAt > at) return null;
      const next: KeyState = { owner, token: (state?.token ?? 0) + 1, acquiredAt: at, expiresAt: at + ttlMs };
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
