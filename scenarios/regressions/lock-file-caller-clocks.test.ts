// Found when lease-exclusion began judging the file lock exactly on each caller's clock, instead of
// forgiving overlaps shorter than twice the largest skew. Both were the checker's errors:
// - seed 23 (and 34, 44, 140, 155, 193, 204, 208, 274): a holder on slow storage renewed while its
//   own release was on its way. Both took effect, the release after the renewal, but the checker
//   revived the released lease at the renewal and reported the next holder's grant over it.
// - seed 179: a client's clock was stepped back 752 ms between the store's decision and its answer;
//   tracedLock clamped "decided −727 ms ago" to 0, which put the decision after the step, where the
//   client's clock had not yet read the crashed holder's expiry.
import { expect, test } from 'vitest';
import { loadScenario, runScenario } from '../../src/index.js';

test.each([23, 179, 204])('lock seed %i on the file lock passes, judged exactly on the callers\' clocks', async (seed) => {
  const result = await runScenario(await loadScenario('lock'), { seed, params: { lock: 'file' } });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});
