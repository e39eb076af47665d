// Found by `simrun mutants --check` (dag, mutant start-before-row, seed 4), shrunk to one fault: the
// runner dies while the run-log row naming a job's execution is on its way to the store. Real `dag run`
// once started a job's command before that row was written, and a runner SIGKILLed in between left a
// job no row named: the next runner could not end it and ran the job again beside it. The simulation
// could not see it while a store call took no simulated time; now each call takes a round trip and a
// crash can strike inside one (`crash-in-call`). The shipped runner starts the command held, so the
// execution its dead runner started never runs; the mutant's runs on beside the next runner's.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

// Three writes of rows go through (`passes: 3`); the fourth, the row naming a started job's group, does not.
const crashWhileWriting = { at: 5_617_316, kind: 'crash-in-call', target: 'dag-runner', landed: false, restartAfterMs: 1_895, passes: 3 };

test('dag seed 4: a job started before the row naming it runs twice once its runner dies in between', async () => {
  const result = await runScenario(await loadScenario('dag'), { seed: 4, plan: [crashWhileWriting], mutant: 'start-before-row' });
  expect(result.violations.map((violation) => violation.invariant)).toContain('one-execution-per-job');
});

test('dag seed 4: the held start never runs the command of a runner that died before its row', async () => {
  const result = await runScenario(await loadScenario('dag'), { seed: 4, plan: [crashWhileWriting] });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
