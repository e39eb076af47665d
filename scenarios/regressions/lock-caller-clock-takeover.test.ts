// Found by `simrun check lock --swarm` once the file lock was judged exactly on each caller's clock:
// a caller whose clock ran ahead took a key over after the holder's lease ended on its own clock
// (as the file lock allows), released it, and the next grant was reported against the first
// holder's lease, which its lagging clock still showed live. A lease given away is over.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test.each([14, 48])('lock seed %i under swarm: a takeover on a faster clock ends the lease it took over', async (seed) => {
  const result = await runScenario(await loadScenario('lock'), { seed, swarm: true });
  expect(result.violations).toEqual([]);
});
