import { describe, expect, it } from 'vitest';
import { createMemoryLock, FencedResource, findFenceViolations, LockCallError, withLockLatency } from '../../src/locks/index.js';
import { World } from '../../src/sim/world.js';

describe('FencedResource', () => {
  it('accepts equal or higher tokens per key and refuses lower ones', () => {
    let now = 0;
    const resource = new FencedResource(() => now++);
    expect(resource.accept('a', 2, 'p#1')).toBe(true);
    expect(resource.accept('a', 2, 'p#1')).toBe(true);
    expect(resource.accept('a', 1, 'q#1')).toBe(false);
    expect(resource.accept('b', 1, 'q#1')).toBe(true);
    expect(resource.accept('a', 3, 'q#1')).toBe(true);
    expect(resource.highestToken('a')).toBe(3);
    expect(resource.log.map((op) => [op.key, op.token, op.outcome])).toEqual([
      ['a', 2, 'accepted'],
      ['a', 2, 'accepted'],
      ['a', 1, 'refused'],
      ['b', 1, 'accepted'],
      ['a', 3, 'accepted'],
    ]);
    expect(findFenceViolations(resource.log)).toEqual([]);
  });

  it('write runs accepted work, skips refused work, and logs both', async () => {
    const resource = new FencedResource(() => 0);
    expect(await resource.write('a', 5, 'p#1', async () => 'done')).toEqual({ accepted: true, value: 'done' });
    let ran = false;
    expect(await resource.write('a', 4, 'q#1', async () => void (ran = true))).toEqual({ accepted: false });
    expect(ran).toBe(false);
    expect(resource.log.map((op) => op.outcome)).toEqual(['accepted', 'refused']);
  });
});

describe('findFenceViolations', () => {
  it('finds two accepted sections with different tokens that overlap', async () => {
    const resource = new FencedResource(() => 0);
    let letFirstFinish = (): void => {};
    const first = resource.write('a', 1, 'p#1', () => new Promise<void>((resolve) => (letFirstFinish = resolve)));
    await resource.write('a', 2, 'q#1', async () => {});
    letFirstFinish();
    await first;
    const violations = findFenceViolations(resource.log);
    expect(violations.map((violation) => violation.kind)).toEqual(['overlap']);
    expect(violations[0]?.message).toMatch(/token 1 \(p#1, .*\) overlaps token 2 \(q#1/);
  });

  it('finds a stale token and a token accepted from two owners in a log from a broken resource', () => {
    const base = { key: 'a', outcome: 'accepted' as const, startMs: 0, endMs: 0 };
    const violations = findFenceViolations([
      { ...base, token: 3, owner: 'p#1', highestBefore: 0, startSeq: 0, endSeq: 1 },
      { ...base, token: 2, owner: 'q#1', highestBefore: 3, startSeq: 2, endSeq: 3 },
      { ...base, token: 3, owner: 'r#1', highestBefore: 3, startSeq: 4, endSeq: 5 },
    ]);
    expect(violations.map((violation) => violation.kind)).toEqual(['stale-token', 'token-reuse']);
  });
});

describe('withLockLatency', () => {
  it('takes its latency through env.sleep and can fail after the call took effect', async () => {
    const world = new World({ seed: 3 });
    const lock = createMemoryLock({ now: () => world.now() });
    const results: unknown[] = [];
    world.spawn('caller', async (env) => {
      const slow = withLockLatency(lock, env, { minMs: 10, maxMs: 10, timeoutAfterEffectRate: 1 });
      results.push(await slow.tryAcquire('job', env.id, 1_000).catch((error: unknown) => error));
      results.push(env.now() - world.epochMs);
      const failing = withLockLatency(lock, env, { minMs: 5, maxMs: 5, failRate: 1 });
      results.push(await failing.release({ key: 'job', owner: env.id, token: 1, acquiredAt: 0, expiresAt: 0 }).catch((error: unknown) => error));
    });
    await world.run();
    const [afterEffect, elapsedMs, beforeEffect] = results as [LockCallError, number, LockCallError];
    expect(afterEffect).toBeInstanceOf(LockCallError);
    expect(afterEffect.tookEffect).toBe(true);
    expect(elapsedMs).toBe(20);
    // The acquire took effect although the caller saw a timeout: the key is held.
    expect(await lock.tryAcquire('job', 'other#1', 1_000)).toBeNull();
    expect(beforeEffect.tookEffect).toBe(false);
    expect(beforeEffect.message).toBe('memory lock: release failed before reaching the store');
  });
});
