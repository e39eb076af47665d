/**
 * Cron across daylight saving. Ticks are instants, read from cron-parser's walk in the schedule's
 * zone (see `src/systems/cron/schedule.ts`):
 * - fall-back: a wall time repeated by the jump ticks once, at its first occurrence (`30 1 * * *`),
 *   unless the hour field matches every hour (`0 * * * *`), whose repeated-hour ticks are new instants;
 * - spring-forward: a skipped wall time ticks at the same minute of the next hour (`30 2` → 03:30).
 * Every server, however it reaches a tick, sees the same set, and the checker judges that set: no
 * tick runs twice, and every tick runs once.
 */
import { describe, expect, test } from 'vitest';
import cronLeader from '../../scenarios/cron-leader.js';
import { cronEvents } from '../../src/systems/cron/events.js';
import { parseCronSchedule } from '../../src/systems/cron/schedule.js';
import { prepareRun, runScenario } from '../../src/scenario/run.js';
import { offsetTransitions, parseStart, transitionDirection } from '../../src/scenario/calendar.js';

const NEW_YORK = 'America/New_York';
const iso = (ms: number): string => new Date(ms).toISOString();

function ticksBetween(expression: string, timeZone: string, fromMs: number, toMs: number): string[] {
  const schedule = parseCronSchedule(expression, timeZone);
  const ticks: string[] = [];
  for (let tick = schedule.nextAfter(fromMs); tick <= toMs; tick = schedule.nextAfter(tick)) ticks.push(iso(tick));
  return ticks;
}

/** Ticks the task ran for, by instant. */
async function ranTicks(expression: string, startLocal: string, hours: number, seed = 1): Promise<{ status: string; ticks: string[] }> {
  const result = await runScenario(cronLeader, {
    seed,
    params: { schedule: expression, hours, servers: 3 },
    start: parseStart(startLocal, NEW_YORK),
    timeZone: NEW_YORK,
  });
  const ticks = cronEvents.of(result.trace).filter((event) => event.kind === 'cron.run.start').map((event) => iso((event.data as { tick: number }).tick));
  return { status: result.status === 'violated' ? `violated: ${result.violations.map((v) => v.message).join('; ')}` : result.status, ticks };
}

describe('cron schedules across daylight saving (America/New_York, 2021)', () => {
  test('fall-back: an hourly schedule ticks in both 01:00s; a daily 01:30 ticks once, at the first', () => {
    const from = Date.UTC(2021, 10, 7, 3);
    const to = Date.UTC(2021, 10, 7, 8);
    expect(ticksBetween('0 * * * *', NEW_YORK, from, to)).toEqual(['2021-11-07T04:00:00.000Z', '2021-11-07T05:00:00.000Z', '2021-11-07T06:00:00.000Z', '2021-11-07T07:00:00.000Z', '2021-11-07T08:00:00.000Z']);
    expect(ticksBetween('30 1 * * *', NEW_YORK, from, Date.UTC(2021, 10, 8, 12))).toEqual(['2021-11-07T05:30:00.000Z', '2021-11-08T06:30:00.000Z']);
  });

  test('spring-forward: the skipped 02:30 ticks at 03:30', () => {
    expect(ticksBetween('30 2 * * *', NEW_YORK, Date.UTC(2021, 2, 13, 12), Date.UTC(2021, 2, 15, 12))).toEqual(['2021-03-14T07:30:00.000Z', '2021-03-15T06:30:00.000Z']);
  });

  test('a walk started inside the repeated hour finds the ticks a walk from before the jump finds', () => {
    // cron-parser alone, reset at 01:10 EST, would next tick at the second 01:30 (06:30Z), a tick
    // the walk from before the jump never meets; the schedule starts such a walk earlier.
    const fresh = parseCronSchedule('30 1 * * *', NEW_YORK);
    expect(iso(fresh.nextAfter(Date.UTC(2021, 10, 7, 6, 10)))).toBe('2021-11-08T06:30:00.000Z');
    for (const expression of ['*/20 1 * * *', '0 * * * *', '15 1,2 * * *']) {
      const continuous = ticksBetween(expression, NEW_YORK, Date.UTC(2021, 10, 6, 12), Date.UTC(2021, 10, 9, 12));
      for (let minute = 0; minute < 120; minute += 7) {
        const startMs = Date.UTC(2021, 10, 7, 5) + minute * 60_000;
        const restarted = parseCronSchedule(expression, NEW_YORK);
        expect(iso(restarted.nextAfter(startMs)), `${expression} from ${iso(startMs)}`).toBe(continuous.find((tick) => Date.parse(tick) > startMs));
      }
    }
  });
});

