// Found by `simrun fuzz cron-leader --swarm` (seed 137): the only server's clock stepped 2.6 s forward
// 53 s before a tick, while it slept for that tick. The sleep had been computed on the old clock, so
// the server woke with its clock 2.6 s past the tick, beyond the 1.9 s misfire grace, and skipped a
// tick it was alive and on time for. A clock step (NTP correcting a clock) early in the wait must not
// cost a tick: the server now sleeps half its wait, reads its clock again, and so on down to
// `approachMs` (the grace). A forward step larger than the grace during its last sleep still makes it
// skip the tick, since it cannot tell the step from a pause of its own; `tick-at-least-once` excuses
// forward steps adding up to more than the grace.
import { expect, test } from 'vitest';
import { cron, loadScenario, runScenario } from '../../src/index.js';
import { checkTickAtLeastOnce, type CronHistory } from '../../src/check/cron/index.js';

const MINUTE = 60_000;
const ONE_SERVER = { servers: 1, hours: 0.25, misfireGraceMs: 2_000, skewMsMax: 5_000 };

async function runWithStep(atMs: number, skewMs: number) {
  const plan = [{ at: atMs, kind: 'skew', target: 'server-1', ms: skewMs }];
  const result = await runScenario(await loadScenario('cron-leader'), { seed: 1, params: ONE_SERVER, plan });
  const events = cron.cronEvents.of(result.trace);
  const ran = events.flatMap((event) => (event.kind === 'cron.run.start' ? [event.data.tick - result.epochMs] : []));
  const missed = events.flatMap((event) => (event.kind === 'cron.missed' ? [event.data.tick - result.epochMs] : []));
  return { result, ran, missed };
}

test('cron-leader seed 137 under swarm passes', async () => {
  const result = await runScenario(await loadScenario('cron-leader'), { seed: 137, swarm: true });
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});

test('a forward clock step 53 s before a tick, larger than the grace, costs no tick', async () => {
  const { result, ran, missed } = await runWithStep(10 * MINUTE + 7_000, 3_600);
  expect(result.violations).toEqual([]);
  expect(missed).toEqual([]);
  expect(ran).toContain(11 * MINUTE);
});

test('a forward step larger than the grace during the last sleep skips the tick, and is excused', async () => {
  const { result, ran, missed } = await runWithStep(11 * MINUTE - 500, 3_600);
  expect(missed).toEqual([11 * MINUTE]);
  expect(ran).not.toContain(11 * MINUTE);
  expect(result.violations).toEqual([]);
  expect(result.status).toBe('passed');
});

test('tick-at-least-once excuses forward steps over the grace in a wait or near the tick, and nothing else', () => {
  const t0 = Date.UTC(2020, 7, 18);
  const previous = t0 + 10 * MINUTE;
  const tick = t0 + 11 * MINUTE;
  const bound = { spreadMs: 8_000, holdMs: 30_000, misfireGraceMs: 2_000 };
  const window = { fromMs: t0, toMs: t0 + 15 * MINUTE };
  const ranPrevious = { name: 'backup', tick: previous, pid: 'server-1#1', startedAt: previous, startedSeq: 1, endedAt: previous + 1_000, endedSeq: 2, outcome: 'done' as const };
  const judge = (...steps: { at: number; ms: number }[]) => {
    const history: CronHistory = {
      runs: [ranPrevious],
      lives: [{ server: 'server-1', pid: 'server-1#1', from: t0 }],
      disturbances: [],
      clockSteps: steps.map((step) => ({ server: 'server-1', ...step })),
    };
    return checkTickAtLeastOnce(history, [previous, tick], bound, window).map((v) => v.atMs);
  };
  expect(judge({ at: tick - 500, ms: 3_600 })).toEqual([]);
  expect(judge({ at: tick - 53_000, ms: 3_600 })).toEqual([]);
  // Steps within the grace add up.
  expect(judge({ at: tick - 10_000, ms: 1_500 }, { at: tick - 5_000, ms: 1_500 })).toEqual([]);
  expect(judge({ at: tick - 5_000, ms: 1_500 })).toEqual([tick]);
  // Backward, or before the previous tick and the lock's hold: the server had to run the tick.
  expect(judge({ at: tick - 500, ms: -3_600 })).toEqual([tick]);
  expect(judge({ at: previous - 10 * 1_000 - 8_000, ms: 3_600 })).toEqual([tick]);
  // Without the servers' grace, no step excuses a tick.
  const history: CronHistory = { runs: [ranPrevious], lives: [{ server: 'server-1', pid: 'server-1#1', from: t0 }], disturbances: [], clockSteps: [{ server: 'server-1', at: tick - 500, ms: 3_600 }] };
  expect(checkTickAtLeastOnce(history, [previous, tick], { spreadMs: 8_000, holdMs: 30_000 }, window).map((v) => v.atMs)).toEqual([tick]);
});
