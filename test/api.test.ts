/**
 * simrun as a library, the way a user's own vitest suite would call it: through the package's
 * public entry point only.
 */
import { expect, test } from 'vitest';
import { bucket, checks, defineScenario, loadScenario, runScenario, withLock, createMemoryLock } from '../src/index.js';
import { z } from 'zod';

test('a built-in scenario runs from the public API and replays to the same hash', async () => {
  const scenario = await loadScenario('lock');
  const first = await runScenario(scenario, { seed: 11 });
  const second = await runScenario(scenario, { seed: 11, plan: first.plan });
  expect(first.status).toBe('passed');
  expect(second.traceHash).toBe(first.traceHash);
  expect(checks.lock.checkFencing(checks.lock.lockHistoryFromTrace(first.trace))).toEqual([]);
});

test("a user's own scenario over simrun's locks: a violation comes back typed, with the broken invariant", async () => {
  const scenario = defineScenario({
    name: 'two-writers',
    summary: 'two processes append to one file, with or without a lock',
    params: z.object({ locked: z.boolean().default(true) }).strict(),
    horizonMs: () => 60_000,
    faultSpace: () => ({ targets: ['a', 'b'], windowMs: 1, rates: {} }),
    setup(world, p) {
      const lock = createMemoryLock({ now: () => world.now() });
      for (const name of ['a', 'b']) {
        world.spawn(name, async (env) => {
          const append = async (): Promise<void> => {
            const before = await env.fs.readFile('/log', 'utf8').catch(() => '');
            await env.sleep(10);
            await env.fs.writeFile('/log', `${before}${name}\n`);
          };
          if (p.locked) await withLock(lock, 'log', env.id, append, { env, ttlMs: 1_000 });
          else await append();
        });
      }
    },
    invariants: [
      {
        name: 'both-lines',
        description: 'both appends survive',
        async check({ world }) {
          const lines = (await world.fs.readFile('/log', 'utf8')).trim().split('\n');
          return lines.length === 2 ? [] : [{ invariant: 'both-lines', message: `only ${lines.length} line(s) in the log` }];
        },
      },
    ],
  });
  expect((await runScenario(scenario, { seed: 1 })).status).toBe('passed');
  const racy = await runScenario(scenario, { seed: 1, params: { locked: false } });
  expect(racy.status).toBe('violated');
  if (racy.status === 'violated') expect(racy.violations.map((violation) => violation.invariant)).toEqual(['both-lines']);
});

test('the systems under test are reachable as namespaces', () => {
  expect(bucket.formatStatsLine).toBeTypeOf('function');
  expect(Object.keys(checks).sort()).toEqual(['bucket', 'clientJobs', 'cron', 'dag', 'jobRunner', 'lock']);
});
