/**
 * `lease-belief` fed hand-made traces: a correct holder passes; a belief that outlives the store's
 * lease fails; a lease dropped early with no failed renewal fails; a skew change between the call and
 * the belief is allowed for.
 */
import { describe, expect, it } from 'vitest';
import { checkLeaseBelief } from '../../src/check/lock/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

const C1 = 'client-1#1';
const KEY = 'key-1';

function trace(rows: ReadonlyArray<readonly [number, string, string, Record<string, unknown>]>): TraceEvent[] {
  return rows.map(([t, pid, kind, data], seq) => ({ seq, t, pid, kind, data }));
}

/** The store granted token 1 at `decidedT` for 1 s; the answer reached the holder at `answeredT`. */
const granted = (decidedT: number, answeredT: number) => [answeredT, C1, 'lease.granted', { key: KEY, owner: C1, token: 1, expiresInMs: decidedT + 1_000 - answeredT, effectAgoMs: answeredT - decidedT }] as const;
/** The holder's belief formed at true `t` with its clock `skewMs` ahead: sent at `sentT`, until `untilT` (all true times). */
const belief = (t: number, sentT: number, untilT: number, skewMs = 0) =>
  [t, C1, 'lock.belief', { backend: 'memory', key: KEY, owner: C1, token: 1, untilMs: untilT + skewMs, sentAtMs: sentT + skewMs, nowMs: t + skewMs }] as const;
const lost = (t: number, reason = 'no renewal succeeded before the lease expired') => [t, C1, 'lock.lost', { backend: 'memory', key: KEY, owner: C1, token: 1, reason }] as const;

describe('lease-belief', () => {
  it('passes a belief counted from the send, and a loss at its end', () => {
    expect(checkLeaseBelief(trace([granted(10, 20), belief(20, 0, 1_000), lost(1_000)]))).toEqual([]);
  });

  it('fails a belief counted from the answer: it outlives the store by the latency', () => {
    const violations = checkLeaseBelief(trace([granted(10, 20), belief(20, 0, 1_020)]));
    expect(violations.map((v) => v.message)).toEqual([`${C1} believed it held "${KEY}" (token 1) 10 ms past the store's expiry of that lease`]);
  });

  it('fails a lease given up early with no renewal refused, unanswered or failed', () => {
    const violations = checkLeaseBelief(trace([granted(510, 520), belief(520, 500, 1_000), lost(1_000)]));
    expect(violations.map((v) => v.message)).toEqual([`${C1} gave up "${KEY}" (token 1) while the store held it 510 ms more, with no renewal refused, unanswered or failed`]);
  });

  it('passes an early loss after a failed renewal, or one the store refused', () => {
    const error = [800, C1, 'lock.error', { backend: 'memory', key: KEY, owner: C1, op: 'renew', error: 'EIO' }] as const;
    expect(checkLeaseBelief(trace([granted(510, 520), belief(520, 500, 1_000), error, lost(1_000)]))).toEqual([]);
    expect(checkLeaseBelief(trace([granted(510, 520), belief(520, 500, 1_000), lost(900, 'taken over or expired')]))).toEqual([]);
  });

  it('allows for the known skew and its steps between the call and the belief, and only for that', () => {
    // The clock stepped 300 ms back while the call was out: the belief looks up to 300 ms long on true
    // time, and a store that judged by this clock could be off by the 300 ms offset: 600 ms allowed.
    const step = [10, 'client-1#1', 'process.skew', { skewMs: -300 }] as const;
    expect(checkLeaseBelief(trace([step, granted(10, 20), belief(20, 0, 1_300)]))).toEqual([]);
    expect(checkLeaseBelief(trace([step, granted(10, 20), belief(20, 0, 1_600)]))).toEqual([]);
    expect(checkLeaseBelief(trace([step, granted(10, 20), belief(20, 0, 1_700)]))).toHaveLength(1);
  });
});
