// Found by `simrun fuzz cron-leader --swarm` (seed 137): the only server's clock stepped 2.6 s forward
// 53 s before a tick, while it slept for that tick. The sleep had been computed on the old clock, so
// the server woke with its clock 2.6 s past the tick, beyond the 1.9 s misfire grace, and skipped a
// tick it was alive and on time for. A clock step (NTP correcting a clock) must not cost a tick: the
// server now reads its clock again shortly before the tick (`approachMs`, the grace) and sleeps only
// the rest. A forward step larger than the grace during that last sleep still makes it skip the tick,
// since it cannot tell the step from a pause of its own; `tick-at-least-once` excuses exactly that.
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

test('tick-at-least-once excuses a forward step over the grace near the tick, and nothing else', () => {
  const t0 = Date.UTC(2020, 7, 18);
  const tick = t0 + 11 * MINUTE;
  const bound = { spreadMs: 8_000, holdMs: 90_000, approach: { misfireGraceMs: 2_000, approachMs: 2_000 } };
  const window = { fromMs: t0, toMs: t0 + 15 * MINUTE };
  const history = (at: number, ms: number): CronHistory => ({
    runs: [],
    lives: [{ server: 'server-1', pid: 'server-1#1', from: t0 }],
    disturbances: [],
    clockSteps: [{ server: 'server-1', at, ms }],
  });
  expect(checkTickAtLeastOnce(history(tick - 500, 3_600), [tick], bound, window)).toEqual([]);
  // Too early to matter: the server reads its clock again before its last sleep.
  expect(checkTickAtLeastOnce(history(tick - 53_000, 3_600), [tick], bound, window).map((v) => v.atMs)).toEqual([tick]);
  // Within the grace, or backward: the server runs the tick.
  expect(checkTickAtLeastOnce(history(tick - 500, 1_500), [tick], bound, window).map((v) => v.atMs)).toEqual([tick]);
  expect(checkTickAtLeastOnce(history(tick - 500, -3_600), [tick], bound, window).map((v) => v.atMs)).toEqual([tick]);
  // Without the servers' grace and approach, no step excuses a tick.
  expect(checkTickAtLeastOnce(history(tick - 500, 3_600), [tick], { spreadMs: 8_000, holdMs: 90_000 }, window).map((v) => v.atMs)).toEqual([tick]);
});
