/**
 * The DAG invariants that judge one protection each (the kill an operator's stop sends, the kill at
 * `kill_after_ms`, the lease fence on run-log rows, failure blocking), fed hand-written histories that break them,
 * and ones that keep them.
 */
import { describe, expect, test } from 'vitest';
import { createDerive, type RunContext } from '../../src/check/checker.js';
import { failureBlocksDownstream, killedAtLimit, rowsUnderLease, stopKillsAttempt } from '../../src/check/dag/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

type Line = readonly [number, string, Record<string, unknown>?, string?];

/** A history written as `[t, kind, data]` lines, all by the runner's first incarnation unless said. */
function history(lines: readonly Line[]): TraceEvent[] {
  return lines.map(([t, kind, data, pid], seq) => ({ seq, t, pid: pid ?? (kind.startsWith('sim-job') ? 'jobs#1' : 'dag-runner#1'), kind, ...(data === undefined ? {} : { data }) }));
}

function runOf(trace: readonly TraceEvent[]): RunContext {
  const run: RunContext = { trace, epochMs: 0, derive: createDerive(() => run) };
  return run;
}

const OPEN: Line = [0, 'dag.open', { pipeline: 'p', jobs: [{ name: 'a', dependsOn: [], retries: 0, killAfterMs: 1_000 }, { name: 'b', dependsOn: [], retries: 0 }] }];
const started = (t: number, job: string, execution: string, pid?: string): Line[] => [
  [t, 'sim-job.start', { execution, command: `sim ${job}` }],
  [t, 'dag.job.start', { job, attempt: 1, execution }, pid],
];
const exited = (t: number, execution: string, signal: string | null = null): Line => [t, 'sim-job.exit', { execution, code: signal === null ? 0 : null, signal, bytes: 0 }];
const ended = (t: number, job: string, execution: string, outcome: string, pid?: string): Line => [t, 'dag.job.end', { job, attempt: 1, execution, outcome, exit: 'exit 0', execTimeMs: t, bytes: 0 }, pid];
const stopCommand = (t: number, job: string | null): Line => [t, 'dag.command', { action: 'stop', job }];

describe('stop-kills-attempt', () => {
  test('accepts an attempt killed when the stop came, and ignores an attempt that had ended', async () => {
    const trace = history([[0, 'process.start'], OPEN, ...started(0, 'b', 'e1'), exited(100, 'e1'), ended(100, 'b', 'e1', 'succeeded'), ...started(200, 'a', 'e2'), stopCommand(300, null), exited(300, 'e2', 'SIGTERM'), ended(300, 'a', 'e2', 'stopped')]);
    expect(await stopKillsAttempt.check(runOf(trace))).toEqual([]);
  });

  test('rejects an attempt that ran on after the stop (recorded stopped all the same), and one that never exited', async () => {
    const trace = history([
      [0, 'process.start'],
      OPEN,
      ...started(0, 'a', 'e1'),
      ...started(0, 'b', 'e2'),
      stopCommand(300, 'a'),
      exited(900, 'e1'),
      ended(900, 'a', 'e1', 'stopped'),
      stopCommand(1_000, 'b'),
    ]);
    const violations = await stopKillsAttempt.check(runOf(trace));
    expect(violations.map((violation) => violation.message)).toEqual([
      "the operator stopped 'a' while its attempt 1 (execution e1) ran, and it ran on: it exited 600 ms later",
      "the operator stopped 'b' while its attempt 1 (execution e2) ran, and it ran on: it never exited",
    ]);
    expect(violations[0]).toMatchObject({ invariant: 'stop-kills-attempt', atMs: 900, pid: 'dag-runner#1' });
  });

  test('an attempt another runner incarnation started is not this runner’s to kill', async () => {
    const trace = history([[0, 'process.start'], OPEN, ...started(0, 'a', 'e1', 'dag-runner#1'), [10, 'process.crash'], [20, 'process.start', undefined, 'dag-runner#2'], [30, 'dag.command', { action: 'stop', job: 'a' }, 'dag-runner#2']]);
    expect(await stopKillsAttempt.check(runOf(trace))).toEqual([]);
  });
});

