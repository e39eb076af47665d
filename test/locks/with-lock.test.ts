/**
 * `withLock` under virtual time: backoff, timeout, renewal, abort on loss, release at the end.
 * Every time asserted is virtual, so these are exact and deterministic.
 */
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env/env.js';
import { backoffDelayMs, createMemoryLock, LockLostError, LockTimeoutError, tryWithLock, withLock, type Lease, type LockBackend } from '../../src/locks/index.js';
import { World } from '../../src/sim/world.js';

/** Runs `main` as one simulated process and returns what it resolved with (or threw). */
async function inWorld<T>(setUp: (world: World) => (env: Env) => Promise<T>): Promise<{ value?: T; error?: unknown; world: World }> {
  const world = new World({ seed: 11, horizonMs: 60_000 });
  const main = setUp(world);
  const result: { value?: T; error?: unknown; world: World } = { world };
  world.spawn('subject', async (env) => {
    try {
      result.value = await main(env);
    } catch (error) {
      result.error = error;
    }
  });
  await world.run();
  return result;
}

describe('backoffDelayMs', () => {
  it('doubles from minMs, caps at maxMs, and jitters within the upper half', () => {
    const backoff = { minMs: 10, maxMs: 100 };
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelayMs(attempt, backoff, () => 0))).toEqual([5, 10, 20, 40, 50, 50]);
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelayMs(attempt, backoff, () => 0.999999))).toEqual([10, 20, 40, 80, 100, 100].map((ms) => expect.closeTo(ms, 3)));
  });
});

