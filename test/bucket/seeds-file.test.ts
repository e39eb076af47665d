/** 200 seeds of the bucket scenario with default faults on the file lock: every invariant holds. */
import { expect, it } from 'vitest';
import { failingSeeds } from './seeds.js';

it('200 seeds with default faults pass on the file lock', { timeout: 600_000 }, async () => {
  expect(await failingSeeds({ lock: 'file' }, 1, 200)).toEqual([]);
});
