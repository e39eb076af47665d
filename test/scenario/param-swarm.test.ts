/**
 * Parameter swarm and the world's start: a seed draws a scenario's parameters from its declared
 * ranges, a start and a zone; the draw is printed, replays from the seed alone (or spelled out
 * beside a plan file), and plain runs draw nothing.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { defineScenario } from '../../src/scenario/scenario.js';
import { prepareRun, runScenario } from '../../src/scenario/run.js';
import { drawParams } from '../../src/scenario/param-swarm.js';
import { formatLocal, offsetTransitions, parseStart, transitionDirection } from '../../src/scenario/calendar.js';
import { loadBuiltInScenarios } from '../../src/scenario/registry.js';
import { Prng } from '../../src/sim/prng.js';
import { DEFAULT_EPOCH_MS } from '../../src/sim/world.js';
import { describeSetup } from '../../src/cli/commands/scenario.js';

const sized = defineScenario({
  name: 'sized',
  summary: 'workers sleep and log, so parameters and start show in the trace',
  params: z.object({ workers: z.number().int().positive().default(2), stepMs: z.number().int().positive().default(100), burstMs: z.number().int().positive().default(100), mode: z.enum(['a', 'b']).default('a') }).strict(),
  horizonMs: () => 10_000,
  faultSpace: (p) => ({ targets: Array.from({ length: p.workers }, (_, index) => `w${index + 1}`), windowMs: 5_000, rates: { pause: 1 }, pauseMsMax: 200 }),
  paramRanges: {
    workers: { min: 1, max: 6, integer: true },
    stepMs: { min: 10, max: 1_000, integer: true, log: true },
    // Depends on the step drawn before it.
    burstMs: (p) => ({ min: p.stepMs, max: 2 * p.stepMs, integer: true }),
    mode: { oneOf: ['a', 'b'] },
  },
  setup(world, p) {
    for (let index = 1; index <= p.workers; index += 1) {
      world.spawn(`w${index}`, async (env) => {
        for (let step = 0; step < 5; step += 1) {
          await env.sleep(p.stepMs);
          env.log('step', { mode: p.mode, at: env.now() });
        }
      });
    }
  },
  invariants: [],
});

describe('parameter swarm', () => {
  test('draws every declared parameter within its range, dependent ranges from what was drawn before', async () => {
    for (let seed = 0; seed < 50; seed += 1) {
      const setup = await prepareRun(sized, { seed, swarm: true });
      const p = setup.params;
      expect(p.workers).toBeGreaterThanOrEqual(1);
      expect(p.workers).toBeLessThanOrEqual(6);
      expect(p.stepMs).toBeGreaterThanOrEqual(10);
      expect(p.stepMs).toBeLessThanOrEqual(1_000);
      expect(p.burstMs).toBeGreaterThanOrEqual(p.stepMs);
      expect(p.burstMs).toBeLessThanOrEqual(2 * p.stepMs);
      expect(Object.keys(setup.swarmParams ?? {})).toEqual(['workers', 'stepMs', 'burstMs', 'mode']);
    }
    const setups = await Promise.all(Array.from({ length: 50 }, (_, seed) => prepareRun(sized, { seed, swarm: true })));
    const workers = new Set(setups.map((setup) => setup.params.workers));
    expect(workers.size).toBe(6);
  });

  test('a parameter the user sets is not drawn and shifts no other draw', async () => {
    const free = drawParams(sized.paramRanges, {}, (given) => sized.params.parse(given), Prng.root(7).fork('swarm-params'));
    const pinned = drawParams(sized.paramRanges, { workers: 3 }, (given) => sized.params.parse(given), Prng.root(7).fork('swarm-params'));
    expect(pinned.workers).toBeUndefined();
    expect(pinned.stepMs).toBe(free.stepMs);
    expect(pinned.mode).toBe(free.mode);
    expect((await prepareRun(sized, { seed: 7, swarm: true, params: { workers: 3 } })).params.workers).toBe(3);
  });

  test('plain runs draw nothing: default parameters, start and zone', async () => {
    const setup = await prepareRun(sized, { seed: 7 });
    expect(setup.swarmParams).toBeUndefined();
    expect(setup.params).toEqual(sized.params.parse({}));
    expect(setup.startMs).toBe(DEFAULT_EPOCH_MS);
    expect(setup.timeZone).toBe('UTC');
  });

  test('every drawn option is printed before the run, and the seed alone replays the run', async () => {
    const lines = describeSetup(await prepareRun(sized, { seed: 11, swarm: true }));
    expect(lines[0]).toMatch(/^options: /);
    expect(lines.join('\n')).toMatch(/^swarm parameters: workers=\d+ stepMs=\d+ burstMs=\d+ mode=[ab]$/m);
    expect(lines.join('\n')).toMatch(/^start: \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z, .* in \S+ \(drawn\)/m);
    expect(lines.join('\n')).toMatch(/^swarm: pause=/m);
    const first = await runScenario(sized, { seed: 11, swarm: true });
    const second = await runScenario(sized, { seed: 11, swarm: true });
    expect(second.traceHash).toBe(first.traceHash);
    expect(first.swarmParams).toEqual((await prepareRun(sized, { seed: 11, swarm: true })).swarmParams);
    expect(first.replay).toBe('simrun scenario sized --seed 11 --swarm');
  });

  test('replaying the plan file of a swarm run spells out the drawn parameters, start and zone, and gives the same trace', async () => {
    const swarmRun = await runScenario(sized, { seed: 12, swarm: true, plan: undefined });
    const planned = await runScenario(sized, { seed: 12, swarm: true, plan: swarmRun.plan, planPath: 'plan.json' });
    expect(planned.traceHash).toBe(swarmRun.traceHash);
    expect(planned.replay).toContain('--plan plan.json');
    expect(planned.replay).not.toContain('--swarm');
    expect(planned.replay).toContain(`--set workers=${String(swarmRun.params.workers)}`);
    const spelled = await runScenario(sized, {
      seed: 12,
      params: swarmRun.swarmParams ?? {},
      plan: swarmRun.plan,
      start: swarmRun.epochMs,
      timeZone: swarmRun.timeZone,
    });
    expect(spelled.traceHash).toBe(swarmRun.traceHash);
  });

  test('every built-in scenario declares ranges, and every draw is a valid configuration', async () => {
    for (const scenario of await loadBuiltInScenarios()) {
      expect(Object.keys(scenario.paramRanges ?? {}).length, scenario.name).toBeGreaterThan(1);
      for (let seed = 1; seed <= 40; seed += 1) await expect(prepareRun(scenario, { seed, swarm: true }), `${scenario.name} seed ${seed}`).resolves.toBeDefined();
    }
  });
});

describe('start and time zone', () => {
  test('--start takes an instant, or a wall time in the zone (first occurrence at a fall-back, shifted past a spring-forward)', () => {
    expect(parseStart('2021-03-14T06:30:00Z', 'America/New_York')).toBe(Date.UTC(2021, 2, 14, 6, 30));
    expect(parseStart('2021-03-14T01:30+01:00', 'UTC')).toBe(Date.UTC(2021, 2, 14, 0, 30));
    expect(parseStart('2021-03-13', 'UTC')).toBe(Date.UTC(2021, 2, 13));
    // 01:30 happens twice in New York on 2021-11-07: first at 05:30Z (EDT), again at 06:30Z (EST).
    expect(parseStart('2021-11-07T01:30', 'America/New_York')).toBe(Date.UTC(2021, 10, 7, 5, 30));
    // 02:30 never happens on 2021-03-14: read with the offset before the jump, it is 03:30 EDT.
    expect(parseStart('2021-03-14T02:30', 'America/New_York')).toBe(Date.UTC(2021, 2, 14, 7, 30));
    expect(formatLocal(Date.UTC(2021, 2, 14, 7, 30), 'America/New_York')).toBe('2021-03-14 03:30:00 (UTC-04:00)');
    for (const bad of ['tomorrow', '2021-02-30', '2021-03-14T25:00']) expect(() => parseStart(bad, 'UTC')).toThrow(/--start expects/);
    expect(() => parseStart('2021-03-14', 'Mars/Olympus')).toThrow(/unknown time zone/);
  });

  test("a zone's transitions, to the minute, in both directions", () => {
    const newYork = offsetTransitions(2021, 'America/New_York');
    expect(newYork.map((transition) => [new Date(transition.atMs).toISOString(), transitionDirection(transition)])).toEqual([
      ['2021-03-14T07:00:00.000Z', 'spring-forward'],
      ['2021-11-07T06:00:00.000Z', 'fall-back'],
    ]);
    expect(offsetTransitions(2021, 'Australia/Lord_Howe').map((transition) => (transition.toOffsetMs - transition.fromOffsetMs) / 60_000)).toEqual([-30, 30]);
    expect(offsetTransitions(2021, 'Asia/Tokyo')).toEqual([]);
  });

  test('a start and zone reach the world: the run starts there, and the result says where', async () => {
    const start = parseStart('2021-11-07T00:00', 'America/New_York');
    const result = await runScenario(sized, { seed: 3, start, timeZone: 'America/New_York' });
    expect(result.epochMs).toBe(start);
    expect(result.timeZone).toBe('America/New_York');
    expect(result.trace.find((event) => event.kind === 'step')?.t).toBe(start + 100);
    expect(result.replay).toBe('simrun scenario sized --seed 3 --start 2021-11-07T04:00:00.000Z --zone America/New_York');
  });
});
