/**
 * A protected resource that honours fencing tokens, and the checks that judge its log.
 *
 * The resource remembers the highest token it accepted per key and refuses lower ones, so a holder
 * that paused past its lease cannot write after a newer holder did. Every operation is logged with
 * its start and end on the resource's clock, so a checker can judge, from the resource's point of
 * view and not the lock's, whether two holders ever overlapped or a stale token got through.
 */

export interface FencedOperation {
  readonly key: string;
  readonly token: number;
  /** Who asked (an `Env.id`), for reports. */
  readonly owner: string;
  readonly outcome: 'accepted' | 'refused';
  /** The highest token accepted for the key before this operation was judged. */
  readonly highestBefore: number;
  /** Position of the start in the resource's own total order of events: exact even within one instant. */
  readonly startSeq: number;
  readonly endSeq: number;
  /** Start and end on the resource's clock, for reports. Equal for a refused or instantaneous operation. */
  readonly startMs: number;
  readonly endMs: number;
}

/** Something wrong in a resource's log. */
export interface FenceViolation {
  readonly kind: 'overlap' | 'stale-token' | 'token-reuse';
  readonly message: string;
  readonly operations: readonly FencedOperation[];
}

type Verdict = { readonly accepted: boolean; readonly highestBefore: number; readonly startSeq: number; readonly startMs: number };

export class FencedResource {
  private readonly highest = new Map<string, number>();
  private readonly operations: FencedOperation[] = [];
  private seq = 0;

  /** @param now the resource's clock in ms (the world's clock in simulation). */
  constructor(private readonly now: () => number) {}

  /** The log so far, in the order the operations finished. */
  get log(): readonly FencedOperation[] {
    return this.operations;
  }

  /** The highest token accepted for `key`, 0 if none. */
  highestToken(key: string): number {
    return this.highest.get(key) ?? 0;
  }

  /**
   * Accepts `token` if it is at least the highest accepted for `key` (a holder writes many times with
   * one token) and remembers it; refuses a lower one. Logs an instantaneous operation.
   */
  accept(key: string, token: number, owner = ''): boolean {
    const verdict = this.judge(key, token);
    this.finish(key, token, owner, verdict);
    return verdict.accepted;
  }

  /**
   * Runs `work` if `token` is accepted, logging its start and end; resolves `{ accepted: false }`
   * without running it otherwise. Whether two accepted works overlapped is for `findFenceViolations`.
   */
  async write<T>(key: string, token: number, owner: string, work: () => Promise<T>): Promise<{ accepted: true; value: T } | { accepted: false }> {
    const verdict = this.judge(key, token);
    if (!verdict.accepted) {
      this.finish(key, token, owner, verdict);
      return { accepted: false };
    }
    try {
      return { accepted: true, value: await work() };
    } finally {
      this.finish(key, token, owner, verdict);
    }
  }

  /** Whether a write with `token` may go ahead after `highestBefore` was accepted: the fence itself. */
  protected admits(token: number, highestBefore: number): boolean {
    return token >= highestBefore;
  }

  private judge(key: string, token: number): Verdict {
    const highestBefore = this.highestToken(key);
    const accepted = this.admits(token, highestBefore);
    if (accepted) this.highest.set(key, Math.max(highestBefore, token));
    return { accepted, highestBefore, startSeq: this.seq++, startMs: this.now() };
  }

  private finish(key: string, token: number, owner: string, verdict: Verdict): void {
    const { accepted, highestBefore, startSeq, startMs } = verdict;
    this.operations.push({ key, token, owner, outcome: accepted ? 'accepted' : 'refused', highestBefore, startSeq, endSeq: this.seq++, startMs, endMs: this.now() });
  }
}

/**
 * Judges a resource log: two accepted operations on one key with different tokens whose
 * [startSeq, endSeq] intervals intersect (mutual exclusion broken), an accepted token lower than
 * one accepted before it (fencing broken), and one token accepted from two owners (a lock handed the
 * same token to two holders, so fencing cannot tell them apart).
 */
export function findFenceViolations(log: readonly FencedOperation[]): FenceViolation[] {
  const violations: FenceViolation[] = [];
  const accepted = log.filter((op) => op.outcome === 'accepted');
  for (const op of accepted) {
    if (op.token < op.highestBefore) {
      violations.push({ kind: 'stale-token', message: `key "${op.key}": token ${op.token} accepted after token ${op.highestBefore}`, operations: [op] });
    }
  }
  const ownerOfToken = new Map<string, FencedOperation>();
  for (const op of accepted) {
    const id = `${op.key}\u0000${op.token}`;
    const first = ownerOfToken.get(id);
    if (first === undefined) ownerOfToken.set(id, op);
    else if (first.owner !== op.owner) {
      violations.push({ kind: 'token-reuse', message: `key "${op.key}": token ${op.token} accepted from both ${first.owner} and ${op.owner}`, operations: [first, op] });
      ownerOfToken.set(id, op);
    }
  }
  const byStart = [...accepted].sort((a, b) => a.startSeq - b.startSeq);
  for (let i = 0; i < byStart.length; i += 1) {
    const a = byStart[i]!;
    for (let j = i + 1; j < byStart.length; j += 1) {
      const b = byStart[j]!;
      if (b.startSeq > a.endSeq) break;
      if (a.key === b.key && a.token !== b.token) {
        violations.push({
          kind: 'overlap',
          message: `key "${a.key}": token ${a.token} (${a.owner}, ${a.startMs}..${a.endMs} ms) overlaps token ${b.token} (${b.owner}, ${b.startMs}..${b.endMs} ms)`,
          operations: [a, b],
        });
      }
    }
  }
  return violations;
}
