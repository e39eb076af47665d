/**
 * Invariant `no-commit-after-loss` (acting on a lost lease): once `withLock` told a worker its lease
 * on a file was lost (`lock.lost`), the worker begins no commit attempt on that file under that
 * token. The attempt's start (`bucket.commit.begin`) is the worker's last look at its lease before
 * the fence; a worker that ignores the loss is still stopped by the fence when a newer holder got
 * there first, so the outcome alone does not show this layer.
 */
import type { Checker } from '../checker.js';
import type { Violation } from '../violation.js';
import { leaseId, type ClaimFact } from './claim-facts.js';

const NO_COMMIT_AFTER_LOSS = 'no-commit-after-loss';

export function checkNoCommitAfterLoss(claims: readonly ClaimFact[]): Violation[] {
  const lost = new Map<string, { t: number; reason: string }>();
  const violations: Violation[] = [];
  for (const fact of claims) {
    if (fact.kind === 'lost') lost.set(leaseId(fact), { t: fact.t, reason: fact.reason });
    else if (fact.kind === 'commit-begin') {
      const loss = lost.get(leaseId(fact));
      if (loss === undefined) continue;
      violations.push({
        invariant: NO_COMMIT_AFTER_LOSS,
        message: `${fact.owner} began committing ${fact.file} with token ${fact.token} ${fact.t - loss.t} ms after it learned the lease was lost (${loss.reason})`,
        atMs: fact.t,
        eventSeq: fact.seq,
        pid: fact.owner,
      });
      lost.delete(leaseId(fact));
    }
  }
  return violations;
}

export const noCommitAfterLoss: Checker<{ readonly claims: readonly ClaimFact[] }> = {
  name: NO_COMMIT_AFTER_LOSS,
  description: 'no commit is begun after the worker learned its lease was lost',
  check: ({ claims }) => checkNoCommitAfterLoss(claims),
};
