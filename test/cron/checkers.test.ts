/**
 * Each cron-leader invariant fed a hand-made history: a good one passes, a bad one fails naming the
 * tick and the servers.
 */
import { describe, expect, test } from 'vitest';
import { checkCommandByLeader, checkRunsNeverOverlap, checkTickAtLeastOnce, checkTickAtMostOnce, type CronHistory, type CronRunRecord } from '../../src/check/cron/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2020, 7, 18);

function run(minute: number, pid: string, seq: number, durationMs = 1_000): CronRunRecord {
  const tick = T0 + minute * MINUTE;
  return { name: 'backup', tick, pid, startedAt: tick, startedSeq: seq, endedAt: tick + durationMs, endedSeq: seq + 1, outcome: 'done' };
}

const lives = [{ server: 'server-1', pid: 'server-1#1', from: T0 }, { server: 'server-2', pid: 'server-2#1', from: T0 }];
const good: CronHistory = { runs: [run(1, 'server-1#1', 1), run(2, 'server-1#1', 3), run(3, 'server-2#1', 5)], lives, disturbances: [] };
const ticks = [1, 2, 3].map((minute) => T0 + minute * MINUTE);
const bound = { spreadMs: 5_000, holdMs: 90_000 };
const window = { fromMs: T0, toMs: T0 + 10 * MINUTE };

describe('tick-at-most-once', () => {
  test('one run per tick passes', () => {
    expect(checkTickAtMostOnce(good)).toEqual([]);
  });

  test('a tick run on two servers fails', () => {
    const violations = checkTickAtMostOnce({ ...good, runs: [...good.runs, run(2, 'server-2#1', 7)] });
    expect(violations.map((v) => v.message)).toEqual(["tick 2020-08-18T00:02:00.000Z of 'backup' ran twice: on server-1#1 and on server-2#1"]);
  });
});

describe('runs-never-overlap', () => {
  test('runs one after another pass', () => {
    expect(checkRunsNeverOverlap(good)).toEqual([]);
  });

  test('a run starting while a long one is in progress fails', () => {
    const long = { ...run(1, 'server-1#1', 1), endedSeq: 10, endedAt: T0 + 5 * MINUTE };
    const violations = checkRunsNeverOverlap({ ...good, runs: [long, run(3, 'server-2#1', 5)] });
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toContain('started on server-2#1 while the run for tick 2020-08-18T00:01:00.000Z on server-1#1 was still in progress');
  });

  test('an overlap is excused only while the earlier run\'s server is stopped mid-run', () => {
    const long = { ...run(1, 'server-1#1', 1), endedSeq: 10, endedAt: T0 + 5 * MINUTE };
    const later = run(3, 'server-2#1', 5);
    const pausedMidRun = { kind: 'pause' as const, server: 'server-1', from: T0 + MINUTE + 10, to: T0 + 4 * MINUTE };
    expect(checkRunsNeverOverlap({ ...good, runs: [long, later], disturbances: [pausedMidRun] })).toEqual([]);
    // Paused before its run began, or woken before the later run started: still a violation.
    const pausedBefore = { ...pausedMidRun, from: T0 };
    const wokenEarlier = { ...pausedMidRun, to: T0 + 2 * MINUTE };
    const otherServer = { ...pausedMidRun, server: 'server-2' };
    for (const pause of [pausedBefore, wokenEarlier, otherServer]) {
      expect(checkRunsNeverOverlap({ ...good, runs: [long, later], disturbances: [pause] })).toHaveLength(1);
    }
  });

  test('a run whose server crashed mid-run ends at the crash', () => {
    const crashed: CronRunRecord = { ...run(1, 'server-1#1', 1), outcome: 'crashed', endedSeq: 2 };
    expect(checkRunsNeverOverlap({ ...good, runs: [crashed, run(2, 'server-2#1', 3)] })).toEqual([]);
  });
});

