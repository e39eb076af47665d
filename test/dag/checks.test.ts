/**
 * Each DAG invariant, fed a small hand-written history that breaks it (and one that keeps it).
 */
import { describe, expect, test } from 'vitest';
import { checkAlertsJustified, pausesIn } from '../../src/check/dag/alerts-justified.js';
import { checkBreachesAlerted } from '../../src/check/dag/breaches-alerted.js';
import { checkDownstreamResumes } from '../../src/check/dag/downstream-resumes.js';
import { checkNotBeforeStartTime } from '../../src/check/dag/not-before-start-time.js';
import { checkNothingDownstreamOfFailure } from '../../src/check/dag/nothing-downstream-of-failure.js';
import { checkUpstreamSucceededFirst } from '../../src/check/dag/upstream-succeeded-first.js';
import { createDerive, type RunContext } from '../../src/check/checker.js';
import {
  alertsJustified,
  breachesAlerted,
  checkOneExecutionPerJob,
  checkStopEndsJobs,
  dagFacts,
  downstreamResumes,
  notBeforeStartTime,
  nothingDownstreamOfFailure,
  oneExecutionPerJob,
  stopEndsJobs,
  upstreamSucceededFirst,
} from '../../src/check/dag/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

/** A history written as `[t, kind, data]` lines, all by the runner's first incarnation unless said. */
function history(lines: readonly (readonly [number, string, Record<string, unknown>?, string?])[]): TraceEvent[] {
  return lines.map(([t, kind, data, pid], seq) => ({ seq, t, pid: pid ?? 'dag-runner#1', kind, ...(data === undefined ? {} : { data }) }));
}

const OPEN: [number, string, Record<string, unknown>] = [
  0,
  'dag.open',
  {
    jobs: [
      { name: 'a', dependsOn: [], retries: 0, maxRuntimeMs: 100, maxOutputBytes: 10 },
      { name: 'b', dependsOn: ['a'], retries: 0, startAtMs: 50 },
      { name: 'c', dependsOn: ['b'], retries: 0 },
    ],
  },
];

const attempt = (job: string, execution: string, startMs: number, endMs: number, outcome: string, bytes = 5): [number, string, Record<string, unknown>][] => [
  [startMs, 'sim-job.start', { execution }],
  [startMs, 'dag.job.start', { job, attempt: 1, execution }],
  [startMs + 1, 'sim-job.output', { execution, seq: 0, bytes }],
  [endMs, 'sim-job.exit', { execution, bytes }],
  [endMs, 'dag.job.end', { job, attempt: 1, execution, outcome }],
];

const GOOD = history([[0, 'process.start'], OPEN, ...attempt('a', 'e1', 0, 40, 'succeeded'), ...attempt('b', 'e2', 60, 80, 'succeeded'), ...attempt('c', 'e3', 80, 90, 'succeeded')]);

/** A finished run of `trace`, as a checker sees it. */
function runOf(trace: readonly TraceEvent[]): RunContext {
  const run: RunContext = { trace, epochMs: 0, derive: createDerive(() => run) };
  return run;
}

describe('DAG invariants accept a correct history', () => {
  test.each([upstreamSucceededFirst, notBeforeStartTime, nothingDownstreamOfFailure, downstreamResumes, alertsJustified, breachesAlerted, oneExecutionPerJob, stopEndsJobs])('$name', async (checker) => {
    expect(await checker.check(runOf(GOOD))).toEqual([]);
  });
});