describe('withLock', () => {
  it('runs the work under a lease, renews it, and releases it at the end', async () => {
    const { value, world } = await inWorld((world) => {
      const lock = createMemoryLock({ now: () => world.now() });
      // Long after the first 300 ms lease would have lapsed, renewals must still keep others out.
      const thiefAttempts: Array<Promise<Lease | null>> = [];
      for (const at of [350, 650, 950]) world.at(at, () => void thiefAttempts.push(lock.tryAcquire('job', 'thief#1', 300)));
      return async (env) => {
        const seen: Lease[] = [];
        await withLock(lock, 'job', env.id, async (signal, lease) => {
          seen.push(lease);
          await env.sleep(1_000, signal);
        }, { env, ttlMs: 300 });
        return { seen, thief: await Promise.all(thiefAttempts), after: await lock.tryAcquire('job', 'next#1', 300) };
      };
    });
    expect(value?.seen[0]?.owner).toBe('subject#1');
    expect(value?.thief).toEqual([null, null, null]);
    expect(value?.after?.token).toBe(2);
    const lifecycle = world.trace.events.filter((event) => event.kind === 'lock.released' || event.kind === 'lock.acquired');
    expect(lifecycle.map((event) => event.kind)).toEqual(['lock.acquired', 'lock.released']);
  });

  it('waits with backoff while another holds the key, then gets it', async () => {
    const { value } = await inWorld((world) => {
      const lock = createMemoryLock({ now: () => world.now() });
      void lock.tryAcquire('job', 'other#1', 250);
      return async (env) => withLock(lock, 'job', env.id, async (_signal, lease) => ({ at: env.now() - world.epochMs, token: lease.token }), { env, ttlMs: 300, backoff: { minMs: 10, maxMs: 40 } });
    });
    // The other lease lapses at 250 ms; the first attempt at or after it succeeds, with the next token.
    expect(value?.token).toBe(2);
    expect(value?.at).toBeGreaterThanOrEqual(250);
    expect(value?.at).toBeLessThanOrEqual(290);
  });

  it('gives up with a LockTimeoutError after acquireTimeoutMs', async () => {
    const { error, world } = await inWorld((world) => {
      const lock = createMemoryLock({ now: () => world.now() });
      void lock.tryAcquire('job', 'other#1', 10_000);
      return async (env) => withLock(lock, 'job', env.id, async () => 'ran', { env, ttlMs: 300, acquireTimeoutMs: 500, backoff: { minMs: 20, maxMs: 100 } });
    });
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).waitedMs).toBe(500);
    expect((error as Error).message).toBe('memory lock: subject#1 gave up acquiring "job" after 500 ms');
    expect(world.elapsed()).toBe(500);
  });

  it('tryWithLock answers a busy lease without an error, and runs the work once the lease is had', async () => {
    const { value } = await inWorld((world) => {
      const lock = createMemoryLock({ now: () => world.now() });
      void lock.tryAcquire('job', 'other#1', 250);
      return async (env) => {
        const busy = await tryWithLock(lock, 'job', env.id, async () => 'ran', { env, ttlMs: 300, acquireTimeoutMs: 0 });
        await env.sleep(300);
        const had = await tryWithLock(lock, 'job', env.id, async () => 'ran', { env, ttlMs: 300, acquireTimeoutMs: 0 });
        return { busy, had };
      };
    });
    expect(value?.busy).toEqual({ acquired: false, waitedMs: 0, lastError: undefined });
    expect(value?.had).toEqual({ acquired: true, value: 'ran' });
  });

  it('aborts the work as soon as a renewal answers that the lease was taken over', async () => {
    const { value } = await inWorld((world) => {
      const lock = createMemoryLock({ now: () => world.now() });
      let held: Lease | undefined;
      // An operator frees the key at 150 ms and another process takes it at 160 ms; the renewal at 200 ms learns it.
      world.at(150, () => void lock.release(held!));
      world.at(160, () => void lock.tryAcquire('job', 'thief#1', 10_000));
      return async (env) => {
        let outcome = { abortedAt: -1, reason: undefined as unknown };
        await withLock(lock, 'job', env.id, async (signal, lease) => {
          held = lease;
          await env.sleep(5_000, signal).catch(() => (outcome = { abortedAt: env.now() - world.epochMs, reason: signal.reason }));
        }, { env, ttlMs: 300 });
        return outcome;
      };
    });
    expect(value?.abortedAt).toBe(200);
    expect(value?.reason).toBeInstanceOf(LockLostError);
    expect((value?.reason as Error).message).toBe('memory lock: lease on "job" (token 1) lost: taken over or expired');
  });

  it('aborts the work when it wakes from a pause past its lease, before doing anything else', async () => {
    const { value } = await inWorld((world) => {
      const lock = createMemoryLock({ now: () => world.now() });
      world.at(50, () => world.pause('subject', 400));
      return async (env) => {
        let outcome = { abortedAt: -1, reason: undefined as unknown };
        await withLock(lock, 'job', env.id, async (signal) => {
          await env.sleep(5_000, signal).catch(() => (outcome = { abortedAt: env.now() - world.epochMs, reason: signal.reason }));
        }, { env, ttlMs: 300 });
        return outcome;
      };
    });
    // The pause defers the renewal due at 100 ms to 500 ms; by then the lease (300 ms) has lapsed.
    expect(value?.abortedAt).toBe(500);
    expect((value?.reason as Error).message).toBe('memory lock: lease on "job" (token 1) lost: no renewal succeeded before the lease expired');
  });

  it('counts a renewal that keeps failing as lost exactly when the lease would expire', async () => {
    const { value } = await inWorld((world) => {
      const inner = createMemoryLock({ now: () => world.now() });
      const failingRenewals: LockBackend = { ...inner, name: 'flaky', renew: async () => Promise.reject(new Error('connection reset')) };
      return async (env) => {
        let abortedAt = -1;
        let cause: unknown;
        await withLock(failingRenewals, 'job', env.id, async (signal) => {
          await env.sleep(5_000, signal).catch(() => {
            abortedAt = env.now() - world.epochMs;
            cause = (signal.reason as Error).cause;
          });
        }, { env, ttlMs: 300 });
        return { abortedAt, cause, freeAfter: await inner.tryAcquire('job', 'next#1', 300) };
      };
    });
    expect(value?.abortedAt).toBe(300);
    expect((value?.cause as Error).message).toBe('connection reset');
    // It still released on the way out (the lease had not been taken over), so the key is free.
    expect(value?.freeAfter).not.toBeNull();
  });

  it('counts a renewal that hangs past the expiry as lost', async () => {
    const { value } = await inWorld((world) => {
      const inner = createMemoryLock({ now: () => world.now() });
      return async (env) => {
        const hanging: LockBackend = { ...inner, renew: async (lease, ttlMs) => env.sleep(10_000).then(() => inner.renew(lease, ttlMs)) };
        let abortedAt = -1;
        await withLock(hanging, 'job', env.id, async (signal) => {
          await env.sleep(5_000, signal).catch(() => (abortedAt = env.now() - world.epochMs));
        }, { env, ttlMs: 300 });
        return abortedAt;
      };
    });
    expect(value).toBe(300);
  });

  it('rejects a nonsensical ttl or renew fraction', async () => {
    const { error } = await inWorld((world) => {
      const lock = createMemoryLock({ now: () => world.now() });
      return async (env) => withLock(lock, 'job', env.id, async () => 1, { env, ttlMs: 100, renewEveryFraction: 1.5 });
    });
    expect((error as Error).message).toBe('withLock: renewEveryFraction must be in (0, 1), got 1.5');
  });
});
