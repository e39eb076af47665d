// Found by `simrun mutants --check` (job-runner, mutant late-stop-handler, seed 19), shrunk to one
// fault: a graceful stop of the runner 8.7 s in, before the client had started its only job. A real
// `jobs serve` once died exactly so: the SIGTERM came after it had started but before it listened for
// the signal, and Node's default disposition killed it. The simulated kernel now delivers a stop to a
// process without a handler the same way, so the unfixed order fails here; the shipped order (handler
// first) stops gracefully and is restarted by its supervisor.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

const stop = { at: 8662, kind: 'term', target: 'runner' };

test('job-runner seed 19: a server that registers its stop handler late is killed by the stop', async () => {
  const result = await runScenario(await loadScenario('job-runner'), { seed: 19, params: { jobs: 1 }, plan: [stop], mutant: 'late-stop-handler' });
  expect(result.violations.map((violation) => violation.invariant)).toContain('graceful-stops');
});

test('job-runner seed 19: the shipped runner stops gracefully at the same moment and its restart finishes the work', async () => {
  const result = await runScenario(await loadScenario('job-runner'), { seed: 19, params: { jobs: 1 }, plan: [stop, { at: 9_000, kind: 'restart', target: 'runner' }] });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
  expect(result.trace.filter((event) => event.kind === 'process.signal').map((event) => event.data)).toEqual([{ signal: 'SIGTERM', handled: true }]);
});
