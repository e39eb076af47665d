/**
 * `load()`: a library that waits through `node:timers/promises` sleeps its process's own sleep (a
 * pause defers it, a crash drops it), and `node:timers` is the process's timers when per-process
 * globals are on, as a bare `setTimeout` is.
 */
import { describe, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { load } from '../../src/scenario/load.js';
import { World } from '../../src/sim/world.js';

const LIBRARY = fileURLToPath(new URL('./fixtures/timers-library/index.cjs', import.meta.url));

interface TimersLibrary {
  waits(mark: (label: string) => void): Promise<void>;
}

async function marks(configure: (world: World) => void): Promise<Record<string, [string, number][]>> {
  const world = new World({ seed: 1, processGlobals: true });
  const seen: Record<string, [string, number][]> = {};
  for (const name of ['plain', 'paused', 'crashed']) {
    world.spawn(name, async (env) => {
      seen[name] = [];
      await load<TimersLibrary>(LIBRARY, { env }).waits((label) => seen[name]!.push([label, world.now() - world.epochMs]));
    });
  }
  configure(world);
  await world.run();
  expect(world.trace.events.find((event) => event.kind === 'process.error')).toBeUndefined();
  return seen;
}

describe('load(): node:timers and node:timers/promises are the process’s', () => {
  test('every wait takes virtual time; a pause defers it; a crash drops it', async () => {
    const seen = await marks((world) => {
      world.at(100, () => world.pause('paused', 1_000));
      world.at(100, () => world.crash('crashed'));
    });
    expect(seen.plain).toEqual([
      ['slept', 300],
      ['tick', 400],
      ['tick', 500],
      ['tick', 600],
      ['waited', 650],
      ['AbortError', 670],
      ['timers.setTimeout', 870],
    ]);
    expect(seen.paused).toEqual(seen.plain!.map(([label, at]) => [label, at + 1_000]));
    expect(seen.crashed).toEqual([]);
  });
});