describe('tick-at-least-once', () => {
  test('every tick run passes', () => {
    expect(checkTickAtLeastOnce(good, ticks, bound, window)).toEqual([]);
  });

  test('a tick nobody ran while servers were alive and undisturbed fails', () => {
    const violations = checkTickAtLeastOnce({ ...good, runs: [run(1, 'server-1#1', 1), run(3, 'server-2#1', 5)] }, ticks, bound, window);
    expect(violations.map((v) => v.message)).toEqual(['tick 2020-08-18T00:02:00.000Z never ran, though servers were alive and undisturbed around it']);
  });

  test('a tick within the hold time after a crash is excused; one after it is not', () => {
    const crash = { kind: 'crash' as const, server: 'server-1', from: T0 + 1.5 * MINUTE, to: T0 + 1.5 * MINUTE };
    const manyTicks = [1, 2, 3, 4].map((minute) => T0 + minute * MINUTE);
    const history: CronHistory = { ...good, runs: [run(1, 'server-1#1', 1)], disturbances: [crash] };
    // Crash at 1.5 min, hold 90 s + spread 5 s: ticks 2 and 3 are excused, tick 4 is not.
    expect(checkTickAtLeastOnce(history, manyTicks, bound, window).map((v) => v.atMs)).toEqual([T0 + 4 * MINUTE]);
  });

  test('no server alive: nothing is required', () => {
    const dead = lives.map((life) => ({ ...life, to: T0 + 30_000 }));
    expect(checkTickAtLeastOnce({ runs: [], lives: dead, disturbances: [] }, ticks, bound, window)).toEqual([]);
  });

  test('a tick during a long run is excused', () => {
    const long = { ...run(1, 'server-1#1', 1), endedAt: T0 + 2.5 * MINUTE };
    expect(checkTickAtLeastOnce({ ...good, runs: [long, run(3, 'server-2#1', 5)] }, ticks, bound, window)).toEqual([]);
  });
});

describe('tick-at-least-once on a daily schedule', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  const dailyTicks = [T0 + 3 * HOUR, T0 + 27 * HOUR];
  const dailyWindow = { fromMs: T0, toMs: T0 + 2 * DAY };
  const first = { ...run(0, 'server-1#1', 1), tick: dailyTicks[0] as number, startedAt: dailyTicks[0] as number, endedAt: (dailyTicks[0] as number) + 1_000 };
  const pauseAt8h = { kind: 'pause' as const, server: 'server-1', from: T0 + 8 * HOUR, to: T0 + 8 * HOUR + 10_001 };

  test('a pause 19 hours before the tick excuses the server it deferred', () => {
    const history: CronHistory = { runs: [first], lives: [{ server: 'server-1', pid: 'server-1#1', from: T0 }], disturbances: [pauseAt8h] };
    expect(checkTickAtLeastOnce(history, dailyTicks, bound, dailyWindow)).toEqual([]);
  });

  test('another server, never paused while it waited, had to run it', () => {
    const history: CronHistory = { runs: [first], lives, disturbances: [pauseAt8h] };
    expect(checkTickAtLeastOnce(history, dailyTicks, bound, dailyWindow).map((v) => v.atMs)).toEqual([dailyTicks[1]]);
  });

  test('a pause before the previous tick does not excuse the next one', () => {
    const early = { ...pauseAt8h, from: T0 + HOUR, to: T0 + HOUR + 10_001 };
    const history: CronHistory = { runs: [first], lives: [{ server: 'server-1', pid: 'server-1#1', from: T0 }], disturbances: [early] };
    expect(checkTickAtLeastOnce(history, dailyTicks, bound, dailyWindow).map((v) => v.atMs)).toEqual([dailyTicks[1]]);
  });
});

describe('command-by-leader', () => {
  const tick = T0 + MINUTE;
  const at = (seq: number, pid: string, kind: string, data: Record<string, unknown> = {}): TraceEvent => ({ seq, t: tick + seq, pid, kind, data: { name: 'backup', tick, ...data } });
  const command = { command: 'backup.sh' };
  const exit = { exitCode: 0, signal: null, stdout: '', stderr: '' };
  const leaderRun = [
    at(0, 'server-1#1', 'cron.lock', { message: 'new lock', token: 1, expiresAt: tick + MINUTE }),
    at(1, 'server-1#1', 'cron.run.start', { token: 1 }),
    at(2, 'server-1#1', 'cron.command.start', command),
    at(3, 'server-1#1', 'cron.command.exit', exit),
    at(4, 'server-1#1', 'cron.run.end', { outcome: 'done' }),
  ];

  test("the leader's command inside its run passes", () => {
    expect(checkCommandByLeader(leaderRun)).toEqual([]);
  });

  test('a command run by a server that was refused the lock fails', () => {
    const refused = [at(5, 'server-2#1', 'cron.skip', { message: 'queue: the task is already running' }), at(6, 'server-2#1', 'cron.command.start', command), at(7, 'server-2#1', 'cron.command.exit', exit)];
    expect(checkCommandByLeader([...leaderRun, ...refused]).map((v) => v.message)).toEqual(["server-2#1 ran the command of 'backup' for tick 2020-08-18T00:01:00.000Z without holding the lock for it"]);
  });

  test('an exit status for a command never started fails; a crash forgets the open run', () => {
    const crashed = [at(1, 'server-1#1', 'cron.run.start', { token: 1 }), at(2, 'server-1#1', 'process.crash', {}), at(3, 'server-1#1', 'cron.command.exit', exit)];
    expect(checkCommandByLeader(crashed).map((v) => v.message)).toEqual(["server-1#1 logged an exit status for the command of 'backup' at tick 2020-08-18T00:01:00.000Z that it never started"]);
  });
});
