/**
 * The lease contract on each key: every grant carries a fencing token higher than any granted before
 * (takeovers after expiry included), and no renewal succeeds once the lease has expired.
 * `toleranceMs` as in `exclusion.ts`: 0 for one judging clock, the clock disagreement otherwise
 * (a caller's clock that jumps mid-call misplaces that call's decision by up to the jump).
 */
import type { Violation } from '../violation.js';
import type { StoreAnswer, LockHistory } from './history.js';
import type { Checker } from '../checker.js';

const LEASE_CONTRACT = 'lease-contract';

export function checkLeaseContract(history: LockHistory, options: { readonly toleranceMs: number }): Violation[] {
  const violations: Violation[] = [];
  const grants = new Map<string, StoreAnswer[]>();
  for (const event of history.leases) {
    const at = { atMs: event.effectT, eventSeq: event.seq, pid: event.pid };
    if (event.kind === 'granted') {
      let earlier = grants.get(event.key);
      if (earlier === undefined) grants.set(event.key, (earlier = []));
      // A token handed to two owners is wrong in any order; a lower token only when it was surely
      // decided later, beyond the uncertainty of the callers' clocks.
      const clash = earlier.find((other) => (other.token === event.token ? other.owner !== event.owner : other.token > event.token && event.effectT - other.effectT > options.toleranceMs));
      if (clash !== undefined) {
        violations.push({
          invariant: LEASE_CONTRACT,
          message: `key "${event.key}": token ${event.token} granted to ${event.owner}, not above token ${clash.token} granted earlier to ${clash.owner}: fencing cannot tell them apart`,
          operation: 'grant without a higher token',
          ...at,
        });
      }
      earlier.push(event);
    } else if (event.kind === 'renewed' && event.remainingBeforeMs !== undefined && event.remainingBeforeMs <= -options.toleranceMs) {
      violations.push({
        invariant: LEASE_CONTRACT,
        message: `key "${event.key}": token ${event.token} of ${event.owner} renewed ${-event.remainingBeforeMs} ms after it expired: an expired lease came back to life`,
        operation: 'renewal of an expired lease',
        ...at,
      });
    }
  }
  return violations;
}

export const leaseContract: Checker<{ readonly history: LockHistory; readonly toleranceMs: number }> = {
  name: LEASE_CONTRACT,
  description: 'every grant carries a token above all earlier ones for its key, and no expired lease is ever renewed',
  check: ({ history, toleranceMs }) => checkLeaseContract(history, { toleranceMs }),
};
