// Found by `simrun check dag --swarm` (seed 997): a job's attempt failed while its runner was paused
// past its lease; the runner blocked the job downstream on that failure in the same instant, then
// the store refused to write the failure under the lapsed lease. The runner re-took the lease,
// found the job still running in the run log and ran it again, and that attempt succeeded. The
// runner was right; `failure-blocks-downstream` judged the mark by the attempt that replaced the
// lost one. Marks made on an end that never reached the log now go with the state they were made in.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test('dag seed 997 under swarm: a block made on a failure the store refused is not judged by the rerun', async () => {
  const result = await runScenario(await loadScenario('dag'), { seed: 997, swarm: true });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