describe('killed-at-limit', () => {
  test('accepts an attempt killed at its kill_after_ms, one killed late by as long as its runner was paused, and one whose runner crashed first', async () => {
    const trace = history([
      [0, 'process.start'],
      OPEN,
      ...started(0, 'a', 'e1'),
      exited(1_000, 'e1', 'SIGTERM'),
      ended(1_000, 'a', 'e1', 'failed'),
      ...started(2_000, 'a', 'e2'),
      [2_500, 'process.pause', { ms: 4_000, untilMs: 6_500 }],
      exited(7_000, 'e2', 'SIGTERM'),
      ...started(8_000, 'a', 'e3'),
      [8_500, 'process.crash'],
      exited(20_000, 'e3'),
    ]);
    expect(await killedAtLimit.check(runOf(trace))).toEqual([]);
  });

  test('rejects an attempt that ran on past its kill_after_ms while its runner was up (failed only at its end), and one never ended', async () => {
    const trace = history([
      [0, 'process.start'],
      OPEN,
      ...started(0, 'a', 'e1'),
      ...started(0, 'b', 'e2'),
      exited(3_000, 'e1'),
      ended(3_000, 'a', 'e1', 'failed'),
      exited(3_000, 'e2'),
      ended(3_000, 'b', 'e2', 'succeeded'),
      ...started(4_000, 'a', 'e3'),
    ]);
    const violations = await killedAtLimit.check(runOf(trace));
    expect(violations.map((violation) => violation.message)).toEqual([
      "execution e1 of 'a' (attempt 1) ran 2000 ms past the moment its kill_after_ms of 1000 came with its runner dag-runner#1 there to kill it",
      "execution e3 of 'a' (attempt 1) never ended, though its kill_after_ms of 1000 came with its runner dag-runner#1 there to kill it",
    ]);
    expect(violations[0]).toMatchObject({ invariant: 'killed-at-limit', atMs: 3_000 });
  });
});

describe('rows-under-lease', () => {
  const R1 = 'dag-runner#1';
  const R2 = 'dag-runner-2#1';
  const granted = (t: number, owner: string, token: number, expiresInMs: number): Line => [t, 'lease.granted', { key: 'dag-runner:p', owner, token, expiresInMs, effectAgoMs: 0 }, owner];
  const renewed = (t: number, owner: string, token: number, expiresInMs: number): Line => [t, 'lease.renewed', { key: 'dag-runner:p', owner, token, expiresInMs, effectAgoMs: 0, remainingBeforeMs: 1 }, owner];
  const row = (t: number, job: string, status: string, owner?: string, token?: number, pid = owner ?? R1): Line => [t, 'dag.row', { job, status, attempt: 1, ...(owner === undefined ? {} : { owner, token }) }, pid];

  test('accepts rows written while the lease is held, renewed in time, and those of the next holder', async () => {
    const trace = history([
      granted(0, R1, 1, 20_000),
      row(10, 'a', 'running', R1, 1),
      renewed(6_000, R1, 1, 20_000),
      row(25_000, 'a', 'succeeded', R1, 1),
      [30_000, 'lease.releasing', { key: 'dag-runner:p', owner: R1, token: 1 }, R1],
      granted(31_000, R2, 2, 20_000),
      row(31_500, 'b', 'running', R2, 2),
    ]);
    expect(await rowsUnderLease.check(runOf(trace))).toEqual([]);
  });

  test('rejects a row written after the lease lapsed (a runner paused past it), after its release, under a token never granted, and under none', async () => {
    const trace = history([
      granted(0, R1, 1, 20_000),
      row(10, 'a', 'running', R1, 1),
      // Paused from 5 s to 35 s: the store let the lease lapse at 20 s, and the row still went in.
      row(35_000, 'a', 'succeeded', R1, 1),
      granted(40_000, R1, 2, 20_000),
      [41_000, 'lease.releasing', { key: 'dag-runner:p', owner: R1, token: 2 }, R1],
      row(41_000, 'b', 'running', R1, 2),
      row(42_000, 'c', 'running', R2, 7),
      row(43_000, 'c', 'running', undefined, undefined, R2),
    ]);
    const violations = await rowsUnderLease.check(runOf(trace));
    expect(violations.map((violation) => violation.message)).toEqual([
      "dag-runner#1 wrote the run-log row 'succeeded' of 'a' under token 1, whose lease the store had let lapse 15000 ms before",
      "dag-runner#1 wrote the run-log row 'running' of 'b' under token 2, which dag-runner#1 had released",
      "dag-runner-2#1 wrote the run-log row 'running' of 'c' under token 7, which the store never granted dag-runner-2#1",
      "dag-runner-2#1 wrote the run-log row 'running' of 'c' under no lease at all",
    ]);
    expect(violations[0]).toMatchObject({ invariant: 'rows-under-lease', atMs: 35_000, pid: R1 });
  });
});

