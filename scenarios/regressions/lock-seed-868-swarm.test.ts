// Found by `simrun fuzz lock --swarm`: a client paused right after publishing its release on the
// file lock. While it was paused, two later generations were built on that release and then
// collected. When the client resumed, the generation right above its own was gone, so it answered
// "not released" although the release had taken effect, and lease-exclusion reported the next
// grant. Each generation now names its last 16 ancestors (its lineage), so a writer can prove its
// win from whatever generation is current.
// Seed 1513 under swarm failed `progress` on a key nobody asked for after the faults (2 clients,
// 3 keys picked at random); progress is now owed only on keys someone asked for in the quiet tail.
// Seed 1079 under swarm: a client's clock was stepped 28 ms ahead between the file lock's decision
// to grant and the answer. The answer's "decided 47 ms ago", read on true time, put the grant before
// the release it followed; the history now places a caller-clock decision by the caller's offsets.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test.each([868, 1079, 1105, 1148, 1513, 3008])('lock seed %i under swarm passes', async (seed) => {
  const result = await runScenario(await loadScenario('lock'), { seed, swarm: true });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
