// Found by `simrun fuzz job-runner --swarm` (seed 27231), shrunk to one fault: the runner crashed at
// t=0, before its first incarnation ran, and the scenario's client refused to start ("the runner
// process did not start first") instead of waiting for the restarted runner as it does for any runner
// that is down. A harness error, not a runner bug: the client now waits.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test('job-runner: a runner crashed at the very start is waited for', async () => {
  const plan = [{ at: 0, kind: 'runner-crash', restartAfterMs: 1 }];
  const result = await runScenario(await loadScenario('job-runner'), { seed: 27231, params: { jobs: 1, concurrencyLimit: 4, windowMs: 114_984 }, plan });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});

test('job-runner seed 27231 under swarm passes', async () => {
  const result = await runScenario(await loadScenario('job-runner'), { seed: 27231, swarm: true });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
