// dag seed 496: the runner was paused 15 s while job j02 ran; on waking it measured the attempt on
// its own clock (20.6 s, the pause included) and sent a runtime alert, though the execution really
// ran 12.4 s, within its 13 s limit. The runner cannot see a job end while it is stopped, so
// alerts-justified counts the runner's own pauses during the attempt (and nothing else).
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test('dag seed 496: a runtime alert measured across the runner\'s own pause is justified', async () => {
  const scenario = await loadScenario('dag');
  const result = await runScenario(scenario, { seed: 496 });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