describe('DAG invariants reject the history that breaks them', () => {
  test('upstream-succeeded-first: b starts while a is still running', () => {
    const trace = history([OPEN, [0, 'dag.job.start', { job: 'a', attempt: 1, execution: 'e1' }], [60, 'dag.job.start', { job: 'b', attempt: 1, execution: 'e2' }], [70, 'dag.job.end', { job: 'a', attempt: 1, execution: 'e1', outcome: 'succeeded' }]]);
    const violations = checkUpstreamSucceededFirst(dagFacts(trace));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toContain("job 'b' (attempt 1) started before its upstream job 'a' had succeeded");
    expect(violations[0]?.eventSeq).toBe(2);
  });

  test('not-before-start-time: b starts at 40, its start time is 50', () => {
    const trace = history([OPEN, ...attempt('a', 'e1', 0, 30, 'succeeded'), ...attempt('b', 'e2', 40, 45, 'succeeded')]);
    expect(checkNotBeforeStartTime(dagFacts(trace)).map((v) => v.message)).toEqual(["job 'b' started 10 ms before its start time"]);
  });

  test('nothing-downstream-of-failure: c runs after a failed for good', () => {
    const trace = history([OPEN, ...attempt('a', 'e1', 0, 30, 'failed'), ...attempt('c', 'e2', 60, 70, 'succeeded')]);
    expect(checkNothingDownstreamOfFailure(dagFacts(trace)).map((v) => v.message)).toEqual(["job 'c' ran although 'a', upstream of it, had failed for good"]);
  });

  test('nothing-downstream-of-failure: a failure later restarted into success is recovered', () => {
    const trace = history([OPEN, ...attempt('a', 'e1', 0, 30, 'failed'), ...attempt('a', 'e2', 40, 45, 'succeeded'), ...attempt('b', 'e3', 60, 70, 'succeeded')]);
    expect(checkNothingDownstreamOfFailure(dagFacts(trace))).toEqual([]);
  });

  test('downstream-resumes: a restarted into success, but b never runs', () => {
    const trace = history([[0, 'process.start'], OPEN, ...attempt('a', 'e1', 0, 30, 'failed'), [35, 'dag.job.restarted', { job: 'a' }], ...attempt('a', 'e2', 40, 45, 'succeeded'), [1000, 'operator.idle', {}, 'operator#1']]);
    expect(checkDownstreamResumes(trace).map((v) => v.message)).toEqual(["job 'b' never ran although all its upstream jobs succeeded (after 'a' failed and was restarted)"]);
  });

  test('downstream-resumes: not judged while an attempt is in flight, or when the runner is dead', () => {
    const inFlight = history([[0, 'process.start'], OPEN, ...attempt('a', 'e1', 0, 30, 'succeeded'), [60, 'dag.job.start', { job: 'x', attempt: 1, execution: 'e9' }]]);
    expect(checkDownstreamResumes(inFlight)).toEqual([]);
    const dead = history([[0, 'process.start'], OPEN, ...attempt('a', 'e1', 0, 30, 'succeeded'), [40, 'process.crash']]);
    expect(checkDownstreamResumes(dead)).toEqual([]);
  });

  test('alerts-justified: a runtime alert for an attempt within its limit, an output alert within its limit, a failure notice for a success', () => {
    const trace = history([
      OPEN,
      ...attempt('a', 'e1', 0, 40, 'succeeded'),
      [40, 'dag.notify', { kind: 'runtime-exceeded', job: 'a', attempt: 1, execution: 'e1' }],
      [40, 'dag.notify', { kind: 'output-exceeded', job: 'a', attempt: 1, execution: 'e1' }],
      [40, 'dag.notify', { kind: 'job-failed', job: 'a', attempt: 1, execution: 'e1' }],
    ]);
    const messages = checkAlertsJustified(dagFacts(trace)).map((v) => v.message);
    expect(messages).toEqual([
      "runtime alert for 'a' (execution e1) after 40 ms, within its limit of 100 ms",
      "output alert for 'a' (execution e1) after 5 bytes, within its limit of 10 bytes",
      "failure notification for 'a', whose last attempt ended succeeded",
    ]);
  });

  test('alerts-justified: a runner paused during the attempt counts the pause (it cannot see the job end), and only its own pauses', () => {
    const alertAt80 = (pausePid: string): TraceEvent[] =>
      history([
        OPEN,
        [10, 'process.pause', { untilMs: 70 }, pausePid],
        ...attempt('a', 'e1', 0, 40, 'succeeded'),
        [80, 'dag.notify', { kind: 'runtime-exceeded', job: 'a', attempt: 1, execution: 'e1' }],
      ]);
    // 40 ms of true run time + 60 ms paused within it: the runner saw 100 ms, not past 100 ms.
    expect(checkAlertsJustified(dagFacts(alertAt80('dag-runner#1')), 0, pausesIn(alertAt80('dag-runner#1')))).toHaveLength(1);
    const longer = history([
      OPEN,
      [10, 'process.pause', { untilMs: 75 }],
      ...attempt('a', 'e1', 0, 40, 'succeeded'),
      [80, 'dag.notify', { kind: 'runtime-exceeded', job: 'a', attempt: 1, execution: 'e1' }],
    ]);
    expect(checkAlertsJustified(dagFacts(longer), 0, pausesIn(longer))).toEqual([]);
    // Another process's pause excuses nothing.
    const other = history([
      OPEN,
      [10, 'process.pause', { untilMs: 75 }, 'operator#1'],
      ...attempt('a', 'e1', 0, 40, 'succeeded'),
      [80, 'dag.notify', { kind: 'runtime-exceeded', job: 'a', attempt: 1, execution: 'e1' }],
    ]);
    expect(checkAlertsJustified(dagFacts(other), 0, pausesIn(other))).toHaveLength(1);
  });

  test('breaches-alerted: an attempt over both limits, and a final failure, with no notification', () => {
    const trace = history([OPEN, ...attempt('a', 'e1', 0, 150, 'failed', 11)]);
    const messages = checkBreachesAlerted(dagFacts(trace)).map((v) => v.message);
    expect(messages).toEqual([
      "'a' attempt 1 ran 150 ms, over its limit of 100 ms, and no runtime alert was sent",
      "'a' attempt 1 printed 11 bytes, over its limit of 10, and no output alert was sent",
      "'a' failed for good and no failure notification was sent",
    ]);
  });

  test('one-execution-per-job: an orphan of a crashed runner still runs when the next runner starts the job again', () => {
    const trace = history([
      [0, 'process.start'],
      OPEN,
      [0, 'sim-job.start', { execution: 'e1' }],
      [0, 'dag.job.start', { job: 'a', attempt: 1, execution: 'e1' }],
      [10, 'process.crash'],
      [20, 'process.start', undefined, 'dag-runner#2'],
      [20, 'sim-job.start', { execution: 'e2' }],
      [20, 'dag.job.start', { job: 'a', attempt: 1, execution: 'e2' }, 'dag-runner#2'],
      [30, 'sim-job.exit', { execution: 'e1', bytes: 0 }],
      [40, 'sim-job.exit', { execution: 'e2', bytes: 0 }],
      [40, 'dag.job.end', { job: 'a', attempt: 1, execution: 'e2', outcome: 'succeeded' }, 'dag-runner#2'],
    ]);
    const violations = checkOneExecutionPerJob(dagFacts(trace));
    expect(violations.map((v) => v.message)).toEqual(["job 'a' ran twice at once: execution e1 (started by dag-runner#1) was still running when e2 (started by dag-runner#2) started"]);
    expect(violations[0]?.eventSeq).toBe(6);
  });

  test('one-execution-per-job: the orphan ended first, then the rerun, is fine', () => {
    const trace = history([
      OPEN,
      [0, 'sim-job.start', { execution: 'e1' }],
      [0, 'dag.job.start', { job: 'a', attempt: 1, execution: 'e1' }],
      [20, 'sim-job.exit', { execution: 'e1', code: null, signal: 'SIGKILL', bytes: 0 }],
      [20, 'sim-job.start', { execution: 'e2' }],
      [20, 'dag.job.start', { job: 'a', attempt: 1, execution: 'e2' }, 'dag-runner#2'],
    ]);
    expect(checkOneExecutionPerJob(dagFacts(trace))).toEqual([]);
  });

  test('stop-ends-jobs: a runner exits while the job it started still runs; a crash is not judged', () => {
    const left = history([[0, 'process.start'], OPEN, [0, 'sim-job.start', { execution: 'e1' }], [0, 'dag.job.start', { job: 'a', attempt: 1, execution: 'e1' }], [10, 'process.exit'], [25, 'sim-job.exit', { execution: 'e1', bytes: 0 }]]);
    expect(checkStopEndsJobs(left, dagFacts(left)).map((v) => v.message)).toEqual(["dag-runner#1 exited while execution e1 of job 'a' it started was still running (it ended 15 ms later)"]);
    const crashed = history([[0, 'process.start'], OPEN, [0, 'sim-job.start', { execution: 'e1' }], [0, 'dag.job.start', { job: 'a', attempt: 1, execution: 'e1' }], [10, 'process.crash']]);
    expect(checkStopEndsJobs(crashed, dagFacts(crashed))).toEqual([]);
    const ended = history([[0, 'process.start'], OPEN, [0, 'sim-job.start', { execution: 'e1' }], [0, 'dag.job.start', { job: 'a', attempt: 1, execution: 'e1' }], [5, 'sim-job.exit', { execution: 'e1', bytes: 0 }], [10, 'process.exit']]);
    expect(checkStopEndsJobs(ended, dagFacts(ended))).toEqual([]);
  });
});
