/**
 * Invariant `commit-through-fence` (the fence at commit): every commit went through the fence.
 * Between the start of a commit attempt (`bucket.commit.begin`) and the commit itself, the fence
 * admitted the same worker's token for the file. A worker that skips the fence is still kept safe
 * by its lease and the exclusive publish most of the time, so the outcome alone does not show this layer.
 */
import type { Checker } from '../checker.js';
import type { Violation } from '../violation.js';
import type { ClaimFact } from './claim-facts.js';

const COMMIT_THROUGH_FENCE = 'commit-through-fence';

export function checkCommitThroughFence(claims: readonly ClaimFact[]): Violation[] {
  /** owner + file → the attempt in progress: its token, and whether the fence admitted it since it began. */
  const attempts = new Map<string, { token: number; admitted: boolean }>();
  const violations: Violation[] = [];
  for (const fact of claims) {
    const id = `${fact.owner}\u0000${fact.file}`;
    if (fact.kind === 'commit-begin') attempts.set(id, { token: fact.token, admitted: false });
    else if (fact.kind === 'fence') {
      const attempt = attempts.get(id);
      if (attempt !== undefined && attempt.token === fact.token && fact.admitted) attempt.admitted = true;
    } else if (fact.kind === 'commit') {
      const attempt = attempts.get(id);
      attempts.delete(id);
      if (attempt !== undefined && attempt.token === fact.token && attempt.admitted) continue;
      violations.push({
        invariant: COMMIT_THROUGH_FENCE,
        message: `${fact.owner} committed ${fact.file} with token ${fact.token} without the fence admitting that token for this commit`,
        atMs: fact.t,
        eventSeq: fact.seq,
        pid: fact.owner,
      });
    }
  }
  return violations;
}

export const commitThroughFence: Checker<{ readonly claims: readonly ClaimFact[] }> = {
  name: COMMIT_THROUGH_FENCE,
  description: 'every commit went through the fence',
  check: ({ claims }) => checkCommitThroughFence(claims),
};
