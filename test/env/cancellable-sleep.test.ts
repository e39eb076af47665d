/**
 * `cancellableSleep(env, ms)`: the simulated env's own (no AbortSignal) and the fallback through
 * `sleep` and an AbortController behave as a sleep whose signal is aborted: the wake-up is dropped,
 * `slept` rejects with the reason at once, and a cancel after the wake-up changes nothing.
 */
import { describe, expect, test } from 'vitest';
import { cancellableSleep, StoppableSleeper } from '../../src/env/cancellable-sleep.js';
import type { Env } from '../../src/env/env.js';
import { World } from '../../src/sim/world.js';

/** The same env without its own `cancellableSleep`, so the helper takes the fallback. */
function withoutOwn(env: Env): Env {
  return { id: env.id, fs: env.fs, now: () => env.now(), sleep: (ms, signal) => env.sleep(ms, signal), random: () => env.random(), log: (kind, data) => env.log(kind, data), print: (line) => env.print(line) };
}

describe.each([
  ['the simulated env', (env: Env) => env],
  ['the fallback', withoutOwn],
])('cancellableSleep through %s', (_name, envOf) => {
  test('resolves after its time when nothing cancels it', async () => {
    const world = new World({ seed: 1 });
    const seen: number[] = [];
    world.spawn('p', async (raw) => {
      const env = envOf(raw);
      await cancellableSleep(env, 250).slept;
      seen.push(world.elapsed());
    });
    await world.run();
    expect(seen).toEqual([250]);
  });

  test('a cancel rejects at once with its reason and drops the wake-up', async () => {
    const world = new World({ seed: 1 });
    const seen: unknown[] = [];
    const reason = new Error('called off');
    world.spawn('p', async (raw) => {
      const env = envOf(raw);
      const sleep = cancellableSleep(env, 10_000);
      await env.sleep(100);
      sleep.cancel(reason);
      await sleep.slept.catch((error: unknown) => seen.push(error, world.elapsed()));
    });
    const outcome = await world.run();
    expect(seen).toEqual([reason, 100]);
    // The dropped wake-up neither fired nor kept the run going until 10 s.
    expect(outcome.simulatedMs).toBe(100);
  });

  test('a cancel after the wake-up changes nothing', async () => {
    const world = new World({ seed: 1 });
    const seen: string[] = [];
    world.spawn('p', async (raw) => {
      const env = envOf(raw);
      const sleep = cancellableSleep(env, 50);
      await sleep.slept;
      sleep.cancel(new Error('too late'));
      await sleep.slept;
      seen.push('resolved');
    });
    await world.run();
    expect(seen).toEqual(['resolved']);
  });

  test('a pause defers it, as it defers any sleep', async () => {
    const world = new World({ seed: 1 });
    const seen: number[] = [];
    world.spawn('p', async (raw) => {
      await cancellableSleep(envOf(raw), 100).slept;
      seen.push(world.elapsed());
    });
    world.at(10, () => world.pause('p', 500));
    await world.run();
    expect(seen).toEqual([600]);
  });
});

describe('StoppableSleeper', () => {
  test('sleeps as env.sleep(ms, stop) does: whole sleeps, a stop rejecting the one under way and every later one, one listener for its life', async () => {
    const world = new World({ seed: 1 });
    const seen: string[] = [];
    const stop = new AbortController();
    let added = 0;
    const add = stop.signal.addEventListener.bind(stop.signal);
    stop.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added += 1;
      return add(...args);
    }) as typeof add;
    world.spawn('sleeper', async (env) => {
      const sleeper = new StoppableSleeper(env, stop.signal);
      for (let index = 0; index < 3; index++) await sleeper.sleep(100);
      seen.push(`slept to ${world.elapsed()}`);
      await sleeper.sleep(10_000).catch((error: unknown) => seen.push(`stopped at ${world.elapsed()}: ${(error as Error).message}`));
      await sleeper.sleep(10).catch((error: unknown) => seen.push(`after the stop at ${world.elapsed()}: ${(error as Error).message}`));
      sleeper.close();
    });
    world.spawn('stopper', async (env) => {
      await env.sleep(1_000);
      stop.abort(new Error('SIGTERM'));
    });
    await world.run();
    expect(seen).toEqual(['slept to 300', 'stopped at 1000: SIGTERM', 'after the stop at 1000: SIGTERM']);
    expect(added).toBe(1);
  });

  test('without a stop it is env.sleep', async () => {
    const world = new World({ seed: 1 });
    const seen: number[] = [];
    world.spawn('p', async (env) => {
      const sleeper = new StoppableSleeper(env, undefined);
      await sleeper.sleep(250);
      seen.push(world.elapsed());
      sleeper.close();
    });
    await world.run();
    expect(seen).toEqual([250]);
  });
});
