/** 200 seeds of the bucket scenario with default faults on the sqlite lock: every invariant holds. */
import { expect, it } from 'vitest';
import { failingSeeds } from './seeds.js';

it('200 seeds with default faults pass on the sqlite lock', { timeout: 600_000 }, async () => {
  expect(await failingSeeds({ lock: 'sqlite' }, 1, 200)).toEqual([]);
});