describe('failure-blocks-downstream', () => {
  // a → b → c, and d on its own: a fails for good.
  const CHAIN: Line = [
    0,
    'dag.open',
    { pipeline: 'p', jobs: [{ name: 'a', dependsOn: [], retries: 0 }, { name: 'b', dependsOn: ['a'], retries: 0 }, { name: 'c', dependsOn: ['b'], retries: 0 }, { name: 'd', dependsOn: [], retries: 0 }] },
  ];
  const aFails: Line[] = [[0, 'process.start'], CHAIN, ...started(0, 'a', 'e1'), exited(100, 'e1', 'SIGKILL'), ended(100, 'a', 'e1', 'failed')];
  const blocked = (t: number, job: string, by: string): Line => [t, 'dag.job.blocked', { job, by }];

  test('accepts each waiting job downstream marked blocked by a failed or blocked upstream job in the same instant', async () => {
    const trace = history([...aFails, blocked(100, 'b', 'a'), blocked(100, 'c', 'b'), ...started(200, 'd', 'e2'), [500, 'process.exit']]);
    expect(await failureBlocksDownstream.check(runOf(trace))).toEqual([]);
  });

  test('accepts a failure the runner had no later instant to block after (it crashed then), one restarted in that instant, and a stopped job in between', async () => {
    expect(await failureBlocksDownstream.check(runOf(history([...aFails, [100, 'process.crash']])))).toEqual([]);
    expect(await failureBlocksDownstream.check(runOf(history([...aFails, [100, 'dag.job.restarted', { job: 'a' }], [500, 'process.exit']])))).toEqual([]);
    // b stopped before a failed: blocking stops at b, and c keeps waiting, as the runner does it.
    const stopped = history([[0, 'process.start'], CHAIN, [0, 'dag.job.stopped', { job: 'b' }], ...started(0, 'a', 'e1'), exited(100, 'e1', 'SIGKILL'), ended(100, 'a', 'e1', 'failed'), [500, 'process.exit']]);
    expect(await failureBlocksDownstream.check(runOf(stopped))).toEqual([]);
  });

  test('accepts a mark made on a failure whose end is written a moment later', async () => {
    const trace = history([[0, 'process.start'], CHAIN, ...started(0, 'a', 'e1'), exited(100, 'e1', 'SIGKILL'), blocked(100, 'b', 'a'), blocked(100, 'c', 'b'), ended(110, 'a', 'e1', 'failed'), [500, 'process.exit']]);
    expect(await failureBlocksDownstream.check(runOf(trace))).toEqual([]);
    const notFailed = history([[0, 'process.start'], CHAIN, ...started(0, 'a', 'e1'), exited(100, 'e1'), blocked(100, 'b', 'a'), blocked(100, 'c', 'b'), ended(110, 'a', 'e1', 'succeeded')]);
    expect((await failureBlocksDownstream.check(runOf(notFailed))).map((violation) => violation.message)).toEqual([
      "job 'b' was marked blocked by 'a', whose attempt then ended succeeded, not failed for good",
    ]);
  });

  test('forgets marks made on an end the store refused: the runner lost its lease, re-opened the run log and ran the job again', async () => {
    // Found by `simrun check dag --swarm` (seed 997): a's attempt failed during a pause that outlived
    // the lease, the runner blocked b on it, the store refused the failure, and the re-opened runner
    // ran a again in the same attempt, which succeeded.
    const lost: Line[] = [[0, 'process.start'], CHAIN, ...started(0, 'a', 'e1'), exited(100, 'e1', 'SIGKILL'), blocked(100, 'b', 'a'), blocked(100, 'c', 'b')];
    const reopened: Line[] = [[100, 'dag.runner.lease-lost', { reason: 'the store refused a write under it' }], CHAIN, [100, 'dag.job.interrupted', { job: 'a', attempt: 1 }]];
    const trace = history([...lost, ...reopened, ...started(100, 'a', 'e2'), exited(200, 'e2'), ended(200, 'a', 'e2', 'succeeded'), ...started(300, 'b', 'e3'), [500, 'process.exit']]);
    expect(await failureBlocksDownstream.check(runOf(trace))).toEqual([]);
    // The re-opened runner is judged again: a failure it leaves unblocked is a violation.
    const failedAgain = history([...lost, ...reopened, ...started(100, 'a', 'e2'), exited(200, 'e2', 'SIGKILL'), ended(200, 'a', 'e2', 'failed'), ...started(300, 'd', 'e3'), [500, 'process.exit']]);
    expect((await failureBlocksDownstream.check(runOf(failedAgain))).map((violation) => violation.message)).toEqual([
      "job 'b' was never marked blocked although 'a', upstream of it, had failed for good (it stayed waiting)",
    ]);
  });

  test('judges a runner only once it has opened the run log, not while it takes its lease', async () => {
    // Found by `simrun check dag` (seed 4847): a fails while its runner stops (it blocks nothing
    // then), that runner is killed, and the next one spends an instant on its lease before it opens.
    const stopping: Line[] = [[0, 'process.start'], CHAIN, ...started(0, 'a', 'e1'), [90, 'dag.runner.stopping', { running: ['a'] }], exited(100, 'e1', 'SIGKILL'), ended(100, 'a', 'e1', 'failed'), [110, 'process.crash']];
    const next = (t: number): Line[] => [[t, 'process.start', undefined, 'dag-runner#2'], [t, 'lease.refused', { key: 'k' }, 'dag-runner#2'], [t + 2, 'lock.timeout', { key: 'k' }, 'dag-runner#2']];
    const opens: Line[] = [[130, 'dag.open', CHAIN[2], 'dag-runner#2'], blocked(130, 'b', 'a'), blocked(130, 'c', 'b')];
    const marked = history([...stopping, ...next(120), ...opens.map(([t, kind, data]): Line => [t, kind, data, 'dag-runner#2']), [500, 'process.exit', undefined, 'dag-runner#2']]);
    expect(await failureBlocksDownstream.check(runOf(marked))).toEqual([]);
    // Once open, it owes the marks like any runner.
    const unmarked = history([...stopping, ...next(120), [130, 'dag.open', CHAIN[2], 'dag-runner#2'], [200, 'dag.job.start', { job: 'd', attempt: 1, execution: 'e2' }, 'dag-runner#2'], [500, 'process.exit', undefined, 'dag-runner#2']]);
    expect((await failureBlocksDownstream.check(runOf(unmarked))).map((violation) => violation.message)).toEqual([
      "job 'b' was never marked blocked although 'a', upstream of it, had failed for good (it stayed waiting)",
    ]);
  });

  test('rejects downstream jobs left waiting once the runner went on (the gate alone kept them from running)', async () => {
    const violations = await failureBlocksDownstream.check(runOf(history([...aFails, ...started(200, 'd', 'e2'), [500, 'process.exit']])));
    expect(violations.map((violation) => violation.message)).toEqual(["job 'b' was never marked blocked although 'a', upstream of it, had failed for good (it stayed waiting)"]);
    expect(violations[0]?.atMs).toBe(200);
    // c too, once b is blocked and c is not.
    const half = await failureBlocksDownstream.check(runOf(history([...aFails, blocked(100, 'b', 'a'), [500, 'process.exit']])));
    expect(half.map((violation) => violation.message)).toEqual(["job 'c' was never marked blocked although 'b', upstream of it, was blocked (it stayed waiting)"]);
  });

  test('rejects a block that names no failure, and a blocked job that starts before it is unblocked', async () => {
    const wrongReason = await failureBlocksDownstream.check(runOf(history([...aFails, blocked(100, 'b', 'd'), blocked(100, 'c', 'b'), [500, 'process.exit']])));
    expect(wrongReason.map((violation) => violation.message)).toEqual(["job 'b' was marked blocked by 'd', which is not one of its upstream jobs"]);
    const startedBlocked = await failureBlocksDownstream.check(runOf(history([...aFails, blocked(100, 'b', 'a'), blocked(100, 'c', 'b'), ...started(100, 'b', 'e3'), [500, 'process.exit']])));
    expect(startedBlocked.map((violation) => violation.message)).toEqual(["job 'b' (attempt 1) started while it was blocked, before it was unblocked"]);
    const unblocked = history([...aFails, blocked(100, 'b', 'a'), blocked(100, 'c', 'b'), [200, 'dag.job.restarted', { job: 'a' }], [200, 'dag.job.unblocked', { job: 'b' }], [200, 'dag.job.unblocked', { job: 'c' }], ...started(300, 'a', 'e3')]);
    expect(await failureBlocksDownstream.check(runOf(unblocked))).toEqual([]);
  });
});
