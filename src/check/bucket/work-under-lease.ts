/**
 * Invariant `work-under-lease` (the lease on a file): a worker starts work on a file only while it
 * holds that file's lease according to the store. The work starts at `bucket.claim`; the lease is
 * the one with the same owner and token the store last granted or renewed, unexpired (by the
 * store's clock, placed on true time) and not released. The fence would refuse a worker that works
 * without the lease once a newer holder reached it, so the outcome alone does not show this layer.
 */
import type { Checker } from '../checker.js';
import type { Violation } from '../violation.js';
import { leaseId, type ClaimFact } from './claim-facts.js';

const WORK_UNDER_LEASE = 'work-under-lease';

export function checkWorkUnderLease(claims: readonly ClaimFact[]): Violation[] {
  const leases = new Map<string, { endT: number; released: boolean }>();
  const violations: Violation[] = [];
  for (const fact of claims) {
    if (fact.kind === 'lease') leases.set(leaseId(fact), { endT: fact.endT, released: false });
    else if (fact.kind === 'released' && fact.released) leases.set(leaseId(fact), { endT: fact.t, released: true });
    else if (fact.kind === 'claim') {
      const lease = leases.get(leaseId(fact));
      const held = lease !== undefined && !lease.released && lease.endT > fact.t;
      if (held) continue;
      const why = lease === undefined ? 'the store never granted it that lease' : lease.released ? 'it had released that lease' : `the store's lease had ended ${fact.t - lease.endT} ms before`;
      violations.push({
        invariant: WORK_UNDER_LEASE,
        message: `${fact.owner} started work on ${fact.file} with token ${fact.token}, but ${why}`,
        atMs: fact.t,
        eventSeq: fact.seq,
        pid: fact.owner,
      });
    }
  }
  return violations;
}

export const workUnderLease: Checker<{ readonly claims: readonly ClaimFact[] }> = {
  name: WORK_UNDER_LEASE,
  description: "work on a file starts only while its worker holds the file's lease according to the store",
  check: ({ claims }) => checkWorkUnderLease(claims),
};
