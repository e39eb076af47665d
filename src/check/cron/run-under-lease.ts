/**
 * Invariant `run-under-lease` (the lock at the tick): a server starts a run of the task
 * (`cron.run.start`) only while the store says it holds the task's lock with the run's token:
 * granted or renewed to that server, not released since, and unexpired on the clock that judges
 * expiry at the moment the run starts. The outcome invariants see a run without the lock only when
 * another server ran the same tick too; a server that trusts a lease the store already let lapse
 * runs alone most of the time, and only this layer shows it.
 *
 * The store's answers are the ones `tracedLock` wrote around each server's store (`lease.*`).
 */
import { leaseEvents } from '../../locks/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import { cronEvents } from '../../systems/cron/events.js';
import type { Checker } from '../checker.js';
import type { JudgingClock } from '../lock/exclusion.js';
import type { Violation } from '../violation.js';

const RUN_UNDER_LEASE = 'run-under-lease';

/** What the store last said about one server's lease on one task. */
interface StoreView {
  readonly token: number;
  /** Its expiry on the judging clock of the server it answered. */
  readonly expiryReading: number;
  released: boolean;
}

export function checkRunUnderLease(trace: readonly TraceEvent[], options: { readonly judgingClock?: JudgingClock } = {}): Violation[] {
  const readingOf = options.judgingClock?.readingOf ?? ((_pid: string, t: number): number => t);
  const views = new Map<string, StoreView>();
  const violations: Violation[] = [];
  for (const event of trace) {
    if (leaseEvents.is(event)) {
      const id = `${event.data.key}\u0000${event.data.owner}`;
      if (event.kind === 'lease.granted' || event.kind === 'lease.renewed') {
        views.set(id, { token: event.data.token, expiryReading: readingOf(event.pid, event.t) + event.data.expiresInMs, released: false });
      } else if (event.kind === 'lease.released' && event.data.released) {
        const view = views.get(id);
        if (view !== undefined && view.token === event.data.token) view.released = true;
      }
      continue;
    }
    if (!cronEvents.is(event) || event.kind !== 'cron.run.start') continue;
    const { name, tick, token } = event.data;
    const view = views.get(`${name}\u0000${event.pid}`);
    const startReading = readingOf(event.pid, event.t);
    const why =
      view === undefined || view.token !== token
        ? `the store never gave it token ${token}`
        : view.released
          ? `it had released token ${token}`
          : view.expiryReading <= startReading
            ? `its lease (token ${token}) had expired ${startReading - view.expiryReading} ms before, by the clock that judges it`
            : undefined;
    if (why === undefined) continue;
    violations.push({
      invariant: RUN_UNDER_LEASE,
      operation: 'run without the lock',
      message: `${event.pid} started the run of '${name}' for tick ${new Date(tick).toISOString()} while the store did not give it the lock: ${why}`,
      atMs: event.t,
      eventSeq: event.seq,
      pid: event.pid,
    });
  }
  return violations;
}

export const runUnderLease: Checker<{ readonly trace: readonly TraceEvent[]; readonly judgingClock?: JudgingClock }> = {
  name: RUN_UNDER_LEASE,
  description: 'a server starts a run only while the store says it holds the lock with that token, unexpired',
  check: ({ trace, judgingClock }) => checkRunUnderLease(trace, judgingClock === undefined ? {} : { judgingClock }),
};
