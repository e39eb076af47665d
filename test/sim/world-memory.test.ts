/**
 * A world that has ended is garbage: nothing a run leaves behind keeps it reachable, so a campaign
 * of thousands of seeds holds one world at a time, not thousands.
 *
 * What kept worlds alive was a sleep still waiting when its run ended (at the horizon, or in a
 * crashed process) on a composite signal (`AbortSignal.any`): Node keeps such a signal in a global
 * set while it has an abort listener, and the listener reached the process and its world.
 *
 * The collectability checks force a full collection (`gc`, turned on here through V8's flags) and
 * look whether a `WeakRef` to the world was cleared: no timing involved. A `WeakRef` target is held
 * until the end of the job that made or read it, so each check first waits a macrotask.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, test } from 'vitest';
import { z } from 'zod';
import { runScenario } from '../../src/scenario/run.js';
import { defineScenario } from '../../src/scenario/scenario.js';
import { World } from '../../src/sim/world.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function collected(ref: WeakRef<object>): Promise<boolean> {
  await nextMacrotask();
  collectGarbage();
  await nextMacrotask();
  collectGarbage();
  return ref.deref() === undefined;
}

/** Processes that sleep on a signal combined from two that never abort, past the horizon; one of them crashes while it sleeps. */
function sleepersPastTheHorizon(world: World): void {
  const stop = new AbortController();
  const lifetime = new AbortController();
  for (const name of ['a', 'b']) {
    world.spawn(name, async (env) => {
      for (;;) await env.sleep(700, AbortSignal.any([stop.signal, lifetime.signal]));
    });
  }
  world.at(1_500, () => world.crash('b'));
}

test('a sleep waiting on a composite signal when the run ends leaves no listener on it', async () => {
  const world = new World({ seed: 1, horizonMs: 5_000 });
  sleepersPastTheHorizon(world);
  let duringTheRun = -1;
  world.at(2_000, () => {
    duringTheRun = world.pendingAbortListeners;
  });
  const outcome = await world.run();
  expect(outcome.status).toBe('horizon');
  // a still sleeps; b's last sleep never ends either (b crashed in it).
  expect(duringTheRun).toBe(2);
  expect(world.pendingAbortListeners).toBe(0);
});

test('a sleep that ends, or is aborted, takes its listener off at once', async () => {
  const world = new World({ seed: 1, horizonMs: 10_000 });
  const stop = new AbortController();
  const other = new AbortController();
  let aborted = false;
  world.spawn('w', async (env) => {
    await env.sleep(100, AbortSignal.any([stop.signal, other.signal]));
    await env.sleep(5_000, AbortSignal.any([stop.signal, other.signal])).catch(() => {
      aborted = true;
    });
  });
  const counts: number[] = [];
  world.at(50, () => counts.push(world.pendingAbortListeners));
  world.at(200, () => counts.push(world.pendingAbortListeners));
  world.at(300, () => stop.abort());
  world.at(400, () => counts.push(world.pendingAbortListeners));
  await world.run();
  expect(counts).toEqual([1, 1, 0]);
  expect(aborted).toBe(true);
});

test('an ended world is collectable, although its sleeps waited on composite signals', async () => {
  const ref = await (async () => {
    const world = new World({ seed: 7, horizonMs: 5_000 });
    sleepersPastTheHorizon(world);
    await world.run();
    return new WeakRef(world);
  })();
  expect(await collected(ref)).toBe(true);
});

const sleepy = defineScenario<{ workers: number }, { readonly worlds: WeakRef<World>[] }>({
  name: 'sleepy',
  summary: 'workers that sleep on combined signals until the horizon',
  params: z.object({ workers: z.number().int().positive().default(3) }).strict(),
  horizonMs: () => 10_000,
  faultSpace: () => ({ targets: [], windowMs: 0, rates: {} }),
  faultKinds: [],
  setup(world, p) {
    const stop = new AbortController();
    for (let index = 0; index < p.workers; index++) {
      world.spawn(`w${index}`, async (env) => {
        const lifetime = new AbortController();
        for (;;) await env.sleep(300, AbortSignal.any([stop.signal, lifetime.signal]));
      });
    }
    worldsSeen.push(new WeakRef(world));
    return { worlds: worldsSeen };
  },
  invariants: [],
});
const worldsSeen: WeakRef<World>[] = [];

test('the worlds of a run of seeds are collectable once the runs are over', async () => {
  for (let seed = 1; seed <= 5; seed++) {
    const result = await runScenario(sleepy, { seed });
    expect(result.status).toBe('passed');
  }
  expect(worldsSeen).toHaveLength(5);
  const alive = [];
  for (const ref of worldsSeen) if (!(await collected(ref))) alive.push(ref);
  expect(alive).toHaveLength(0);
});