describe('a half-hour daylight-saving change (Australia/Lord_Howe, 2034 fall-back)', () => {
  // cron-parser loops ("loop limit exceeded") walking `0 * * * *` across 02:00 LHDT -> 01:30 LHST,
  // and answers the 01:00 tick again when started just after it (swarm seed 95 of cron-leader).
  test('an hourly schedule walks on: 01:00 at +11:00, then 02:00 at +10:30', () => {
    const schedule = parseCronSchedule('0 * * * *', 'Australia/Lord_Howe');
    const ticks: string[] = [];
    for (let t = Date.UTC(2034, 3, 1, 12, 9), i = 0; i < 4; i++) ticks.push(new Date((t = schedule.nextAfter(t))).toISOString());
    expect(ticks).toEqual(['2034-04-01T13:00:00.000Z', '2034-04-01T14:00:00.000Z', '2034-04-01T15:30:00.000Z', '2034-04-01T16:30:00.000Z']);
    expect(new Date(schedule.nextAfter(Date.UTC(2034, 3, 1, 14, 5))).toISOString()).toBe('2034-04-01T15:30:00.000Z');
  });

  test('cron-leader swarm seed 95 (drawn in that zone across that change) passes', async () => {
    const result = await runScenario(cronLeader, { seed: 95, swarm: true });
    expect(result.status).toBe('passed');
  });
});

describe('cron-leader across daylight saving', () => {
  test('fall-back with an hourly schedule: both 01:00s run, once each, and every invariant holds', async () => {
    const run = await ranTicks('0 * * * *', '2021-11-06T23:10', 5);
    expect(run.status).toBe('passed');
    expect(run.ticks).toEqual(['2021-11-07T04:00:00.000Z', '2021-11-07T05:00:00.000Z', '2021-11-07T06:00:00.000Z', '2021-11-07T07:00:00.000Z', '2021-11-07T08:00:00.000Z']);
  });

  test('fall-back with a daily 01:30: one run, and no tick is missed', async () => {
    const run = await ranTicks('30 1 * * *', '2021-11-06T23:10', 6);
    expect(run.status).toBe('passed');
    expect(run.ticks).toEqual(['2021-11-07T05:30:00.000Z']);
  });

  test('spring-forward with a daily 02:30: it runs at 03:30', async () => {
    const run = await ranTicks('30 2 * * *', '2021-03-13T23:10', 6);
    expect(run.status).toBe('passed');
    expect(run.ticks).toEqual(['2021-03-14T07:30:00.000Z']);
  });

  test('every swarm draw reaches a tick of its schedule: a run too short for one is lengthened, and says so in its drawn parameters', async () => {
    for (let seed = 1; seed <= 100; seed += 1) {
      const setup = await prepareRun(cronLeader, { seed, swarm: true });
      const schedule = parseCronSchedule(setup.params.schedule, setup.params.timeZone ?? setup.timeZone);
      expect(schedule.nextAfter(setup.startMs), `seed ${seed}`).toBeLessThanOrEqual(setup.startMs + setup.params.hours * 3_600_000);
      expect(setup.swarmParams?.hours).toBe(setup.params.hours);
    }
    // Seed 3 draws `*/10 0-4` for 3 h from 11:10 in Tokyo: the first tick, at midnight, is 12 h 50 min away.
    const seed3 = await prepareRun(cronLeader, { seed: 3, swarm: true });
    expect([seed3.params.schedule, seed3.timeZone, seed3.params.hours]).toEqual(['*/10 0-4 * * *', 'Asia/Tokyo', 14]);
    // A length the user gives stands.
    expect((await prepareRun(cronLeader, { seed: 3, swarm: true, params: { hours: 3 } })).params.hours).toBe(3);
  });

  test('the swarm reaches both directions: seeds whose run crosses a spring-forward and a fall-back with ticks around it, and they pass', async () => {
    const crossing: Record<'spring-forward' | 'fall-back', number[]> = { 'spring-forward': [], 'fall-back': [] };
    for (let seed = 1; seed <= 200; seed += 1) {
      const setup = await prepareRun(cronLeader, { seed, swarm: true });
      const endMs = setup.startMs + setup.params.hours * 3_600_000;
      const schedule = parseCronSchedule(setup.params.schedule, setup.params.timeZone ?? setup.timeZone);
      const year = new Date(setup.startMs).getUTCFullYear();
      for (const transition of [...offsetTransitions(year, setup.timeZone), ...offsetTransitions(year + 1, setup.timeZone)]) {
        if (transition.atMs <= setup.startMs || transition.atMs >= endMs) continue;
        // A tick within the hour after the jump: in the repeated hour, or just past the skipped one.
        const next = schedule.nextAfter(transition.atMs - 1);
        if (next - transition.atMs < 3_600_000) crossing[transitionDirection(transition)].push(seed);
      }
    }
    expect(crossing['spring-forward'].length).toBeGreaterThan(3);
    expect(crossing['fall-back'].length).toBeGreaterThan(3);
    for (const seed of [crossing['spring-forward'][0]!, crossing['fall-back'][0]!]) {
      const result = await runScenario(cronLeader, { seed, swarm: true });
      expect(result.status, result.replay).toBe('passed');
    }
  });
});
