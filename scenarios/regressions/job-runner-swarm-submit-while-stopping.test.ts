// Found by `simrun check job-runner --swarm` (seeds 754 and 8709): the runner got a graceful stop
// at the instant the client submitted a job. The runner refused it as shutting down, as it
// should, and the simulated client died of the refusal where the real client retries on a 503.
// The client now retries on the next runner.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test.each([754, 8709])('job-runner seed %i under swarm: a submission refused while the runner stops is retried', async (seed) => {
  const result = await runScenario(await loadScenario('job-runner'), { seed, swarm: true });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
