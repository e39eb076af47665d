/**
 * The simulated counterparts of the DAG seed requirements, each invariant fed a history that breaks
 * it and one that keeps it: data alerts judged by reported amounts, the success rule, and reruns.
 */
import { describe, expect, test } from 'vitest';
import { checkDataJudgedByReports, checkNewRunRunsEveryJob, checkRerunRunsAgain, checkScheduledOnTick, checkSuccessIsClean, scheduleFacts, type AttemptEnd, type DagFacts, type ExecutionFacts } from '../../src/check/dag/index.js';
import { checkDownstreamResumes } from '../../src/check/dag/downstream-resumes.js';
import type { TraceEvent } from '../../src/sim/trace.js';

let seq = 0;
function event(t: number, kind: string, data?: Record<string, unknown>): TraceEvent {
  seq += 1;
  return { seq, t, pid: 'dag-runner#1', kind, ...(data === undefined ? {} : { data }) } as TraceEvent;
}

function facts(overrides: Partial<DagFacts>): DagFacts {
  return { jobs: [], maxParallel: undefined, starts: [], ends: [], notifications: [], executions: new Map(), neverRan: new Map(), stops: [], restarts: [], runnerAliveAtEnd: true, lastRunnerPid: undefined, ...overrides };
}

/** An execution printing `outputs` ([bytes, reported]) from t=10 on, and exiting with `exit` at t=100 unless that is undefined. */
function execution(id: string, outputs: readonly (readonly [number, number | undefined])[], exit: Record<string, unknown> | undefined = { code: 0, signal: null }): ExecutionFacts {
  const start = event(0, 'sim-job.start');
  const printed = outputs.map(([bytes, reported], index) => ({ bytes, event: event(10 + index, 'sim-job.output', { bytes, ...(reported === undefined ? {} : { reported }) }) }));
  return { id, start, outputs: printed, ...(exit === undefined ? {} : { exit: event(100, 'sim-job.exit', exit) }) };
}

function ended(job: string, id: string, outcome: AttemptEnd['outcome'] = 'succeeded'): AttemptEnd {
  return { job, attempt: 1, execution: id, outcome, event: event(101, 'dag.job.end') };
}

function dataAlert(job: string, id: string, t = 102) {
  return { kind: 'data-exceeded' as const, job, attempt: 1, execution: id, event: event(t, 'dag.notify') };
}

describe('data-judged-by-reports', () => {
  const jobs = [{ name: 'a', dependsOn: [], retries: 0, maxData: 100 }];

  test('an alert on printed bytes for a job that reported less than its max_data is a violation', () => {
    seq = 0;
    const run = execution('e1', [[500, 40], [500, 40]]);
    const violations = checkDataJudgedByReports(facts({ jobs, executions: new Map([['e1', run]]), ends: [ended('a', 'e1')], notifications: [dataAlert('a', 'e1')] }));
    expect(violations.map((violation) => violation.message)).toEqual(["data alert for 'a' (execution e1) when it had reported 80, within its max_data of 100"]);
  });

  test('a job that reported more than its max_data in few bytes, with no alert, is a violation', () => {
    seq = 0;
    const run = execution('e1', [[30, 70], [30, 70]]);
    const violations = checkDataJudgedByReports(facts({ jobs, executions: new Map([['e1', run]]), ends: [ended('a', 'e1')] }));
    expect(violations.map((violation) => violation.message)).toEqual(["'a' attempt 1 generated 140 (as reported), over its max_data of 100, and no data alert was sent"]);
  });

  test('a job that reported nothing is judged by its bytes, and only once it ended', () => {
    seq = 0;
    const early = execution('e1', [[80, undefined], [80, undefined]], undefined);
    const alert = dataAlert('a', 'e1', 50);
    early.exit = event(100, 'sim-job.exit', { code: 0, signal: null });
    const violations = checkDataJudgedByReports(facts({ jobs, executions: new Map([['e1', early]]), ends: [ended('a', 'e1')], notifications: [alert] }));
    expect(violations.map((violation) => violation.message)).toEqual(["data alert for 'a' (execution e1) before it ended, having reported nothing yet (160 bytes printed)"]);
  });

  test('alerts on reported amounts over the limit, and on bytes of a silent job after its end, are right', () => {
    seq = 0;
    const reporting = execution('e1', [[10, 60], [10, 60]]);
    const silent = execution('e2', [[80, undefined], [80, undefined]]);
    const quiet = execution('e3', [[500, 5]]);
    const history = facts({
      jobs,
      executions: new Map([['e1', reporting], ['e2', silent], ['e3', quiet]]),
      ends: [ended('a', 'e1'), ended('a', 'e2'), ended('a', 'e3')],
      notifications: [dataAlert('a', 'e1'), dataAlert('a', 'e2')],
    });
    expect(checkDataJudgedByReports(history)).toEqual([]);
  });
});

