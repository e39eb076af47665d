/**
 * Per-process globals: code in a simulated process that calls `Date`, the global timers,
 * `Math.random` or `crypto.randomUUID` directly gets that process's clock (its skew included), its
 * sleeps (deferred by a pause, dropped by a crash) and its seeded stream; outside a run the real
 * built-ins are back.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { World } from '../../src/sim/world.js';
import { globalsWorldHash } from './fixtures/globals-world.js';

const RealDate = Date;

describe('per-process globals', () => {
  test('Date inside a process reads its clock, skew included; outside a process, the world clock', async () => {
    const world = new World({ seed: 1, processGlobals: true });
    const seen: Record<string, number> = {};
    world.spawn('skewed', async (env) => {
      await env.sleep(1_000);
      seen.now = Date.now();
      seen.date = new Date().getTime();
      seen.env = env.now();
      seen.world = world.now();
      seen.parsed = new Date('2001-02-03T04:05:06Z').getTime();
    });
    world.setSkew('skewed', 60_000);
    world.at(2_000, () => {
      seen.outside = Date.now();
      seen.outsideWorld = world.now();
    });
    await world.run();
    expect(seen.now).toBe(seen.world! + 60_000);
    expect(seen.date).toBe(seen.env);
    expect(seen.parsed).toBe(RealDate.UTC(2001, 1, 3, 4, 5, 6));
    expect(seen.outside).toBe(seen.outsideWorld);
    // After the run the real built-ins are back.
    expect(Date).toBe(RealDate);
    expect(Math.abs(Date.now() - RealDate.now())).toBeLessThan(1_000);
    expect(new Date()).toBeInstanceOf(RealDate);
  });

  test('a timer is deferred by its process pause and dropped by its crash', async () => {
    const world = new World({ seed: 1, processGlobals: true });
    const fired: Record<string, number> = {};
    for (const name of ['paused', 'crashed', 'plain']) {
      world.spawn(name, () => {
        setTimeout(() => {
          fired[name] = world.now() - world.epochMs;
        }, 1_000);
      });
    }
    world.at(500, () => world.pause('paused', 2_000));
    world.at(500, () => world.crash('crashed'));
    await world.run();
    expect(fired).toEqual({ paused: 3_000, plain: 1_000 });
  });

  test('setInterval repeats on virtual time until cleared; clearTimeout by handle or by number', async () => {
    const world = new World({ seed: 1, processGlobals: true });
    const ticks: number[] = [];
    let cleared = 'not run';
    world.spawn('p', () => {
      const interval = setInterval(() => {
        ticks.push(world.now() - world.epochMs);
        if (ticks.length === 3) clearInterval(interval);
      }, 250);
      const byHandle = setTimeout(() => (cleared = 'fired'), 10);
      const byNumber = setTimeout(() => (cleared = 'fired'), 10);
      clearTimeout(byHandle);
      clearTimeout(Number(byNumber));
      cleared = 'cleared';
    });
    await world.run();
    expect(ticks).toEqual([250, 500, 750]);
    expect(cleared).toBe('cleared');
  });

  test('Math.random and crypto.randomUUID come from the process stream: the same seed, the same values', async () => {
    const draw = async (seed: number): Promise<unknown[]> => {
      const world = new World({ seed, processGlobals: true });
      const values: unknown[] = [];
      for (const name of ['a', 'b']) world.spawn(name, () => void values.push(name, Math.random(), randomUUID(), crypto.randomUUID()));
      await world.run();
      return values;
    };
    const first = await draw(7);
    expect(await draw(7)).toEqual(first);
    expect(await draw(8)).not.toEqual(first);
    expect(first[1]).not.toBe(first[5]);
    expect(first[2]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('an exception in a timer callback crashes its process, not the run', async () => {
    const world = new World({ seed: 1, processGlobals: true });
    world.spawn('thrower', () => {
      setTimeout(() => {
        throw new Error('boom in a timer');
      }, 100);
    });
    await world.run();
    expect(world.trace.events.find((event) => event.kind === 'process.error')?.data).toEqual({ message: 'Error: boom in a timer' });
  });

  test('a world that did not opt in leaves the globals alone', async () => {
    const world = new World({ seed: 1, processGlobals: false });
    let seen: DateConstructor | undefined;
    world.spawn('p', () => {
      seen = Date;
    });
    await world.run();
    expect(seen).toBe(RealDate);
  });

  test('the same seed gives the same trace hash in two OS processes', async () => {
    const run = (): string => execFileSync(process.execPath, ['--import', 'tsx', 'test/byo/fixtures/globals-world.ts', '3'], { encoding: 'utf8' }).trim();
    const [first, second] = [run(), run()];
    expect(first).toMatch(/^[0-9a-f]{16,}$/);
    expect(second).toBe(first);
    expect(await globalsWorldHash(3)).toBe(first);
  });
});
