/**
 * Each job-runner invariant, fed a small hand-written history that breaks it (and one that keeps it).
 */
import { describe, expect, test } from 'vitest';
import { checkConcurrencyLimit } from '../../src/check/job-runner/concurrency-limit.js';
import { checkLegalTransitions } from '../../src/check/job-runner/legal-transitions.js';
import { checkOutputComplete } from '../../src/check/job-runner/output-complete.js';
import { checkScheduledNotEarly } from '../../src/check/job-runner/scheduled-not-early.js';
import { checkStoppedQueuedNeverRuns } from '../../src/check/job-runner/stopped-queued-never-runs.js';
import { checkRestartRecoversJobs } from '../../src/check/job-runner/restart-recovers-jobs.js';
import { createDerive, type RunContext } from '../../src/check/checker.js';
import { concurrencyLimit, jobRunnerFacts, legalTransitions, outputComplete, scheduledNotEarly, stoppedQueuedNeverRuns } from '../../src/check/job-runner/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { chunkText } from '../../src/systems/job-runner/sim-executor.js';

function history(lines: readonly (readonly [number, string, Record<string, unknown>])[]): TraceEvent[] {
  return lines.map(([t, kind, data], seq) => ({ seq, t, pid: kind.startsWith('client') ? 'client#1' : 'runner#1', kind, data }));
}

const move = (t: number, job: string, from: string, to: string): [number, string, Record<string, unknown>] => [t, 'job.transition', { job, from, to, clockMs: t }];

const GOOD = history([
  [0, 'job-runner.open', { concurrencyLimit: 1 }],
  [0, 'job.queued', { job: 'job-1', command: 'x' }],
  [0, 'job.queued', { job: 'job-2', command: 'x', startAtMs: 50 }],
  [0, 'job.queued', { job: 'job-3', command: 'x' }],
  [1, 'job.stop-requested', { job: 'job-3', state: 'queued' }],
  move(1, 'job-3', 'queued', 'stopped'),
  move(10, 'job-1', 'queued', 'executing'),
  [10, 'job.execution', { job: 'job-1', execution: 'e1' }],
  [20, 'sim-job.output', { execution: 'e1', seq: 0, bytes: 12 }],
  [30, 'sim-job.output', { execution: 'e1', seq: 1, bytes: 12 }],
  move(40, 'job-1', 'executing', 'completed'),
  move(50, 'job-2', 'queued', 'executing'),
  [50, 'job.execution', { job: 'job-2', execution: 'e2' }],
  move(60, 'job-2', 'executing', 'failed'),
  [70, 'client.output', { job: 'job-1', how: 'whole', text: chunkText('e1', 0, 12) + chunkText('e1', 1, 12) }],
  [70, 'client.output', { job: 'job-2', how: 'stream', text: '' }],
  [70, 'client.output', { job: 'job-3', how: 'whole', text: '' }],
]);

/** A finished run of `trace`, as a checker sees it. */
function runOf(trace: readonly TraceEvent[]): RunContext {
  const run: RunContext = { trace, epochMs: 0, derive: createDerive(() => run) };
  return run;
}

describe('job-runner invariants accept a correct history', () => {
  test.each([legalTransitions, outputComplete, stoppedQueuedNeverRuns, scheduledNotEarly, concurrencyLimit])('$name', async (checker) => {
    expect(await checker.check(runOf(GOOD))).toEqual([]);
  });
});

describe('job-runner invariants reject the history that breaks them', () => {
  test('legal-transitions: a finished job runs again, a job skips executing, a transition from the wrong state', () => {
    const trace = history([
      [0, 'job.queued', { job: 'job-1' }],
      [0, 'job.queued', { job: 'job-2' }],
      move(1, 'job-1', 'queued', 'executing'),
      move(2, 'job-1', 'executing', 'completed'),
      move(3, 'job-1', 'completed', 'executing'),
      move(4, 'job-2', 'queued', 'completed'),
      move(5, 'job-2', 'executing', 'failed'),
    ]);
    expect(checkLegalTransitions(jobRunnerFacts(trace)).map((v) => v.message)).toEqual([
      'job job-1 made the illegal transition completed -> executing',
      'job job-2 made the illegal transition queued -> completed',
      'job job-2 went executing -> failed, but it was completed',
    ]);
  });

  test('output-complete: a stream that missed the first chunk, and whole output out of order', () => {
    const [a, b] = [chunkText('e1', 0, 12), chunkText('e1', 1, 12)];
    const trace = history([
      [0, 'job.queued', { job: 'job-1' }],
      [0, 'job.execution', { job: 'job-1', execution: 'e1' }],
      [1, 'sim-job.output', { execution: 'e1', seq: 0, bytes: 12 }],
      [2, 'sim-job.output', { execution: 'e1', seq: 1, bytes: 12 }],
      [3, 'client.output', { job: 'job-1', how: 'stream', text: b }],
      [3, 'client.output', { job: 'job-1', how: 'whole', text: b + a }],
    ]);
    expect(checkOutputComplete(jobRunnerFacts(trace)).map((v) => v.message)).toEqual([
      'job job-1: the stream read the last 12 of 24 bytes: the beginning is missing',
      'job job-1: the output read 24 bytes that differ from the 24 printed from byte 3',
    ]);
  });

  test('stopped-queued-never-runs: a stop request that found the job queued, then it executes', () => {
    const trace = history([[0, 'job.queued', { job: 'job-1' }], [1000, 'job.stop-requested', { job: 'job-1', state: 'queued' }], move(3000, 'job-1', 'queued', 'executing')]);
    expect(checkStoppedQueuedNeverRuns(jobRunnerFacts(trace)).map((v) => v.message)).toEqual(['job job-1 was stopped while queued (2.000 s earlier) and ran anyway']);
  });

  test('scheduled-not-early: executing while the runner’s clock reads before the start time', () => {
    const trace = history([[0, 'job.queued', { job: 'job-1', startAtMs: 5000 }], [4000, 'job.transition', { job: 'job-1', from: 'queued', to: 'executing', clockMs: 4200 }]]);
    expect(checkScheduledNotEarly(jobRunnerFacts(trace)).map((v) => v.message)).toEqual(["job job-1 started 800 ms before its scheduled time (by the runner's clock)"]);
  });

  test('concurrency-limit: a second job executing under a limit of one', () => {
    const trace = history([[0, 'job-runner.open', { concurrencyLimit: 1 }], move(1, 'job-1', 'queued', 'executing'), move(2, 'job-2', 'queued', 'executing'), move(3, 'job-1', 'executing', 'completed')]);
    const violations = checkConcurrencyLimit(jobRunnerFacts(trace));
    expect(violations.map((v) => v.message)).toEqual(['2 jobs executing at once (job-1, job-2), over the limit of 1']);
    expect(violations[0]?.eventSeq).toBe(2);
  });
});

