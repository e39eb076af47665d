/**
 * Invariant `lease-belief`: what a holder believes about its lease agrees with the store.
 *
 * `withLock` records each belief "I hold this lease until my clock reads U" (`lock.belief`, after an
 * acquire or a renewal), with the reading when it formed the belief and when it sent the call that
 * got the lease. Placed on true time (`t + (U − reading)`), with the holder's known skew and clock
 * changes allowed for (`clock-changes.ts`), each belief is judged against the store's answer for the same lease
 * (`lease.granted` / `lease.renewed` from `tracedLock`):
 * - **never later**: the belief ends no later than the store's lease. A holder that believes longer
 *   works on after the store could give the key to someone else (only a fence then saves it).
 * - **never needlessly earlier**: a lease given up (`lock.lost`) while the store still held it, with
 *   no renewal refused, unanswered or failed since the last success, was given up before the moment
 *   a correct holder would: its send time plus the lease's length. Such a holder drops leases it
 *   holds, and work with them.
 */
import { leaseEvents, lockEvents } from '../../locks/events.js';
import { processName } from '../../sim/process-id.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Checker, TraceInput } from '../checker.js';
import { clockChangesOf } from '../clock-changes.js';
import type { Violation } from '../violation.js';

const LEASE_BELIEF = 'lease-belief';

/** Why `withLock` gives up when no renewal got through in time (the other reasons name a refused or unanswered renewal). */
const NO_RENEWAL_SUCCEEDED = 'no renewal succeeded before the lease expired';

export function checkLeaseBelief(trace: readonly TraceEvent[]): Violation[] {
  const clocks = clockChangesOf(trace);
  /** The store's latest answer per lease: its end and its start (the decision), on true time. */
  const store = new Map<string, { endT: number; effectT: number }>();
  /** The holder's latest belief per lease: when it sent the call that got it, on true time. */
  const sent = new Map<string, number>();
  /** Key + owner with a renewal that failed since the last success. */
  const troubled = new Set<string>();
  const violations: Violation[] = [];
  for (const event of trace) {
    if (leaseEvents.is(event)) {
      if (event.kind !== 'lease.granted' && event.kind !== 'lease.renewed') continue;
      const { key, owner, token, expiresInMs, effectAgoMs } = event.data;
      store.set(`${key}\u0000${owner}\u0000${token}`, { endT: event.t + expiresInMs, effectT: event.t - Math.max(0, effectAgoMs) });
      continue;
    }
    if (!lockEvents.is(event)) continue;
    switch (event.kind) {
      case 'lock.belief': {
        const { key, owner, token, untilMs, sentAtMs, nowMs } = event.data;
        const id = `${key}\u0000${owner}\u0000${token}`;
        const lease = store.get(id);
        // The send may precede a clock step that the belief's reading follows: place each reading by
        // its own offset. A clock stepped back reads the same twice; the send came before the store's decision.
        const sentT = clocks.trueTimeOf(processName(event.pid), sentAtMs, lease?.effectT ?? event.t);
        const beliefEndT = event.t + (untilMs - nowMs);
        sent.set(id, sentT);
        troubled.delete(`${key}\u0000${owner}`);
        if (lease === undefined) continue;
        // The known skew: a store that judges by the holder's clock, or a clock that was off, moves the
        // store's expiry against true time by up to the holder's offset; steps in between add to it.
        const machine = processName(event.pid);
        const allowance = clocks.allowanceMs(machine, sentT, Math.max(event.t, beliefEndT)) + clocks.largestSkewMs(machine, sentT, event.t);
        if (beliefEndT > lease.endT + allowance) {
          violations.push({
            invariant: LEASE_BELIEF,
            message: `${owner} believed it held "${key}" (token ${token}) ${beliefEndT - lease.endT} ms past the store's expiry of that lease`,
            atMs: event.t,
            eventSeq: event.seq,
            pid: event.pid,
          });
        }
        break;
      }
      case 'lock.error':
        if (event.data.op === 'renew') troubled.add(`${event.data.key}\u0000${event.data.owner}`);
        break;
      case 'lock.lost': {
        const { key, owner, token, reason } = event.data;
        if (reason !== NO_RENEWAL_SUCCEEDED || troubled.has(`${key}\u0000${owner}`)) continue;
        const id = `${key}\u0000${owner}\u0000${token}`;
        const lease = store.get(id);
        const sentT = sent.get(id);
        if (lease === undefined || sentT === undefined || lease.endT <= event.t) continue;
        // A correct holder counts from the send, which is no later than the store's decision.
        const correctGiveUpT = lease.endT - Math.max(0, lease.effectT - sentT);
        const machine = processName(event.pid);
        const allowance = clocks.allowanceMs(machine, sentT, event.t) + clocks.largestSkewMs(machine, sentT, event.t);
        if (event.t + allowance < correctGiveUpT) {
          violations.push({
            invariant: LEASE_BELIEF,
            message: `${owner} gave up "${key}" (token ${token}) while the store held it ${lease.endT - event.t} ms more, with no renewal refused, unanswered or failed`,
            atMs: event.t,
            eventSeq: event.seq,
            pid: event.pid,
          });
        }
        break;
      }
      default:
        break;
    }
  }
  return violations;
}

export const leaseBelief: Checker<TraceInput> = {
  name: LEASE_BELIEF,
  description: "every holder's belief about its lease ends no later than the store's lease, and no lease is given up early without a failed renewal",
  check: ({ trace }) => checkLeaseBelief(trace),
};
