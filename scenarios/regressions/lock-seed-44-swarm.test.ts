// Found by `simrun check lock --swarm`: on the file lock a release took effect at the store while
// its answer was still on the way back, and another process's grant landed in between. The history
// placed the release at its answer, after the grant, and lease-exclusion reported a grant over a
// live lease. A release the store granted is now placed at its call, the earliest point it can
// have taken effect.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test('lock seed 44 under swarm: a grant while a release is on its way back is not a violation', async () => {
  const result = await runScenario(await loadScenario('lock'), { seed: 44, swarm: true });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
