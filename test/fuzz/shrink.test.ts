import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/scenario/run.js';
import { shrinkFailure } from '../../src/scenario/shrink.js';
import { drawSwarm } from '../../src/sim/fault-kinds/swarm.js';
import { Prng } from '../../src/sim/prng.js';
import fragile from '../fixtures/fragile-scenario.js';

describe('shrinking with fast-check', () => {
  test('a failing plan shrinks to the one fault that matters, at its gentlest, on the smallest system', async () => {
    const failing = await runScenario(fragile, { seed: 1 });
    expect(failing.status).toBe('violated');
    expect(failing.plan.length).toBeGreaterThan(3);
    const outcome = await shrinkFailure({ scenario: fragile, seed: 1, params: {}, plan: failing.plan, invariant: 'no-long-stall' });
    expect(outcome.plan).toHaveLength(1);
    expect(outcome.plan[0]).toMatchObject({ kind: 'pause', ms: 1001 });
    expect(outcome.shrunk.faults).toBe(1);
    expect(outcome.original.faults).toBe(failing.plan.length);
    // Fewer workers and beats: just enough to keep the paused worker and reach its pause.
    const target = Number(String(outcome.plan[0]?.target).replace('worker-', ''));
    expect(outcome.params.workers ?? 4).toBe(target);
    expect(Number(outcome.params.beats)).toBeLessThan(600);
    // The shrunk run replays to the same violation.
    const replay = await runScenario(fragile, { seed: 1, params: outcome.params, plan: outcome.plan });
    expect(replay.violations.map((violation) => violation.invariant)).toEqual(['no-long-stall']);
    expect(replay.traceHash).toBe(outcome.result.traceHash);
  });

  test('shrinking is deterministic', async () => {
    const failing = await runScenario(fragile, { seed: 2 });
    const request = { scenario: fragile, seed: 2, params: {}, plan: failing.plan, invariant: 'no-long-stall', maxRuns: 40 };
    const first = await shrinkFailure(request);
    const second = await shrinkFailure(request);
    expect(second.plan).toEqual(first.plan);
    expect(second.params).toEqual(first.params);
    expect(first.runs).toBeLessThanOrEqual(40);
  });

  test('a plan that does not break the invariant is refused', async () => {
    await expect(shrinkFailure({ scenario: fragile, seed: 1, params: {}, plan: [], invariant: 'no-long-stall' })).rejects.toThrow('did not reproduce');
  });
});

describe('swarm mode', () => {
  const space = fragile.faultSpace({ workers: 4, beats: 600 });

  test('each seed draws its own mix, some kinds off, the same mix for the same seed', () => {
    const draws = Array.from({ length: 40 }, (_, seed) => drawSwarm(space, Prng.root(seed).fork('swarm')));
    expect(drawSwarm(space, Prng.root(5).fork('swarm'))).toEqual(draws[5]);
    const offCounts = draws.map((draw) => Object.values(draw).filter((rate) => rate === 0).length);
    expect(new Set(offCounts).size).toBeGreaterThan(1);
    expect(draws.some((draw) => Object.values(draw).every((rate) => rate > 0))).toBe(true);
    for (const draw of draws) for (const [kind, rate] of Object.entries(draw)) if (rate > 0) expect(rate).toBeGreaterThanOrEqual((space.rates[kind] ?? 0) / 4 - 0.01);
  });

  test('a swarm run records its draw and replays from the seed alone', async () => {
    const first = await runScenario(fragile, { seed: 9, swarm: true, params: { beats: 50 } });
    const second = await runScenario(fragile, { seed: 9, swarm: true, params: { beats: 50 } });
    expect(first.swarm).toBeDefined();
    expect(second.traceHash).toBe(first.traceHash);
    expect(first.replay).toContain('--swarm');
  });
});
