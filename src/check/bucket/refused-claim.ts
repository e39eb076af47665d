/**
 * Invariant `refused-claim-not-worked` (the claim): a claim the store refused is never worked on.
 * After the store refused `owner`'s acquisition of a file's key, `owner` starts no work on that file
 * until the store grants it the key. A worker that took a "no" for a "yes" is still stopped by the
 * fence once the real holder reached it, so the outcome alone does not show this layer.
 */
import type { Checker } from '../checker.js';
import type { Violation } from '../violation.js';
import type { ClaimFact } from './claim-facts.js';

const REFUSED_CLAIM = 'refused-claim-not-worked';

export function checkRefusedClaim(claims: readonly ClaimFact[]): Violation[] {
  /** owner + file → when the store last refused it, while no grant came after. */
  const refused = new Map<string, number>();
  const violations: Violation[] = [];
  for (const fact of claims) {
    const id = `${fact.owner}\u0000${fact.file}`;
    if (fact.kind === 'refused') refused.set(id, fact.t);
    else if (fact.kind === 'lease') refused.delete(id);
    else if (fact.kind === 'claim' && refused.has(id)) {
      violations.push({
        invariant: REFUSED_CLAIM,
        message: `${fact.owner} started work on ${fact.file} (token ${fact.token}) after the store refused its claim, with no grant since`,
        atMs: fact.t,
        eventSeq: fact.seq,
        pid: fact.owner,
      });
      refused.delete(id);
    }
  }
  return violations;
}

export const refusedClaimNotWorked: Checker<{ readonly claims: readonly ClaimFact[] }> = {
  name: REFUSED_CLAIM,
  description: 'a claim the store refused is never worked on',
  check: ({ claims }) => checkRefusedClaim(claims),
};
