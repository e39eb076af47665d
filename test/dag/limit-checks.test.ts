/**
 * The two invariants of the pipeline's limits, each fed a history that breaks it and one that keeps it.
 */
import { describe, expect, test } from 'vitest';
import { checkHardLimitEnforced, checkMaxParallelRespected, type DagFacts, type ExecutionFacts } from '../../src/check/dag/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

let seq = 0;
function event(t: number, kind: string): TraceEvent {
  seq += 1;
  return { seq, t, pid: 'jobs#1', kind } as TraceEvent;
}

function execution(id: string, startMs: number, exitMs: number | undefined): ExecutionFacts {
  return { id, start: event(startMs, 'sim-job.start'), ...(exitMs === undefined ? {} : { exit: event(exitMs, 'sim-job.exit') }), outputs: [] };
}

function facts(overrides: Partial<DagFacts>): DagFacts {
  return { jobs: [], maxParallel: undefined, starts: [], ends: [], notifications: [], executions: new Map(), neverRan: new Map(), stops: [], restarts: [], runnerAliveAtEnd: true, lastRunnerPid: undefined, ...overrides };
}

describe('max-parallel-respected', () => {
  test('three executions overlapping under a max_parallel of 2 is a violation, at the third', () => {
    seq = 0;
    const executions = new Map([
      ['e1', execution('e1', 0, undefined)],
      ['e2', execution('e2', 10, undefined)],
      ['e3', execution('e3', 20, undefined)],
    ]);
    const violations = checkMaxParallelRespected(facts({ maxParallel: 2, executions }));
    expect(violations.map((violation) => [violation.invariant, violation.message, violation.atMs])).toEqual([['max-parallel-respected', "3 jobs executing at once, more than the pipeline's max_parallel of 2", 20]]);
  });

  test('one ending before the next starts keeps within the limit', () => {
    seq = 0;
    const first = execution('e1', 0, undefined);
    const second = execution('e2', 5, undefined);
    first.exit = event(10, 'sim-job.exit');
    const third = execution('e3', 10, 30);
    expect(checkMaxParallelRespected(facts({ maxParallel: 2, executions: new Map([['e1', first], ['e2', second], ['e3', third]]) }))).toEqual([]);
  });
});

describe('hard-limit-enforced', () => {
  const jobs = [{ name: 'a', dependsOn: [], retries: 0, killAfterMs: 100 }];

  test('an attempt that ran past its kill_after_ms and ended a success is a violation', () => {
    seq = 0;
    const run = execution('e1', 0, 150);
    const end = { job: 'a', attempt: 1, execution: 'e1', outcome: 'succeeded' as const, event: event(150, 'dag.job.end') };
    const violations = checkHardLimitEnforced(facts({ jobs, executions: new Map([['e1', run]]), ends: [end] }));
    expect(violations.map((violation) => violation.message)).toEqual(["job 'a' (attempt 1) ran 150 ms, past its kill_after_ms of 100, and ended as a success"]);
  });

  test('one killed at the limit (failed), or done within it, is fine', () => {
    seq = 0;
    const killed = execution('e1', 0, 100);
    const quick = execution('e2', 200, 250);
    const ends = [
      { job: 'a', attempt: 1, execution: 'e1', outcome: 'failed' as const, event: event(100, 'dag.job.end') },
      { job: 'a', attempt: 1, execution: 'e2', outcome: 'succeeded' as const, event: event(250, 'dag.job.end') },
    ];
    expect(checkHardLimitEnforced(facts({ jobs, executions: new Map([['e1', killed], ['e2', quick]]), ends }))).toEqual([]);
  });
});
