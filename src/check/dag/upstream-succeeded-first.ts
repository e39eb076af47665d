/**
 * No job started before every one of its upstream jobs had succeeded.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dagFacts } from './dag-trace.js';

export const UPSTREAM_SUCCEEDED_FIRST = 'upstream-succeeded-first';

export function checkUpstreamSucceededFirst(trace: readonly TraceEvent[], epochMs = 0): Violation[] {
  const facts = dagFacts(trace);
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
