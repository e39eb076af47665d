/**
 * Monotonic clocks and crypto randomness inside simulated processes: an unmodified library that
 * calls `performance.now()`, `process.hrtime()` and `node:crypto`'s random calls (required or
 * global) reads its process's clock and draws from its seeded stream, so a seed replays in any OS
 * process; after the run the real built-ins are back.
 */
import { execFileSync } from 'node:child_process';
import nodeCrypto from 'node:crypto';
import { performance as realPerformance } from 'node:perf_hooks';
import { describe, expect, test } from 'vitest';
import { load } from '../../src/scenario/load.js';
import { World } from '../../src/sim/world.js';
import { entropyWorld } from './fixtures/entropy-world.js';

const real = {
  hrtime: process.hrtime,
  bigint: process.hrtime.bigint,
  randomBytes: nodeCrypto.randomBytes,
  randomFillSync: nodeCrypto.randomFillSync,
  randomFill: nodeCrypto.randomFill,
  randomInt: nodeCrypto.randomInt,
  randomUUID: nodeCrypto.randomUUID,
};

describe('monotonic clocks and crypto randomness in a simulated process', () => {
  test('they read the process clock and its seeded stream: one seed, one trace hash', async () => {
    const first = await entropyWorld(5);
    const again = await entropyWorld(5);
    expect(again.hash).toBe(first.hash);
    expect(again.samples).toEqual(first.samples);
    expect((await entropyWorld(6)).hash).not.toBe(first.hash);

    const { a, b } = first.samples as Record<'a' | 'b', Record<string, unknown>>;
    // Elapsed time is the process's own: the library's 250 ms and 1 s waits, to the nanosecond.
    expect(a).toMatchObject({ perfElapsed: 250, globalPerfElapsed: 250, hrElapsed: [0, 250_000_000], bigElapsed: '250000000' });
    expect(b).toMatchObject({ perfElapsed: 1_000, globalPerfElapsed: 1_000, hrElapsed: [1, 0], bigElapsed: '1000000000' });
    // The monotonic clock counts from the process's start, on its (skewed) clock.
    expect(b.perfNow).toBe(1_100);
    expect((b.timeOrigin as number) - (a.timeOrigin as number)).toBe(7_000);
    // Two processes draw from two streams; Node's own crypto is untouched.
    expect(a.uuid).not.toBe(b.uuid);
    expect(a.bytes).toMatch(/^[0-9a-f]{12}$/);
    expect(a.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.int).toBeGreaterThanOrEqual(0);
    expect(a.int).toBeLessThan(1000);
    expect(a.asyncInt).toBeGreaterThanOrEqual(10);
    expect(a.asyncInt).toBeLessThan(20);
    expect(a.fillSync).toMatch(/^0,\d+,\d+,0$/);
    expect(a.hash).toBe(nodeCrypto.createHash('sha256').update('unchanged').digest('hex').slice(0, 8));
  });

  test('the same seed gives the same trace hash in two OS processes', async () => {
    const run = (): string => execFileSync(process.execPath, ['--import', 'tsx', 'test/byo/fixtures/entropy-world.ts', '9'], { encoding: 'utf8' }).trim();
    const [first, second] = [run(), run()];
    expect(first).toMatch(/^[0-9a-f]{16,}$/);
    expect(second).toBe(first);
    expect((await entropyWorld(9)).hash).toBe(first);
  });

  test("load()'s crypto and perf_hooks are the process's even with per-process globals off", async () => {
    const draw = async (seed: number): Promise<unknown[]> => {
      const world = new World({ seed, processGlobals: false });
      const seen: unknown[] = [];
      world.spawn('p', async (env) => {
        const crypto = load<typeof nodeCrypto>('node:crypto', { env });
        const { performance } = load<typeof import('node:perf_hooks')>('perf_hooks', { env });
        const started = performance.now();
        await env.sleep(123);
        seen.push(performance.now() - started, crypto.randomBytes(8).toString('hex'), crypto.randomUUID(), crypto.webcrypto.getRandomValues(new Uint8Array(2)).join());
        seen.push(crypto.createHmac('sha256', 'k').update('x').digest('hex').length);
      });
      await world.run();
      return seen;
    };
    const first = await draw(3);
    expect(first[0]).toBe(123);
    expect(first[4]).toBe(64);
    expect(await draw(3)).toEqual(first);
    expect(await draw(4)).not.toEqual(first);
  });

  test('bad arguments fail as Node fails them', async () => {
    const world = new World({ seed: 1, processGlobals: true });
    const errors: string[] = [];
    world.spawn('p', () => {
      for (const call of [() => nodeCrypto.randomBytes(-1), () => nodeCrypto.randomInt(5, 5), () => globalThis.crypto.getRandomValues(new Float64Array(1)), () => globalThis.crypto.getRandomValues(new Uint8Array(65_537))]) {
        try {
          call();
          errors.push('no error');
        } catch (error) {
          errors.push((error as Error).name);
        }
      }
    });
    await world.run();
    expect(errors).toEqual(['RangeError', 'RangeError', 'TypeMismatchError', 'QuotaExceededError']);
  });

  test('after the run the real built-ins are back', async () => {
    await entropyWorld(5);
    expect(process.hrtime).toBe(real.hrtime);
    expect(process.hrtime.bigint).toBe(real.bigint);
    expect(nodeCrypto.randomBytes).toBe(real.randomBytes);
    expect(nodeCrypto.randomFillSync).toBe(real.randomFillSync);
    expect(nodeCrypto.randomFill).toBe(real.randomFill);
    expect(nodeCrypto.randomInt).toBe(real.randomInt);
    expect(nodeCrypto.randomUUID).toBe(real.randomUUID);
    expect(Object.hasOwn(globalThis.crypto, 'getRandomValues')).toBe(false);
    expect(Object.hasOwn(globalThis.crypto, 'randomUUID')).toBe(false);
    expect(Object.hasOwn(globalThis.performance, 'now')).toBe(false);
    expect(Object.hasOwn(globalThis.performance, 'timeOrigin')).toBe(false);
    // And they are real: the machine's clock and entropy, not a simulated one.
    expect(Math.abs(realPerformance.timeOrigin + realPerformance.now() - Date.now())).toBeLessThan(1_000);
    const [x, y] = [nodeCrypto.randomBytes(16).toString('hex'), nodeCrypto.randomBytes(16).toString('hex')];
    expect(x).not.toBe(y);
    expect(process.hrtime.bigint()).toBeGreaterThan(0n);
  });
});
