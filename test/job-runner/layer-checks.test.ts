/**
 * The job-runner invariants that judge one protection each (the wait for a start time, its
 * cancellation, the kill on stop, the reading of an exit status), fed hand-written histories that
 * break them, and the history of a correct runner that keeps them.
 */
import { describe, expect, test } from 'vitest';
import { createDerive, type RunContext } from '../../src/check/checker.js';
import { dueNotEarly, dueOnlyWhileQueued, endStateMatchesExit, stopEndsExecution } from '../../src/check/job-runner/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

type Line = readonly [number, string, Record<string, unknown>];

function history(lines: readonly Line[]): TraceEvent[] {
  return lines.map(([t, kind, data], seq) => ({ seq, t, pid: kind.startsWith('client') ? 'client#1' : 'runner#1', kind, data }));
}

function runOf(trace: readonly TraceEvent[]): RunContext {
  const run: RunContext = { trace, epochMs: 0, derive: createDerive(() => run) };
  return run;
}

const move = (t: number, job: string, from: string, to: string): Line => [t, 'job.transition', { job, from, to, clockMs: t }];
const started = (t: number, job: string, execution: string): Line[] => [move(t, job, 'queued', 'executing'), [t, 'job.execution', { job, execution }], [t, 'sim-job.start', { execution, command: 'sim' }]];
const exit = (t: number, execution: string, code: number | null, signal: string | null = null): Line => [t, 'sim-job.exit', { execution, code, signal, bytes: 0 }];

/** A correct runner: job-1 scheduled for 50 and found due then; job-2 stopped while executing (killed at once); job-3 scheduled and stopped before its time; job-4 fails. */
const GOOD = history([
  [0, 'job-runner.open', { concurrencyLimit: 2 }],
  [0, 'job.queued', { job: 'job-1', command: 'sim', startAtMs: 50 }],
  [0, 'job.queued', { job: 'job-2', command: 'sim' }],
  [0, 'job.queued', { job: 'job-3', command: 'sim', startAtMs: 90 }],
  [0, 'job.queued', { job: 'job-4', command: 'sim' }],
  ...started(0, 'job-2', 'e1'),
  [5, 'job.stop-requested', { job: 'job-3', state: 'queued' }],
  move(5, 'job-3', 'queued', 'stopped'),
  [10, 'sim-job.output', { execution: 'e1', seq: 0, bytes: 12 }],
  [20, 'job.stop-requested', { job: 'job-2', state: 'executing' }],
  exit(20, 'e1', null, 'SIGTERM'),
  move(20, 'job-2', 'executing', 'stopped'),
  ...started(20, 'job-4', 'e2'),
  exit(30, 'e2', 2),
  move(30, 'job-4', 'executing', 'failed'),
  [50, 'job.due', { job: 'job-1', clockMs: 50 }],
  ...started(50, 'job-1', 'e3'),
  exit(60, 'e3', 0),
  move(60, 'job-1', 'executing', 'completed'),
]);

describe('the single-protection job-runner invariants accept a correct history', () => {
  test.each([dueNotEarly, dueOnlyWhileQueued, stopEndsExecution, endStateMatchesExit])('$name', async (checker) => {
    expect(await checker.check(runOf(GOOD))).toEqual([]);
  });
});