describe('restart-recovers-jobs', () => {
  const beforeRestart: [number, string, Record<string, unknown>][] = [
    [0, 'job-runner.open', { concurrencyLimit: 1 }],
    [0, 'job.queued', { job: 'job-1', command: 'x' }],
    [0, 'job.queued', { job: 'job-2', command: 'x' }],
    [0, 'job.queued', { job: 'job-3', command: 'x' }],
    move(1, 'job-1', 'queued', 'executing'),
    move(2, 'job-3', 'queued', 'stopped'),
    [5, 'job-runner.open', { concurrencyLimit: 1 }],
  ];

  test('accepts a restart that fails the executing job and queues the queued one again', () => {
    const trace = history([...beforeRestart, [5, 'job.recovered', { job: 'job-1', was: 'executing', now: 'failed' }], move(5, 'job-1', 'executing', 'failed'), [5, 'job.recovered', { job: 'job-2', was: 'queued', now: 'queued' }], move(6, 'job-2', 'queued', 'executing')]);
    expect(checkRestartRecoversJobs(trace)).toEqual([]);
  });

  test('rejects a restart that forgets a queued job, and one that queues an executing job again', () => {
    const forgot = history([...beforeRestart, [5, 'job.recovered', { job: 'job-1', was: 'executing', now: 'failed' }], move(5, 'job-1', 'executing', 'failed')]);
    expect(checkRestartRecoversJobs(forgot).map((v) => v.message)).toEqual(['job job-2 was queued when the runner restarted, and the new runner never took it up: it is lost']);
    const rerun = history([...beforeRestart, [5, 'job.recovered', { job: 'job-1', was: 'executing', now: 'queued' }], [5, 'job.recovered', { job: 'job-2', was: 'queued', now: 'queued' }]]);
    expect(checkRestartRecoversJobs(rerun).map((v) => v.message)).toEqual(['job job-1: recovered as queued from executing, but it was executing when the runner restarted and must become failed']);
  });

  test('rejects a job that moves after a restart without being recovered', () => {
    const trace = history([...beforeRestart, [5, 'job.recovered', { job: 'job-1', was: 'executing', now: 'failed' }], move(5, 'job-1', 'executing', 'failed'), move(6, 'job-2', 'queued', 'executing')]);
    expect(checkRestartRecoversJobs(trace).map((v) => v.message)).toEqual(['job job-2 moved to executing after a restart without being recovered first']);
  });
});

test('output-complete: stdout read alone must hold exactly the stdout chunks, stderr alone the stderr ones', () => {
  const [out, err] = [chunkText('e1', 0, 12), chunkText('e1', 1, 12)];
  const printed: [number, string, Record<string, unknown>][] = [
    [0, 'job.queued', { job: 'job-1' }],
    [0, 'job.execution', { job: 'job-1', execution: 'e1' }],
    [1, 'sim-job.output', { execution: 'e1', seq: 0, bytes: 12 }],
    [2, 'sim-job.output', { execution: 'e1', seq: 1, bytes: 12, stream: 'stderr' }],
  ];
  const good = history([...printed, [3, 'client.output', { job: 'job-1', how: 'whole', text: out + err }], [3, 'client.output', { job: 'job-1', how: 'whole', view: 'stdout', text: out }], [3, 'client.output', { job: 'job-1', how: 'whole', view: 'stderr', text: err }]]);
  expect(checkOutputComplete(jobRunnerFacts(good))).toEqual([]);
  const mixed = history([...printed, [3, 'client.output', { job: 'job-1', how: 'whole', view: 'stdout', text: out + err }], [3, 'client.output', { job: 'job-1', how: 'whole', view: 'stderr', text: '' }]]);
  expect(checkOutputComplete(jobRunnerFacts(mixed)).map((v) => v.message)).toEqual([
    'job job-1: the output (stdout alone) read 24 bytes that differ from the 12 printed from byte 12',
    'job job-1: the output (stderr alone) read 0 of 12 bytes: the rest is missing',
  ]);
});