describe('success-is-clean', () => {
  test('a success whose shell exited 0 with a child still running is a violation', () => {
    seq = 0;
    const run = execution('e1', [], { code: 0, signal: null, leftRunning: true });
    const violations = checkSuccessIsClean(facts({ executions: new Map([['e1', run]]), ends: [ended('a', 'e1')] }));
    expect(violations.map((violation) => [violation.invariant, violation.message])).toEqual([
      ['success-is-clean', "'a' attempt 1 ended as a success although its job exited 0 while a child it started was still running (execution e1)"],
    ]);
  });

  test('a success of a job that exited 2 (its waited child failed) or was killed is a violation', () => {
    seq = 0;
    const failedChild = execution('e1', [], { code: 2, signal: null });
    const killed = execution('e2', [], { code: null, signal: 'SIGTERM' });
    const violations = checkSuccessIsClean(facts({ executions: new Map([['e1', failedChild], ['e2', killed]]), ends: [ended('a', 'e1'), ended('b', 'e2')] }));
    expect(violations.map((violation) => violation.message)).toEqual([
      "'a' attempt 1 ended as a success although its job exited 2 (execution e1)",
      "'b' attempt 1 ended as a success although its job was ended by SIGTERM (execution e2)",
    ]);
  });

  test('a clean exit 0 succeeding, and a child left running failing the attempt, are right', () => {
    seq = 0;
    const clean = execution('e1', [], { code: 0, signal: null });
    const leftOne = execution('e2', [], { code: 0, signal: null, leftRunning: true });
    expect(checkSuccessIsClean(facts({ executions: new Map([['e1', clean], ['e2', leftOne]]), ends: [ended('a', 'e1'), ended('b', 'e2', 'failed')] }))).toEqual([]);
  });
});

describe('rerun-runs-again', () => {
  /** A trace of pipeline a → b → c: each ran once, then `a` was rerun; `after` are the jobs that ran again. */
  function rerunTrace(after: readonly string[], rerunOf = 'a', ranBeforeRerunEvent: readonly string[] = []): TraceEvent[] {
    const trace: TraceEvent[] = [];
    let t = 0;
    const push = (pid: string, kind: string, data: Record<string, unknown>): void => {
      trace.push({ seq: trace.length, t: (t += 10), pid, kind, data });
    };
    push('dag-runner#1', 'process.start', {});
    push('dag-runner#1', 'dag.open', { pipeline: 'p', jobs: [{ name: 'a', dependsOn: [], retries: 0 }, { name: 'b', dependsOn: ['a'], retries: 0 }, { name: 'c', dependsOn: ['b'], retries: 0 }] });
    let execution = 0;
    const run = (job: string): void => {
      execution += 1;
      push('dag-runner#1', 'dag.job.start', { job, attempt: 1, execution: `e${execution}` });
      push('dag-runner#1', 'dag.job.end', { job, attempt: 1, execution: `e${execution}`, outcome: 'succeeded', exit: 'exit 0', execTimeMs: 10, bytes: 1 });
    };
    for (const job of ['a', 'b', 'c']) run(job);
    push('dag-runner#1', 'dag.command', { action: 'rerun', job: rerunOf });
    // A job the runner has reset may run while the rerun's later rows are still being written.
    for (const job of ranBeforeRerunEvent) run(job);
    push('dag-runner#1', 'dag.rerun', { job: rerunOf, reset: [...ranBeforeRerunEvent, ...after], afterAttempt: [] });
    for (const job of after) run(job);
    return trace;
  }

  test('a rerun of a that ran a alone again, leaving b (and so c) on its old result, is a violation at b', () => {
    const trace = rerunTrace(['a']);
    expect(checkRerunRunsAgain(trace).map((violation) => [violation.invariant, violation.message])).toEqual([['rerun-runs-again', "job 'b' never ran again after 'a', upstream of it, was rerun"]]);
  });

  test('a rerun of a that ran a and b again but not c is a violation at c', () => {
    expect(checkRerunRunsAgain(rerunTrace(['a', 'b'])).map((violation) => violation.message)).toEqual(["job 'c' never ran again after 'a', upstream of it, was rerun"]);
  });

  test('a rerun job that never ran again is a violation', () => {
    const trace = rerunTrace([], 'c');
    expect(checkRerunRunsAgain(trace).map((violation) => violation.message)).toEqual(["job 'c' never ran again after it was rerun"]);
  });

  test('a job that ran again once the command was taken, before the rerun was reported done, ran again', () => {
    expect(checkRerunRunsAgain(rerunTrace(['b', 'c'], 'a', ['a']))).toEqual([]);
    // Only what ran after the command counts: b and c running before it are no rerun.
    expect(checkRerunRunsAgain(rerunTrace([], 'a', ['a'])).map((violation) => violation.message)).toEqual(["job 'b' never ran again after 'a', upstream of it, was rerun"]);
  });

  test('a, b and c all running again is right; a trace ending with an attempt in flight is not judged', () => {
    expect(checkRerunRunsAgain(rerunTrace(['a', 'b', 'c']))).toEqual([]);
    const cut = rerunTrace(['a']);
    cut.push({ seq: cut.length, t: 1_000, pid: 'dag-runner#1', kind: 'dag.job.start', data: { job: 'a', attempt: 1, execution: 'e9' } });
    expect(checkRerunRunsAgain(cut)).toEqual([]);
  });
});

