/**
 * No job started before its start time. Judged by true time: the DAG scenario leaves clock skew
 * out, so the runner's clock is the true one.
 */
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const NOT_BEFORE_START_TIME = 'not-before-start-time';

export function checkNotBeforeStartTime(facts: DagFacts, epochMs = 0): Violation[] {
  const startAt = new Map(facts.jobs.map((job) => [job.name, job.startAtMs]));
  return facts.starts
    .filter((start) => {
      const startAtMs = startAt.get(start.job);
      return startAtMs !== undefined && start.event.t < startAtMs;
    })
    .map((start) => ({
      invariant: NOT_BEFORE_START_TIME,
      message: `job '${start.job}' started ${(startAt.get(start.job) as number) - start.event.t} ms before its start time`,
      atMs: start.event.t - epochMs,
      eventSeq: start.event.seq,
      pid: start.event.pid,
    }));
}

export const notBeforeStartTime: Checker<RunContext> = {
  name: NOT_BEFORE_START_TIME,
  description: 'no job started before its start time',
  check: (run) => checkNotBeforeStartTime(run.derive(dagFactsOf)),
};
