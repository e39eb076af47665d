/**
 * A few seeds of the bucket scenario with default faults on each simulated lock backend: every
 * invariant holds. Twenty seeds per backend already draw crashes, pauses, clock steps and storage
 * errors against each lock, so a regression in a backend's wiring fails here within seconds; the
 * thousands of seeds that hunt rarer interleavings run nightly (`npm run nightly`: `check --seeds
 * 10000`, and `fuzz bucket --lock all`), not in the unit suite.
 */
import { expect, test } from 'vitest';
import { failingSeeds } from './seeds.js';

const SEEDS_PER_LOCK = 20;

test.each(['memory', 'file', 'sqlite'])(`${SEEDS_PER_LOCK} seeds with default faults pass on the %s lock`, async (lock) => {
  expect(await failingSeeds({ lock }, 1, SEEDS_PER_LOCK)).toEqual([]);
}, 600_000);
