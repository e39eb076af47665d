/**
 * The client job's lost-lock signal judged on its own: `no-part-after-loss` fed hand-made traces. A
 * job that stops at the signal passes; one that writes on fails, even when no other job wrote in
 * between and the output is whole.
 */
import { describe, expect, test } from 'vitest';
import { checkNoPartAfterLoss } from '../../src/check/client-jobs/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';

let seq = 0;
const event = (t: number, pid: string, kind: string, data: Record<string, unknown>): TraceEvent => ({ seq: (seq += 1), t, pid, kind, data }) as TraceEvent;
const started = (t: number, pid: string, job: number, token: number): TraceEvent => event(t, pid, 'client-job.started', { client: 'acme', job, token });
const part = (t: number, pid: string, job: number, n: number): TraceEvent => event(t, pid, 'client-job.part', { client: 'acme', job, part: n });
const lost = (t: number, pid: string, token: number): TraceEvent =>
  event(t, pid, 'lock.lost', { backend: 'memory', key: 'client-jobs/acme', owner: pid, token, reason: 'a renewal was refused: the lease is gone' });

describe('no-part-after-loss', () => {
  test('a job that stops writing at the signal passes; a later job under a new token may write', () => {
    const trace = [started(0, 'acme-job-1#1', 1, 4), part(10, 'acme-job-1#1', 1, 1), lost(20, 'acme-job-1#1', 4), started(30, 'acme-job-1#1', 2, 6), part(40, 'acme-job-1#1', 2, 1)];
    expect(checkNoPartAfterLoss(trace)).toEqual([]);
  });

  test('a part written after the loss fails once per job, naming the job and the delay', () => {
    const trace = [started(0, 'acme-job-1#1', 1, 4), lost(20, 'acme-job-1#1', 4), part(50, 'acme-job-1#1', 1, 2), part(60, 'acme-job-1#1', 1, 3)];
    const violations = checkNoPartAfterLoss(trace);
    expect(violations.map((v) => v.message)).toEqual(['acme-job-1#1 (client acme, job 1) wrote part 2 30 ms after it learned its lock (token 4) was lost']);
  });

  test("another lease's loss is not this job's", () => {
    expect(checkNoPartAfterLoss([started(0, 'acme-job-1#1', 1, 4), lost(20, 'acme-job-1#1', 3), part(50, 'acme-job-1#1', 1, 2)])).toEqual([]);
  });
});
