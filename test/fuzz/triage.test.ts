/**
 * Campaign triage: a lock with three planted bugs of three different causes is reported as three
 * distinct bugs, each with its count, first seed, shrunk plan and the operation that caused it.
 */
import { expect, test } from 'vitest';
import { runCampaign } from '../../src/scenario/fuzz.js';

const threeBugs = 'test/fixtures/three-bug-lock-scenario.ts';

test('fuzz --keep-going tells the three planted bugs apart', async () => {
  const result = await runCampaign({ scenario: threeBugs, runs: 40, workers: 2, keepGoing: true, maxShrinkRuns: 60, maxShrunkFailures: 0 });
  expect(result.status).toBe('failed');
  const bugs = result.bugs ?? [];
  expect(bugs.map((bug) => [bug.invariant, bug.operation]).sort()).toEqual([
    ['lease-contract', 'grant without a higher token'],
    ['lease-contract', 'renewal of an expired lease'],
    ['lease-exclusion', 'release of a lease not held'],
  ]);
  for (const bug of bugs) {
    expect(bug.signature).toBe(`${bug.invariant} · ${bug.operation} · ${bug.faultKinds.join('+')}`);
    expect(bug.count).toBeGreaterThan(0);
    expect(bug.seeds[0]).toBe(bug.firstSeed);
    expect(bug.shrunk.plan.length).toBeLessThanOrEqual(3);
  }
  // The release bug names the release that caused it, not only the overlap it left.
  const release = bugs.find((bug) => bug.operation === 'release of a lease not held');
  expect(release?.message).toMatch(/\(the release by client-\d#\d+ of token \d+ at \d\d:\d\d:\d\d\.\d{3} freed token \d+ held by client-\d#\d+\)/);
});

test('a campaign without --keep-going does no triage', async () => {
  const result = await runCampaign({ scenario: threeBugs, runs: 2, workers: 1, shrink: false });
  expect(result.bugs).toBeUndefined();
});
