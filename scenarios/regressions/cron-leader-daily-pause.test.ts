// A correct leader on a daily schedule was judged to have missed a tick: a 10,001 ms pause 19 hours
// before the tick deferred the server's 24-hour sleep past the 10 s misfire grace, so it rightly
// skipped the tick, but `tick-at-least-once` only excused pauses near the tick. A pause anywhere in a
// server's wait for a tick now excuses that server.
import { expect, test } from 'vitest';
import { cron, loadScenario, runScenario } from '../../src/index.js';

const DAILY = { servers: 1, hours: 48, schedule: '0 3 * * *' };
const HOUR = 3_600_000;

test('cron-leader: a pause hours before a daily tick that makes the server skip it is no violation', async () => {
  const plan = [{ at: 8 * HOUR, kind: 'pause', target: 'server-1', ms: 10_001 }];
  const result = await runScenario(await loadScenario('cron-leader'), { seed: 1, params: DAILY, plan });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
  // The tick was skipped for the reason the checker now excuses: the server woke past the grace.
  const missed = cron.cronEvents.of(result.trace).flatMap((event) => (event.kind === 'cron.missed' ? [event.data.lateMs] : []));
  expect(missed).toEqual([10_001]);
});

test('cron-leader: with a second server unpaused, the tick is still run by it', async () => {
  const plan = [{ at: 8 * HOUR, kind: 'pause', target: 'server-1', ms: 10_001 }];
  const result = await runScenario(await loadScenario('cron-leader'), { seed: 1, params: { ...DAILY, servers: 2 }, plan });
  expect(result.status).toBe('passed');
  const ran = cron.cronEvents.of(result.trace).flatMap((event) => (event.kind === 'cron.run.start' ? [event.data.tick] : []));
  expect(ran).toEqual([result.epochMs + 3 * HOUR, result.epochMs + 27 * HOUR]);
});
