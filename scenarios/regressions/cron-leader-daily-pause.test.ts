// A correct leader on a daily schedule was judged to have missed a tick: a 10,001 ms pause 19 hours
// before the tick deferred the server's 24-hour sleep past the 10 s misfire grace, so it rightly
// skipped the tick, but `tick-at-least-once` only excused pauses near the tick. Servers now read their
// clock again shortly before a tick (the misfire grace), so a pause hours before the tick no longer
// costs it; a pause during the last sleep still does, and excuses that server.
import { expect, test } from 'vitest';
import { cron, loadScenario, runScenario } from '../../src/index.js';

const DAILY = { servers: 1, hours: 48, schedule: '0 3 * * *' };
const HOUR = 3_600_000;

test('cron-leader: a pause hours before a daily tick costs no tick', async () => {
  const plan = [{ at: 8 * HOUR, kind: 'pause', target: 'server-1', ms: 10_001 }];
  const result = await runScenario(await loadScenario('cron-leader'), { seed: 1, params: DAILY, plan });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
  const missed = cron.cronEvents.of(result.trace).flatMap((event) => (event.kind === 'cron.missed' ? [event.data.lateMs] : []));
  expect(missed).toEqual([]);
});

test('cron-leader: a pause during the last sleep before a daily tick makes the server skip it, and is no violation', async () => {
  const plan = [{ at: 27 * HOUR - 5_000, kind: 'pause', target: 'server-1', ms: 20_001 }];
  const result = await runScenario(await loadScenario('cron-leader'), { seed: 1, params: DAILY, plan });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
  // The tick was skipped for the reason the checker excuses: the pause deferred its last sleep by the
  // pause's length, past the grace.
  const missed = cron.cronEvents.of(result.trace).flatMap((event) => (event.kind === 'cron.missed' ? [event.data.lateMs] : []));
  expect(missed).toEqual([20_001]);
});

test('cron-leader: with a second server unpaused, the tick is still run by it', async () => {
  const plan = [{ at: 8 * HOUR, kind: 'pause', target: 'server-1', ms: 10_001 }];
  const result = await runScenario(await loadScenario('cron-leader'), { seed: 1, params: { ...DAILY, servers: 2 }, plan });
  expect(result.status).toBe('passed');
  const ran = cron.cronEvents.of(result.trace).flatMap((event) => (event.kind === 'cron.run.start' ? [event.data.tick] : []));
  expect(ran).toEqual([result.epochMs + 3 * HOUR, result.epochMs + 27 * HOUR]);
});
