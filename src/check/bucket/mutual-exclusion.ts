/**
 * Mutual exclusion as the protected resource sees it. The fence in front of the output store logs
 * every verdict (`bucket.fence` events, each a `FencedOperation`); from that log alone: no token
 * older than one already admitted for the same file was admitted (a worker that lost its lease
 * worked on after a newer holder started), and no token was admitted for two workers (two workers
 * inside one file's critical section under the same claim).
 */
import { findFenceViolations, type FencedOperation } from '../../locks/fenced-resource.js';
import type { TraceEvent } from '../../sim/trace.js';
import { bucketEvents } from '../../systems/bucket/events.js';
import type { Violation } from '../violation.js';
import type { Checker, TraceInput } from '../checker.js';

const MUTUAL_EXCLUSION = 'mutual-exclusion';

export function fenceLogOf(trace: readonly TraceEvent[]): Array<FencedOperation & { readonly traceSeq: number; readonly t: number }> {
  const log: Array<FencedOperation & { readonly traceSeq: number; readonly t: number }> = [];
  for (const event of bucketEvents.of(trace)) if (event.kind === 'bucket.fence') log.push({ ...event.data, traceSeq: event.seq, t: event.t });
  return log;
}

export function checkMutualExclusion(trace: readonly TraceEvent[]): Violation[] {
  const log = fenceLogOf(trace);
  return findFenceViolations(log).map((violation) => {
    const last = violation.operations[violation.operations.length - 1] as (typeof log)[number];
    return { invariant: MUTUAL_EXCLUSION, message: `${violation.kind}: ${violation.message}`, atMs: last.t, eventSeq: last.traceSeq, pid: last.owner };
  });
}

export const mutualExclusion: Checker<TraceInput> = {
  name: MUTUAL_EXCLUSION,
  description: 'the fence never admitted a stale token, nor one token for two workers',
  check: ({ trace }) => checkMutualExclusion(trace),
};
