/**
 * The seeded tie order: events due at one virtual instant fire in an order drawn from the seed,
 * the same for the same seed, while the default keeps creation order (and so every trace hash).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineScenario } from '../../src/scenario/scenario.js';
import { runScenario } from '../../src/scenario/run.js';
import { World, type TieOrder } from '../../src/sim/world.js';
import { simrun } from '../cli/helpers.js';
import lockScenario from '../../scenarios/lock.js';

/** Which order `count` processes, all waking at t = 10 ms, ran in. */
async function wakeOrder(seed: number, tieOrder?: TieOrder, count = 6): Promise<string[]> {
  const world = new World({ seed, ...(tieOrder === undefined ? {} : { tieOrder }) });
  const order: string[] = [];
  for (let index = 1; index <= count; index += 1) {
    world.spawn(`p${index}`, async (env) => {
      await env.sleep(10);
      order.push(`p${index}`);
    });
  }
  world.at(10, () => order.push('world'));
  await world.run();
  return order;
}

/**
 * A race only the order at one instant decides: a reader and a writer both wake at t = 100; the
 * reader, spawned first, always goes first in creation order and never sees the half-written value.
 */
const halfWrite = defineScenario({
  name: 'half-write',
  summary: 'a reader and a writer wake at the same instant; the reader must not see the half-written state',
  params: z.object({}).strict(),
  horizonMs: () => 1_000,
  faultSpace: () => ({ targets: [], windowMs: 1, rates: {} }),
  async setup(world) {
    await world.fs.writeFile('/value', 'old');
    world.spawn('reader', async (env) => {
      await env.sleep(100);
      env.log('read', { value: await env.fs.readFile('/value', 'utf8') });
    });
    world.spawn('writer', async (env) => {
      await env.sleep(100);
      await env.fs.writeFile('/value', 'half');
      await env.sleep(5);
      await env.fs.writeFile('/value', 'new');
    });
  },
  invariants: [
    {
      name: 'no-half-read',
      description: 'the reader never sees the half-written value',
      check: ({ trace }) => trace.filter((event) => event.kind === 'read' && event.data?.value === 'half').map((event) => ({ invariant: 'no-half-read', message: 'read the half-written value', atMs: event.t })),
    },
  ],
});

const outDir = mkdtempSync(join(tmpdir(), 'simrun-ties-'));

describe('tie order', () => {
  test('fifo (the default) fires the events of one instant in creation order, after the world lane', async () => {
    const expected = ['world', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    expect(await wakeOrder(1)).toEqual(expected);
    expect(await wakeOrder(2, 'fifo')).toEqual(expected);
  });

  test('seeded shuffles the events of one instant within their lane, the same way for the same seed', async () => {
    const orders = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => wakeOrder(seed, 'seeded')));
    for (const order of orders) {
      // Lanes keep their order: the world's action still comes before every process wake-up.
      expect(order[0]).toBe('world');
      expect([...order].sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'world']);
    }
    expect(new Set(orders.map((order) => order.join(','))).size).toBeGreaterThan(4);
    expect(await wakeOrder(3, 'seeded')).toEqual(orders[2]);
  });

  test('a race the fixed order never shows is found under the seeded order, and replays from its seed', async () => {
    const fifo = await Promise.all(Array.from({ length: 20 }, (_, seed) => runScenario(halfWrite, { seed })));
    expect(fifo.every((run) => run.status === 'passed')).toBe(true);
    const seeded = await Promise.all(Array.from({ length: 20 }, (_, seed) => runScenario(halfWrite, { seed, tieOrder: 'seeded' })));
    const failing = seeded.filter((run) => run.status === 'violated');
    expect(failing.length).toBeGreaterThan(0);
    const first = failing[0]!;
    expect(first.tieOrder).toBe('seeded');
    expect(first.replay).toContain('--tie-order seeded');
    const again = await runScenario(halfWrite, { seed: first.seed, tieOrder: 'seeded' });
    expect(again.traceHash).toBe(first.traceHash);
  });

  test('a built-in scenario under the seeded order: one trace per seed, another than the default order gives', async () => {
    const fifo = await runScenario(lockScenario, { seed: 4 });
    const explicitFifo = await runScenario(lockScenario, { seed: 4, tieOrder: 'fifo' });
    expect(explicitFifo.traceHash).toBe(fifo.traceHash);
    const [first, second] = await Promise.all([runScenario(lockScenario, { seed: 4, tieOrder: 'seeded' }), runScenario(lockScenario, { seed: 4, tieOrder: 'seeded' })]);
    expect(second.traceHash).toBe(first.traceHash);
    expect(first.traceHash).not.toBe(fifo.traceHash);
  });

  test('the same seed and tie order give the same trace hash in two OS processes', () => {
    const runs = [1, 2].map(() => simrun(['scenario', 'lock', '--seed', '9', '--tie-order', 'seeded', '--json', '--out-dir', outDir]));
    const hashes = runs.map((run) => JSON.parse(run.stdout).traceHash as string);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[1]).toBe(hashes[0]);
  });
});
