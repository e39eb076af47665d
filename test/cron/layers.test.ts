/**
 * The cron leader's own protection judged alone: `run-under-lease` fed hand-made traces. A run under
 * a lease the store gave passes; a run after the lease lapsed, after it was released, or under a
 * token the store never gave fails, even with no second run to show it in the outcome.
 */
import { describe, expect, test } from 'vitest';
import { checkRunUnderLease } from '../../src/check/cron/index.js';
import { callerClocks } from '../../src/check/lock/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

const T0 = Date.UTC(2020, 7, 18);
let seq = 0;
const event = (t: number, pid: string, kind: string, data: Record<string, unknown>): TraceEvent => ({ seq: (seq += 1), t: T0 + t, pid, kind, data }) as TraceEvent;
const granted = (t: number, pid: string, token: number, expiresInMs: number): TraceEvent =>
  event(t, pid, 'lease.granted', { key: 'backup', owner: pid, token, expiresInMs, effectAgoMs: 0 });
const released = (t: number, pid: string, token: number): TraceEvent => event(t, pid, 'lease.released', { key: 'backup', owner: pid, token, released: true });
const runStart = (t: number, pid: string, token: number): TraceEvent => event(t, pid, 'cron.run.start', { name: 'backup', tick: T0 + t, token });

describe('run-under-lease', () => {
  test('a run under a granted, unexpired lease passes', () => {
    expect(checkRunUnderLease([granted(0, 'server-1#1', 1, 90_000), runStart(10, 'server-1#1', 1)])).toEqual([]);
  });

  test('a run on a lapsed lease fails, naming the server, the tick and how long ago it lapsed', () => {
    const violations = checkRunUnderLease([granted(0, 'server-1#1', 1, 90_000), runStart(120_000, 'server-1#1', 1)]);
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toBe(
      "server-1#1 started the run of 'backup' for tick 2020-08-18T00:02:00.000Z while the store did not give it the lock: its lease (token 1) had expired 30000 ms before, by the clock that judges it",
    );
  });

  test('a run after releasing, or under a token the store never gave, fails', () => {
    expect(checkRunUnderLease([granted(0, 'server-1#1', 1, 90_000), released(5, 'server-1#1', 1), runStart(10, 'server-1#1', 1)])).toHaveLength(1);
    expect(checkRunUnderLease([granted(0, 'server-1#1', 1, 90_000), runStart(10, 'server-1#1', 2)])).toHaveLength(1);
    expect(checkRunUnderLease([granted(0, 'server-2#1', 1, 90_000), runStart(10, 'server-1#1', 1)])).toHaveLength(1);
  });

  test("with callers' clocks, expiry is judged on the server's own clock", () => {
    // The server's clock jumps 2 s ahead after it was granted: by its own clock the lease lapsed.
    const trace = [granted(0, 'server-1#1', 1, 1_000), event(100, 'server-1#1', 'process.skew', { skewMs: 2_000 }), runStart(200, 'server-1#1', 1)];
    expect(checkRunUnderLease(trace)).toEqual([]);
    expect(checkRunUnderLease(trace, { judgingClock: callerClocks(trace) })).toHaveLength(1);
  });
});
