import { describe, expect, test } from 'vitest';
import { mergeCampaigns, parseShard, runCampaign, shardSeed } from '../../src/scenario/fuzz.js';
import { checkMutants } from '../../src/scenario/mutant-check.js';

const fragile = 'test/fixtures/fragile-scenario.ts';
const counter = 'test/fixtures/counter-scenario.ts';

describe('seed spaces and shards', () => {
  test('shards split the seed space into disjoint sets that cover it', () => {
    const seeds = [1, 2, 3].flatMap((index) => Array.from({ length: 10 }, (_, k) => shardSeed(100, k, { index, count: 3 })));
    expect(new Set(seeds).size).toBe(30);
    expect(Math.min(...seeds)).toBe(100);
    expect(Math.max(...seeds)).toBe(129);
  });

  test('a malformed shard is an input error', () => {
    for (const text of ['0/3', '4/3', '1-3', 'a/b']) expect(() => parseShard(text)).toThrow('--shard expects i/n');
  });
});

describe('campaigns', () => {
  test('the first failing seed and its shrunk plan do not depend on how many run at once', async () => {
    const one = await runCampaign({ scenario: fragile, runs: 6, workers: 1, maxShrinkRuns: 30 });
    const two = await runCampaign({ scenario: fragile, runs: 6, workers: 3, maxShrinkRuns: 30 });
    expect(one.status).toBe('failed');
    expect(one.failures[0]?.seed).toBe(1);
    expect(two.failures[0]?.seed).toBe(1);
    expect(two.failures[0]?.shrunk?.plan).toEqual(one.failures[0]?.shrunk?.plan);
    expect(one.failures[0]?.replay).toBe(`simrun scenario ${fragile} --seed 1`);
  });

  test('a passing campaign counts its runs and which faults fired; shards merge into one', async () => {
    const shards = await Promise.all([1, 2].map((index) => runCampaign({ scenario: counter, runs: 5, shard: { index, count: 2 }, workers: 1 })));
    expect(shards.map((shard) => shard.status)).toEqual(['passed', 'passed']);
    expect(shards[0]?.seeds).toMatchObject({ first: 1, last: 9 });
    expect(shards[1]?.seeds).toMatchObject({ first: 2, last: 10 });
    const merged = mergeCampaigns(shards);
    expect(merged.runs).toBe(10);
    expect(merged.status).toBe('passed');
    const failing = await runCampaign({ scenario: fragile, runs: 4, keepGoing: true, shrink: false, workers: 1 });
    expect(failing.faultKinds.pause?.fired).toBeGreaterThan(0);
    expect(failing.faultKinds.pause?.inFailingRuns).toBeGreaterThan(0);
    expect(mergeCampaigns([...shards, failing].slice(2)).status).toBe('failed');
    expect(() => mergeCampaigns([shards[0]!, failing])).toThrow(`cannot merge shards of different campaigns: scenario ${shards[0]!.scenario} and ${failing.scenario}`);
    // Shards differ in their seeds only: the same scenario under a mutant, or swarm, is another campaign.
    expect(() => mergeCampaigns([shards[0]!, { ...shards[1]!, mutant: 'broken' }])).toThrow('cannot merge shards of different campaigns: mutant none and broken');
    expect(() => mergeCampaigns([shards[0]!, { ...shards[1]!, swarm: true }])).toThrow('cannot merge shards of different campaigns: swarm off and on');
    // The same shard twice, or two campaigns over the same seeds, would count their runs twice.
    expect(() => mergeCampaigns([shards[0]!, shards[1]!, shards[0]!])).toThrow('cannot merge: two of the results both ran shard 1/2 of the seeds from 1 (one given twice?), which would count twice');
    const whole = (first: number, last: number) => ({ ...shards[0]!, seeds: { from: first, first, last } });
    expect(() => mergeCampaigns([whole(1, 10), whole(8, 20)])).toThrow('both ran seeds 8..10');
    expect(mergeCampaigns([whole(1, 10), whole(11, 20)]).runs).toBe(10);
    // Triaged bugs: one cause found by two shards is one bug, with both shards' seeds.
    const bug = (signature: string, seeds: number[]) => ({ signature, invariant: signature, faultKinds: ['pause'], count: seeds.length, firstSeed: seeds[0]!, message: `${signature} at ${seeds[0]}`, seeds, shrunk: { plan: [], params: {} } });
    const withBugs = (index: number, bugs: ReturnType<typeof bug>[]) => ({ ...shards[index]!, bugs });
    expect(mergeCampaigns([withBugs(0, [bug('a', [3, 7])]), withBugs(1, [bug('b', [2]), bug('a', [4, 6, 8])])]).bugs).toEqual([
      { ...bug('a', [3, 4, 6, 7, 8]), message: 'a at 3' },
      bug('b', [2]),
    ]);
  });

  test('with several lock backends a seed that behaves differently stands out', async () => {
    const result = await runCampaign({ scenario: counter, runs: 3, workers: 1, locks: ['none', 'memory', 'file'], params: { workers: 3 }, keepGoing: true, shrink: false });
    expect(result.status).toBe('failed');
    expect(result.failures.map((failure) => failure.lock)).toEqual(['none', 'none', 'none']);
    expect(result.lockDisagreements?.map((disagreement) => disagreement.seed)).toEqual([1, 2, 3]);
    expect(result.lockDisagreements?.[0]?.verdicts).toEqual({ none: 'violated: no-lost-update', memory: 'passed', file: 'passed' });
  });

  test('--lock all on the lock scenario: every backend passes the same seeds and plans', async () => {
    const result = await runCampaign({ scenario: 'lock', runs: 4, workers: 1, locks: ['memory', 'file', 'sqlite'] });
    expect(result.status).toBe('passed');
    expect(result.runs).toBe(12);
    expect(result.lockDisagreements ?? []).toEqual([]);
  });
});

test('the mutant check catches a mutant and reports the seed and the shrunk size', async () => {
  const verdicts = await checkMutants({ scenarios: [fragile], bound: 5, workers: 1 });
  expect(verdicts).toHaveLength(1);
  expect(verdicts[0]).toMatchObject({ mutant: 'slow-beat', status: 'caught', seed: 1, invariant: 'no-long-stall' });
  expect(verdicts[0]?.shrunkFaults).toBe(0);
});
