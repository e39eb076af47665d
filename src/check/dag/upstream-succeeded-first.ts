/**
 * No job started before every one of its upstream jobs had succeeded.
 */
import type { Violation } from '../violation.js';
import { dagFactsOf, type DagFacts } from './dag-trace.js';
import type { Checker, RunContext } from '../checker.js';

const UPSTREAM_SUCCEEDED_FIRST = 'upstream-succeeded-first';

export function checkUpstreamSucceededFirst(facts: DagFacts, epochMs = 0): Violation[] {
  const dependsOn = new Map(facts.jobs.map((job) => [job.name, job.dependsOn]));
  const violations: Violation[] = [];
  for (const start of facts.starts) {
    for (const upstream of dependsOn.get(start.job) ?? []) {
      const done = facts.ends.some((end) => end.job === upstream && end.outcome === 'succeeded' && end.event.seq < start.event.seq);
      if (!done) {
        violations.push({
          invariant: UPSTREAM_SUCCEEDED_FIRST,
          message: `job '${start.job}' (attempt ${start.attempt}) started before its upstream job '${upstream}' had succeeded`,
          atMs: start.event.t - epochMs,
          eventSeq: start.event.seq,
          pid: start.event.pid,
        });
      }
    }
  }
  return violations;
}

export const upstreamSucceededFirst: Checker<RunContext> = {
  name: UPSTREAM_SUCCEEDED_FIRST,
  description: 'no job started before all its upstream jobs succeeded',
  check: (run) => checkUpstreamSucceededFirst(run.derive(dagFactsOf)),
};