describe('the single-protection job-runner invariants reject the history that breaks them', () => {
  test('due-not-early: a wait that woke 2 s early by the runner’s clock (its clock stepped back while it slept)', async () => {
    const trace = history([
      [0, 'job-runner.open', { concurrencyLimit: 1 }],
      [0, 'job.queued', { job: 'job-1', command: 'sim', startAtMs: 10_000 }],
      // Woke at true time 10 000, but the clock had been stepped back by 2 s: the runner's clock reads 8 000.
      [10_000, 'job.due', { job: 'job-1', clockMs: 8_000 }],
      // The slot check read the clock again and waited: the start itself is on time.
      [12_000, 'job.due', { job: 'job-1', clockMs: 10_000 }],
      move(12_000, 'job-1', 'queued', 'executing'),
    ]);
    const violations = await dueNotEarly.check(runOf(trace));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'due-not-early', atMs: 10_000, eventSeq: 2 });
    expect(violations[0]?.message).toContain('job job-1 due 2000 ms before its scheduled time');
  });

  test('due-only-while-queued: a stopped job’s wait still wakes', async () => {
    const trace = history([
      [0, 'job-runner.open', { concurrencyLimit: 1 }],
      [0, 'job.queued', { job: 'job-1', command: 'sim', startAtMs: 10_000 }],
      [1_000, 'job.stop-requested', { job: 'job-1', state: 'queued' }],
      move(1_000, 'job-1', 'queued', 'stopped'),
      [10_000, 'job.due', { job: 'job-1', clockMs: 10_000 }],
    ]);
    const violations = await dueOnlyWhileQueued.check(runOf(trace));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'due-only-while-queued', atMs: 10_000, eventSeq: 4 });
    expect(violations[0]?.message).toContain('job job-1 due while it was stopped');
  });

  test('stop-ends-execution: a stopped job runs on to its own end (recorded stopped all the same), or never exits', async () => {
    const trace = history([
      [0, 'job-runner.open', { concurrencyLimit: 2 }],
      [0, 'job.queued', { job: 'job-1', command: 'sim' }],
      [0, 'job.queued', { job: 'job-2', command: 'sim' }],
      ...started(0, 'job-1', 'e1'),
      ...started(0, 'job-2', 'e2'),
      [10, 'job.stop-requested', { job: 'job-1', state: 'executing' }],
      [10, 'job.stop-requested', { job: 'job-2', state: 'executing' }],
      [20, 'sim-job.output', { execution: 'e1', seq: 0, bytes: 12 }],
      [30, 'sim-job.output', { execution: 'e1', seq: 1, bytes: 12 }],
      exit(40, 'e1', 0),
      move(40, 'job-1', 'executing', 'stopped'),
    ]);
    const violations = await stopEndsExecution.check(runOf(trace));
    expect(violations.map((violation) => violation.message)).toEqual([
      'job job-1 was asked to stop while executing, and its execution e1 ran on: it printed 2 more chunks and exited 0.030 s later with code 0',
      'job job-2 was asked to stop while executing, and its execution e2 ran on: it printed 0 more chunks and never exited',
    ]);
    expect(violations[0]).toMatchObject({ invariant: 'stop-ends-execution', atMs: 40 });
  });

  test('stop-ends-execution: an execution that had exited by itself at the instant of the stop is not blamed', async () => {
    const trace = history([
      [0, 'job-runner.open', { concurrencyLimit: 1 }],
      [0, 'job.queued', { job: 'job-1', command: 'sim' }],
      ...started(0, 'job-1', 'e1'),
      exit(10, 'e1', 0),
      [10, 'job.stop-requested', { job: 'job-1', state: 'executing' }],
      move(10, 'job-1', 'executing', 'stopped'),
    ]);
    expect(await stopEndsExecution.check(runOf(trace))).toEqual([]);
  });

  test('end-state-matches-exit: a killed job recorded completed, a stop nobody asked for, a completion after a stop request', async () => {
    const trace = history([
      [0, 'job-runner.open', { concurrencyLimit: 3 }],
      [0, 'job.queued', { job: 'job-1', command: 'sim' }],
      [0, 'job.queued', { job: 'job-2', command: 'sim' }],
      [0, 'job.queued', { job: 'job-3', command: 'sim' }],
      ...started(0, 'job-1', 'e1'),
      ...started(0, 'job-2', 'e2'),
      ...started(0, 'job-3', 'e3'),
      exit(10, 'e1', null, 'SIGKILL'),
      move(10, 'job-1', 'executing', 'completed'),
      exit(20, 'e2', 0),
      move(20, 'job-2', 'executing', 'stopped'),
      [30, 'job.stop-requested', { job: 'job-3', state: 'executing' }],
      exit(30, 'e3', null, 'SIGTERM'),
      move(30, 'job-3', 'executing', 'completed'),
    ]);
    const violations = await endStateMatchesExit.check(runOf(trace));
    expect(violations.map((violation) => violation.message)).toEqual([
      'job job-1 ended completed, but its execution e1 ended with SIGKILL',
      'job job-2 ended stopped, but nobody asked to stop it',
      'job job-3 ended completed although it had been asked to stop',
    ]);
    expect(violations.every((violation) => violation.invariant === 'end-state-matches-exit')).toBe(true);
  });
});
