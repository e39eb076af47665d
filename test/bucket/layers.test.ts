/**
 * The bucket's layered invariants, one per protection, fed hand-made traces: a correct history
 * passes each; a history where exactly one protection failed (and the outcome was still right)
 * fails exactly the invariant that judges that protection.
 */
import { describe, expect, it } from 'vitest';
import { checkCommitThroughFence, checkNoCommitAfterLoss, checkRefusedClaim, checkWorkUnderLease, claimFactsOf } from '../../src/check/bucket/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

const A = '2020_08_18_00_15.txt';
const KEY = `bucket/${A}`;
const W1 = 'worker-1#1';
const W2 = 'worker-2#1';

function facts(rows: ReadonlyArray<readonly [number, string, string, Record<string, unknown>]>) {
  const trace: TraceEvent[] = rows.map(([t, pid, kind, data], seq) => ({ seq, t, pid, kind, data }));
  return claimFactsOf(trace);
}

const granted = (t: number, owner: string, token: number, expiresInMs = 30_000) => [t, owner, 'lease.granted', { key: KEY, owner, token, expiresInMs, effectAgoMs: 0 }] as const;
const claim = (t: number, pid: string, token: number) => [t, pid, 'bucket.claim', { file: A, token }] as const;
const begin = (t: number, pid: string, token: number) => [t, pid, 'bucket.commit.begin', { file: A, token, attempt: 1 }] as const;
const fence = (t: number, owner: string, token: number, outcome: 'accepted' | 'refused') =>
  [t, 'fence', 'bucket.fence', { key: A, token, owner, outcome, highestBefore: 0, startSeq: 0, endSeq: 0, startMs: t, endMs: t }] as const;
const commit = (t: number, pid: string, token: number) => [t, pid, 'bucket.commit', { file: A, token, minutes: 3 }] as const;

/** One file handled by the book: claim under a live lease, the fence at process and at commit, then the commit. */
const correct = facts([granted(1_000, W1, 1), claim(1_000, W1, 1), fence(1_010, W1, 1, 'accepted'), begin(9_000, W1, 1), fence(9_010, W1, 1, 'accepted'), commit(9_020, W1, 1)]);

describe('work-under-lease', () => {
  it('passes work started under a live lease', () => {
    expect(checkWorkUnderLease(correct)).toEqual([]);
  });

  it('fails work started after the store let the lease lapse', () => {
    const violations = checkWorkUnderLease(facts([granted(1_000, W1, 1, 30_000), claim(40_000, W1, 1)]));
    expect(violations.map((v) => v.message)).toEqual([`${W1} started work on ${A} with token 1, but the store's lease had ended 9000 ms before`]);
  });

  it('fails work with a token the store never granted that worker', () => {
    const violations = checkWorkUnderLease(facts([granted(1_000, W1, 1), claim(1_500, W2, 0)]));
    expect(violations.map((v) => v.pid)).toEqual([W2]);
    expect(violations[0]?.message).toContain('never granted it that lease');
  });

  it('fails work started after the lease was released', () => {
    const violations = checkWorkUnderLease(facts([granted(1_000, W1, 1), [2_000, W1, 'lease.released', { key: KEY, owner: W1, token: 1, released: true }], claim(2_500, W1, 1)]));
    expect(violations[0]?.message).toContain('it had released that lease');
  });
});

describe('refused-claim-not-worked', () => {
  it('passes a refusal the worker walked away from, and a later grant it worked under', () => {
    expect(checkRefusedClaim(facts([granted(1_000, W1, 1), [1_200, W2, 'lease.refused', { key: KEY, owner: W2 }], granted(50_000, W2, 2), claim(50_000, W2, 2)]))).toEqual([]);
  });

  it('fails work on a claim the store refused', () => {
    const violations = checkRefusedClaim(facts([granted(1_000, W1, 1), claim(1_000, W1, 1), [1_200, W2, 'lease.refused', { key: KEY, owner: W2 }], claim(1_200, W2, 0)]));
    expect(violations.map((v) => v.message)).toEqual([`${W2} started work on ${A} (token 0) after the store refused its claim, with no grant since`]);
  });
});

describe('no-commit-after-loss', () => {
  it('passes a commit with no loss', () => {
    expect(checkNoCommitAfterLoss(correct)).toEqual([]);
  });

  it('passes a loss learned after the commit began (the fence decides then)', () => {
    const lost = [9_005, W1, 'lock.lost', { backend: 'memory', key: KEY, owner: W1, token: 1, reason: 'taken over or expired' }] as const;
    expect(checkNoCommitAfterLoss(facts([granted(1_000, W1, 1), claim(1_000, W1, 1), begin(9_000, W1, 1), lost, commit(9_020, W1, 1)]))).toEqual([]);
  });

  it('fails a commit begun after the worker learned the lease was lost', () => {
    const lost = [5_000, W1, 'lock.lost', { backend: 'memory', key: KEY, owner: W1, token: 1, reason: 'taken over or expired' }] as const;
    const violations = checkNoCommitAfterLoss(facts([granted(1_000, W1, 1), claim(1_000, W1, 1), lost, begin(9_000, W1, 1), fence(9_010, W1, 1, 'accepted'), commit(9_020, W1, 1)]));
    expect(violations.map((v) => v.message)).toEqual([`${W1} began committing ${A} with token 1 4000 ms after it learned the lease was lost (taken over or expired)`]);
  });
});

describe('commit-through-fence', () => {
  it('passes a commit the fence admitted', () => {
    expect(checkCommitThroughFence(correct)).toEqual([]);
  });

  it('fails a commit with no fence verdict since the attempt began (the one before the work does not count)', () => {
    const violations = checkCommitThroughFence(facts([granted(1_000, W1, 1), claim(1_000, W1, 1), fence(1_010, W1, 1, 'accepted'), begin(9_000, W1, 1), commit(9_020, W1, 1)]));
    expect(violations.map((v) => v.message)).toEqual([`${W1} committed ${A} with token 1 without the fence admitting that token for this commit`]);
  });

  it('fails a commit after the fence refused the token', () => {
    const violations = checkCommitThroughFence(facts([granted(1_000, W1, 1), begin(9_000, W1, 1), fence(9_010, W1, 1, 'refused'), commit(9_020, W1, 1)]));
    expect(violations).toHaveLength(1);
  });
});
