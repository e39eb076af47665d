/**
 * Every run-log row is written under the pipeline's runner lease, as the store holds it: when the
 * store takes a row from a runner (`dag.row`), that runner holds the lease it names (same owner and
 * token) according to the store's own answers (`lease.*`, written by `tracedLock` around the
 * runner's lock): granted or renewed, unexpired by the store's clock, not released.
 *
 * Two protections keep one runner per pipeline: the lease itself (a runner that learns it lost it
 * stops at once) and the fence on every row (the store refuses a row once the lease is gone). A
 * runner paused past its lease wakes, and may write before it hears of the loss: only the fence
 * stops that row, and when nobody took the pipeline meanwhile, nothing in the outcome shows it
 * went through. This judges the fence on its own.
 */
import { leaseEvents } from '../../locks/events.js';
import { dagEvents } from '../../systems/dag/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import type { Checker, RunContext } from '../checker.js';

const ROWS_UNDER_LEASE = 'rows-under-lease';

/** The runner lease of every pipeline is kept under keys with this prefix (`runnerLeaseKey`). */
const RUNNER_LEASE_PREFIX = 'dag-runner:';

export function checkRowsUnderLease(trace: readonly TraceEvent[], epochMs = 0): Violation[] {
  /** Per `owner token`: until when (true ms) the store holds that lease, or released. */
  const leases = new Map<string, { endT: number; released: boolean }>();
  const violations: Violation[] = [];
  for (const event of trace) {
    if (leaseEvents.is(event)) {
      if (!event.data.key.startsWith(RUNNER_LEASE_PREFIX)) continue;
      if (event.kind === 'lease.granted' || event.kind === 'lease.renewed') leases.set(`${event.data.owner} ${event.data.token}`, { endT: event.t + event.data.expiresInMs, released: false });
      // A release takes effect no earlier than the call: from then on no row may name the lease.
      else if (event.kind === 'lease.releasing') leases.set(`${event.data.owner} ${event.data.token}`, { endT: event.t, released: true });
      continue;
    }
    if (!dagEvents.is(event) || event.kind !== 'dag.row') continue;
    const { job, status, owner, token } = event.data;
    const lease = owner === undefined ? undefined : leases.get(`${owner} ${String(token)}`);
    if (lease !== undefined && !lease.released && lease.endT > event.t) continue;
    const why =
      owner === undefined
        ? 'under no lease at all'
        : lease === undefined
          ? `under token ${String(token)}, which the store never granted ${owner}`
          : lease.released
            ? `under token ${String(token)}, which ${owner} had released`
            : `under token ${String(token)}, whose lease the store had let lapse ${event.t - lease.endT} ms before`;
    violations.push({
      invariant: ROWS_UNDER_LEASE,
      message: `${event.pid} wrote the run-log row '${status}' of '${job}' ${why}`,
      atMs: event.t - epochMs,
      eventSeq: event.seq,
      pid: event.pid,
    });
  }
  return violations;
}

export const rowsUnderLease: Checker<RunContext> = {
  name: ROWS_UNDER_LEASE,
  description: "every run-log row is written while its runner holds the pipeline's lease, as the store says",
  check: (run) => checkRowsUnderLease(run.trace),
};
