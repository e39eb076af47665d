/**
 * Fencing, as the protected resource saw it: it never accepted a token lower than one it had already
 * accepted, nor one token from two owners. (Sections *may* overlap for a correct lock: a holder that
 * paused past its lease wakes inside its section; refusing its writes is exactly the fence's job.)
 */
import { findFenceViolations, type FencedOperation } from '../../locks/fenced-resource.js';
import type { Violation } from '../violation.js';
import type { LockHistory } from './history.js';
import type { Checker } from '../checker.js';

const FENCING = 'fencing';

export function checkFencing(history: LockHistory): Violation[] {
  const bySeq = new Map(history.writes.map((write) => [write.seq, write]));
  const operations: FencedOperation[] = history.writes.map((write) => ({
    key: write.key,
    token: write.token,
    owner: write.owner,
    outcome: write.accepted ? 'accepted' : 'refused',
    highestBefore: write.highestBefore,
    startSeq: write.seq,
    endSeq: write.seq,
    startMs: write.t,
    endMs: write.t,
  }));
  return findFenceViolations(operations)
    .filter((violation) => violation.kind !== 'overlap')
    .map((violation) => {
      const last = bySeq.get(violation.operations.at(-1)!.startSeq)!;
      return { invariant: FENCING, message: `the resource ${violation.message}`, atMs: last.t, eventSeq: last.seq, pid: last.pid };
    });
}

export const fencing: Checker<{ readonly history: LockHistory }> = {
  name: FENCING,
  description: 'the resource never accepted a stale token, nor one token from two owners',
  check: ({ history }) => checkFencing(history),
};