describe('a success a rerun reset is not one a job downstream can run on', () => {
  /**
   * a → b → c and d → c. All ran; `a` was rerun (a, b and c reset, their rows written) and then
   * stopped before it ran again, so b and c wait; then `d` was rerun and ran again. c cannot run: b
   * waits behind the stopped a, whatever b's last attempt came to. `bWritten` false: the rerun's
   * rows were never written (its runner died first), so b still stands on its success.
   */
  function resetTrace(bWritten: boolean): TraceEvent[] {
    const trace: TraceEvent[] = [];
    let t = 0;
    const push = (kind: string, data: Record<string, unknown>): void => {
      trace.push({ seq: trace.length, t: (t += 10), pid: 'dag-runner#1', kind, data });
    };
    push('process.start', {});
    const jobs = [
      { name: 'a', dependsOn: [], retries: 0 },
      { name: 'd', dependsOn: [], retries: 0 },
      { name: 'b', dependsOn: ['a'], retries: 0 },
      { name: 'c', dependsOn: ['b', 'd'], retries: 0 },
    ];
    push('dag.open', { pipeline: 'p', jobs });
    let execution = 0;
    const run = (job: string): void => {
      execution += 1;
      push('dag.job.start', { job, attempt: 1, execution: `e${execution}` });
      push('dag.job.end', { job, attempt: 1, execution: `e${execution}`, outcome: 'succeeded', exit: 'exit 0', execTimeMs: 10, bytes: 1 });
    };
    for (const job of ['a', 'd', 'b', 'c']) run(job);
    push('dag.command', { action: 'rerun', job: 'a' });
    for (const job of ['a', 'b', 'c']) push('dag.job.restarted', { job });
    if (bWritten) for (const job of ['a', 'b', 'c']) push('dag.row', { job, status: 'restarted', attempt: 0 });
    push('dag.rerun', { job: 'a', reset: ['a', 'b', 'c'], afterAttempt: [] });
    push('dag.command', { action: 'stop', job: 'a' });
    push('dag.job.stopped', { job: 'a' });
    push('dag.command', { action: 'rerun', job: 'd' });
    push('dag.job.restarted', { job: 'd' });
    push('dag.row', { job: 'd', status: 'restarted', attempt: 0 });
    push('dag.rerun', { job: 'd', reset: ['d'], afterAttempt: ['c'] });
    run('d');
    return trace;
  }

  test('c, behind b reset by a rerun, is owed no run when d succeeds again', () => {
    expect(checkDownstreamResumes(resetTrace(true))).toEqual([]);
    expect(checkRerunRunsAgain(resetTrace(true))).toEqual([]);
  });

  test('with the reset never written, b stands on its success and c is owed a run', () => {
    expect(checkDownstreamResumes(resetTrace(false)).map((violation) => violation.message)).toEqual(["job 'c' never ran although all its upstream jobs succeeded"]);
    expect(checkRerunRunsAgain(resetTrace(false)).map((violation) => violation.message)).toEqual(["job 'c' never ran again after 'd', upstream of it, was rerun"]);
  });
});

