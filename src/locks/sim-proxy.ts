/**
 * A lock backend seen across an unreliable network, for simulation.
 *
 * Fault model: every call takes a request latency and a response latency, each slept through
 * `env.sleep`, so a crashed process's call never completes and a paused process's call completes
 * only when it wakes (after its lease may have lapsed). A call fails before it reaches the store with
 * probability `failRate` (nothing changed), and fails after it took effect with probability
 * `timeoutAfterEffectRate`: the store changed (a lease was taken, renewed or released) but the caller
 * only sees a timeout. Every draw comes from `env.random`, so a seed replays.
 */
import type { Env } from '../env/env.js';
import { LockError } from './errors.js';
import type { LockBackend } from './lock.js';
import { lockEvents } from './events.js';

export interface LockLatencyOptions {
  /** Shortest one-way latency in ms. */
  readonly minMs: number;
  /** Longest one-way latency in ms. */
  readonly maxMs: number;
  /** Probability in [0, 1] that a call fails before taking effect. Default 0. */
  readonly failRate?: number;
  /** Probability in [0, 1] that a call takes effect and then reports a timeout. Default 0. */
  readonly timeoutAfterEffectRate?: number;
}

/** A lock call that failed in transit; `tookEffect` says whether the store saw it. */
export class LockCallError extends LockError {
  override readonly name = 'LockCallError';
  constructor(
    backend: string,
    readonly operation: string,
    readonly tookEffect: boolean,
  ) {
    super(backend, `${backend} lock: ${operation} ${tookEffect ? 'timed out after it took effect' : 'failed before reaching the store'}`);
  }
}

/** `backend` as `env`'s process sees it through a slow, lossy link. */
export function withLockLatency(backend: LockBackend, env: Env, options: LockLatencyOptions): LockBackend {
  const failRate = options.failRate ?? 0;
  const afterEffectRate = options.timeoutAfterEffectRate ?? 0;
  const latencyMs = (): number => options.minMs + Math.floor(env.random() * (options.maxMs - options.minMs + 1));

  async function call<T>(operation: string, perform: () => Promise<T>): Promise<T> {
    await env.sleep(latencyMs());
    if (env.random() < failRate) {
      lockEvents.emit(env, { kind: 'lock.fault', data: { backend: backend.name, operation, tookEffect: false } });
      throw new LockCallError(backend.name, operation, false);
    }
    const result = await perform();
    await env.sleep(latencyMs());
    if (env.random() < afterEffectRate) {
      lockEvents.emit(env, { kind: 'lock.fault', data: { backend: backend.name, operation, tookEffect: true } });
      throw new LockCallError(backend.name, operation, true);
    }
    return result;
  }

  return {
    name: backend.name,
    tryAcquire: (key, owner, ttlMs) => call('tryAcquire', () => backend.tryAcquire(key, owner, ttlMs)),
    renew: (lease, ttlMs) => call('renew', () => backend.renew(lease, ttlMs)),
    release: (lease) => call('release', () => backend.release(lease)),
    close: async () => backend.close?.(),
  };
}
