// Found by `simrun check dag` (seed 475): a crash-in-call struck a runner in the instant another of its
// run-log rows (`restarted`, of an operator's start) had landed, before the runner's own code heard of
// it. The row was in the store, the next runner acted on it, but the trace never said it landed, so
// `failure-blocks-downstream` judged by a run log without it and blamed the runner. The crash now comes
// as an event of that instant, as every other crash does: what the process had done settles first.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test('dag seed 475: a crash inside one write lets a row that landed in the same instant be heard first', async () => {
  const result = await runScenario(await loadScenario('dag'), { seed: 475 });
  expect(result.violations).toEqual([]);
  expect(result.plan.some((fault) => fault.kind === 'crash-in-call')).toBe(true);
});
