/**
 * An error thrown in a callback outside a process's main chain (a promise continuation nobody
 * awaits, as a library's timer or event handler would make) crashes that simulated process and is
 * judged as `no-uncaught-errors` with its stack; the harness and the other processes go on.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineScenario, runScenario } from '../../src/index.js';

const scenario = defineScenario<{ throwAtMs: number }, void>({
  name: 'callback-throws',
  summary: 'one process throws in a detached callback, another keeps ticking',
  params: z.object({ throwAtMs: z.number().int().positive().default(50) }).strict(),
  horizonMs: () => 1_000,
  faultSpace: () => ({ targets: ['lib', 'steady'], windowMs: 0, rates: {} }),
  setup(world, p) {
    world.spawn('lib', async (env) => {
      // A library callback: scheduled, never awaited, throws later.
      void env.sleep(p.throwAtMs).then(function libraryTimerCallback() {
        throw new Error('boom in a library callback');
      });
      for (;;) await env.sleep(10);
    });
    world.spawn('steady', async (env) => {
      for (let tick = 0; tick < 50; tick += 1) {
        env.log('tick', { tick });
        await env.sleep(10);
      }
    });
  },
  invariants: [],
});

describe('errors thrown in callbacks outside a process main', () => {
  test('crash the process that made them and are reported with their stack; the run goes on', async () => {
    const result = await runScenario(scenario, { seed: 1 });
    expect(result.status).toBe('violated');
    const [violation] = result.violations;
    expect(violation?.invariant).toBe('no-uncaught-errors');
    expect(violation?.pid).toBe('lib#1');
    expect(violation?.message).toContain('lib#1 died: Error: boom in a library callback');
    expect(violation?.message).toContain('libraryTimerCallback');
    expect(violation?.atMs).toBe(result.epochMs + 50);
    // The other process ran to its end; the crashed one did nothing after its crash.
    expect(result.trace.filter((event) => event.kind === 'tick')).toHaveLength(50);
    expect(result.trace.some((event) => event.pid === 'steady#1' && event.kind === 'process.exit')).toBe(true);
  });

  test('replays: the same seed gives the same trace hash', async () => {
    const [first, second] = [await runScenario(scenario, { seed: 3 }), await runScenario(scenario, { seed: 3 })];
    expect(first.traceHash).toBe(second.traceHash);
  });
});
