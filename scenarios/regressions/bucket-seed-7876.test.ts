// Found by a 10,000-seed check (`simrun check bucket --seeds 10000`): three EIO on writing a file's
// output, then three on publishing it, each threw away 40 minutes of finished work and processed the
// file again, six times, so it was still waiting past the liveness bound. Storage steps between the
// end of the work and the commit are now retried in place while the lease holds.
import { expect, test } from 'vitest';
import { bucket, loadScenario, runScenario } from '../../src/index.js';

test('bucket seed 7876: a transient storage error after the work is retried, not the work', async () => {
  const result = await runScenario(await loadScenario('bucket'), { seed: 7876 });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
  const retried = bucket.bucketEvents.of(result.trace).flatMap((event) => (event.kind === 'bucket.retry' ? [event.data.step] : []));
  expect(retried).toContain('write-output');
  expect(retried).toContain('commit');
});
