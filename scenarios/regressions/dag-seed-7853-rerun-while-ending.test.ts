// Found by `simrun check dag --seeds 10000` (seed 7853): an operator's rerun of `j07` came while the
// end of `j26`, downstream of it, was being written. The runner had written `j26`'s success and was
// saving its output, so `j26` still counted as running: the rerun left it to run again once its
// attempt ended, but that attempt had already decided it would not, and `j26` stayed on a result
// computed from what the rerun replaced (`rerun-runs-again`). Now an attempt's end (its rows and
// its output, one commit) and an operator's command are serial sections of the runner: a command
// comes wholly before an attempt's end or wholly after it.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test('dag seed 7853: a rerun that comes while a job downstream is ending runs that job again', async () => {
  const result = await runScenario(await loadScenario('dag'), { seed: 7853 });
  expect(result.violations).toEqual([]);
  const reruns = result.trace.filter((event) => event.kind === 'dag.rerun');
  expect(reruns.length).toBeGreaterThan(0);
});