describe('scheduled-on-tick', () => {
  const HOUR = 3_600_000;
  /** A scheduler on `0 * * * *` from t=0: `steps` are [kind, tickMs, t]. */
  function scheduleTrace(steps: readonly (readonly ['wait' | 'fire' | 'ran', number, number])[], pid = 'dag-runner#1'): TraceEvent[] {
    const trace: TraceEvent[] = [{ seq: 0, t: 0, pid, kind: 'dag.schedule.start', data: { pipeline: 'p', schedule: '0 * * * *' } }];
    for (const [kind, tickMs, t] of steps) trace.push({ seq: trace.length, t, pid, kind: `dag.schedule.${kind}`, data: { tickMs } });
    return trace;
  }

  test('a run that starts before its tick is a violation', () => {
    const trace = scheduleTrace([['wait', HOUR, 0], ['fire', HOUR, HOUR - 400]]);
    expect(checkScheduledOnTick(scheduleFacts(trace)).map((violation) => violation.message)).toEqual(['the run for the tick at 1970-01-01T01:00:00.000Z started 400 ms before it']);
  });

  test('a tick run twice, a tick that is none, and a wait past a due tick are violations', () => {
    const trace = scheduleTrace([
      ['wait', HOUR, 0],
      ['fire', HOUR, HOUR],
      ['ran', HOUR, HOUR + 60_000],
      ['wait', 3 * HOUR, HOUR + 60_000],
      ['fire', HOUR, HOUR + 70_000],
      ['fire', HOUR + 1, HOUR + 80_000],
    ]);
    expect(checkScheduledOnTick(scheduleFacts(trace)).map((violation) => violation.message)).toEqual([
      'the scheduler waited at 1970-01-01T01:01:00.000Z for the tick at 1970-01-01T03:00:00.000Z, not the first tick after it (1970-01-01T02:00:00.000Z)',
      'the tick at 1970-01-01T01:00:00.000Z got a second run (dag-runner#1; the first by dag-runner#1)',
      "a run started for 1970-01-01T01:00:00.001Z, which is no tick of '0 * * * *'",
    ]);
  });

  test('runs on their ticks, a tick skipped while a run went on, are right', () => {
    const trace = scheduleTrace([
      ['wait', HOUR, 0],
      ['fire', HOUR, HOUR + 5],
      ['ran', HOUR, 2 * HOUR + 60_000],
      ['wait', 3 * HOUR, 2 * HOUR + 60_000],
      ['fire', 3 * HOUR, 3 * HOUR],
    ]);
    expect(checkScheduledOnTick(scheduleFacts(trace))).toEqual([]);
  });
});

describe('new-run-runs-every-job', () => {
  /** Pipeline a → b; one scheduled run in which `ran` jobs ran with `outcome`; `runIds` are the runs opened. */
  function runTrace(ran: readonly string[], outcome = 'succeeded', runIds: readonly number[] = [1]): TraceEvent[] {
    const trace: TraceEvent[] = [];
    const push = (kind: string, data: Record<string, unknown>): void => {
      trace.push({ seq: trace.length, t: trace.length * 10, pid: 'dag-runner#1', kind, data });
    };
    push('dag.schedule.fire', { tickMs: 0 });
    for (const run of runIds) push('dag.open', { pipeline: 'p', jobs: [{ name: 'a', dependsOn: [], retries: 0 }, { name: 'b', dependsOn: ['a'], retries: 0 }], run });
    ran.forEach((job, index) => {
      push('dag.job.start', { job, attempt: 1, execution: `e${index}` });
      push('dag.job.end', { job, attempt: 1, execution: `e${index}`, outcome, exit: 'exit 0', execTimeMs: 1, bytes: 1 });
    });
    push('dag.schedule.ran', { tickMs: 0 });
    return trace;
  }

  test('a run that left a job unrun is a violation; so is a run id that did not go up', () => {
    expect(checkNewRunRunsEveryJob(runTrace(['a'], 'succeeded', [2, 2])).map((violation) => violation.message)).toEqual([
      'a new run was opened as run 2, after run 2',
      "the run for the tick at 1970-01-01T00:00:00.000Z ended without running job 'b'",
    ]);
  });

  test('every job run, or the rest blocked by a failure, is right', () => {
    expect(checkNewRunRunsEveryJob(runTrace(['a', 'b']))).toEqual([]);
    expect(checkNewRunRunsEveryJob(runTrace(['a'], 'failed'))).toEqual([]);
  });
});
