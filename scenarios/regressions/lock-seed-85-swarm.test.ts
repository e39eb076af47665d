// Found by `simrun check lock --swarm`: on the file lock a release published the free generation,
// the next acquirer built its grant on it at once, and the releaser, looking again, saw a higher
// generation and answered "not released" as if it had lost a race. The history then kept the
// released lease alive to its expiry and lease-exclusion reported the grant. The file lock now
// counts a generation as won when the one above it names it as the state it replaced.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test('lock seed 85 under swarm: a release built on at once still answers released', async () => {
  const result = await runScenario(await loadScenario('lock'), { seed: 85, swarm: true });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
