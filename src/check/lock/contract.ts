/**
 * The lease contract on each key: every grant carries a fencing token higher than any granted before
 * (takeovers after expiry included), and no renewal succeeds once the lease has expired.
 *
 * Judged on the clock that judges expiry. One clock (`toleranceMs` 0, no `judgingClock`): on true
 * time, each renewal by the lease's time left when the call reached the store. Each caller's own
 * clock (`judgingClock`, exact): the history places every decision on true time by the caller's
 * offsets, so token order is judged on true time with no slack; a renewal is an expired lease come
 * back only if the lease's latest expiry, as its writer's clock wrote it, was already read by the
 * renewer's clock at the store's decision (a clock stepped back during the call may renew a lease
 * that the reading before the call had seen expire, and so may the store). `toleranceMs` without a
 * judging clock: the old rule, forgiving that much disagreement; no campaign uses it any more (real
 * mode records its clients' offsets too), and it stays so a test can show what it let through.
 */
import type { Violation } from '../violation.js';
import type { StoreAnswer, LockHistory } from './history.js';
import type { Checker } from '../checker.js';
import type { JudgingClock } from './exclusion.js';

const LEASE_CONTRACT = 'lease-contract';

const idOf = (event: StoreAnswer): string => `${event.key}\u0000${event.owner}\u0000${event.token}`;

export function checkLeaseContract(history: LockHistory, options: { readonly toleranceMs?: number; readonly judgingClock?: JudgingClock }): Violation[] {
  const { judgingClock } = options;
  const toleranceMs = judgingClock === undefined ? (options.toleranceMs ?? 0) : 0;
  const violations: Violation[] = [];
  const grants = new Map<string, StoreAnswer[]>();
  /** Each lease's latest expiry the store wrote, on its writer's judging clock. */
  const expiryReadings = new Map<string, number>();
  const expired = (event: StoreAnswer): boolean => {
    if (event.remainingBeforeMs === undefined || event.remainingBeforeMs > -toleranceMs) return false;
    if (judgingClock === undefined) return true;
    const expiry = expiryReadings.get(idOf(event));
    return expiry === undefined || expiry <= judgingClock.readingOf(event.pid, event.effectT);
  };
  for (const event of history.leases) {
    const at = { atMs: event.effectT, eventSeq: event.seq, pid: event.pid };
    if (event.kind === 'granted') {
      let earlier = grants.get(event.key);
      if (earlier === undefined) grants.set(event.key, (earlier = []));
      // A token handed to two owners is wrong in any order; a lower token only when it was surely
      // decided later, beyond the uncertainty of the callers' clocks.
      const clash = earlier.find((other) => (other.token === event.token ? other.owner !== event.owner : other.token > event.token && event.effectT - other.effectT > toleranceMs));
      if (clash !== undefined) {
        violations.push({
          invariant: LEASE_CONTRACT,
          message: `key "${event.key}": token ${event.token} granted to ${event.owner}, not above token ${clash.token} granted earlier to ${clash.owner}: fencing cannot tell them apart`,
          operation: 'grant without a higher token',
          ...at,
        });
      }
      earlier.push(event);
    } else if (event.kind === 'renewed' && expired(event)) {
      violations.push({
        invariant: LEASE_CONTRACT,
        message: `key "${event.key}": token ${event.token} of ${event.owner} renewed ${-(event.remainingBeforeMs ?? 0)} ms after it expired: an expired lease came back to life`,
        operation: 'renewal of an expired lease',
        ...at,
      });
    }
    if ((event.kind === 'granted' || event.kind === 'renewed') && judgingClock !== undefined) {
      expiryReadings.set(idOf(event), judgingClock.readingOf(event.pid, event.t) + (event.expiresInMs ?? 0));
    }
  }
  return violations;
}

export const leaseContract: Checker<{ readonly history: LockHistory; readonly toleranceMs?: number; readonly judgingClock?: JudgingClock }> = {
  name: LEASE_CONTRACT,
  description: 'every grant carries a token above all earlier ones for its key, and no expired lease is ever renewed',
  check: ({ history, toleranceMs, judgingClock }) => checkLeaseContract(history, { ...(toleranceMs === undefined ? {} : { toleranceMs }), ...(judgingClock === undefined ? {} : { judgingClock }) }),
};
