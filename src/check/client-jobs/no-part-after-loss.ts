/**
 * Invariant `no-part-after-loss` (the lost-lease signal): once `withLock` told a job that its
 * client's lock was lost (`lock.lost` for the job's token), the job writes no further part
 * (`client-job.part`). The outcome invariants see a job writing on after its loss only when another
 * job of the client took the lock and wrote in between; when nobody was waiting, the text still comes
 * out whole, and only this layer shows that the job ignored the signal.
 */
import { lockEvents } from '../../locks/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import { clientJobEvents } from '../../systems/client-jobs/events.js';
import type { Checker, TraceInput } from '../checker.js';
import type { Violation } from '../violation.js';

const NO_PART_AFTER_LOSS = 'no-part-after-loss';

export function checkNoPartAfterLoss(trace: readonly TraceEvent[]): Violation[] {
  /** Per process: the job it runs under which token, and when it learned the lock was lost. */
  const running = new Map<string, { client: string; job: number; token: number; lostAt?: number; reported?: true }>();
  const violations: Violation[] = [];
  for (const event of trace) {
    if (lockEvents.is(event)) {
      if (event.kind !== 'lock.lost') continue;
      const current = running.get(event.pid);
      if (current !== undefined && current.token === event.data.token && current.lostAt === undefined) current.lostAt = event.t;
      continue;
    }
    if (!clientJobEvents.is(event)) continue;
    if (event.kind === 'client-job.started') {
      running.set(event.pid, { client: event.data.client, job: event.data.job, token: event.data.token });
    } else if (event.kind === 'client-job.part') {
      const current = running.get(event.pid);
      if (current?.lostAt === undefined || current.reported === true) continue;
      current.reported = true;
      violations.push({
        invariant: NO_PART_AFTER_LOSS,
        operation: 'write after the lock was lost',
        message: `${event.pid} (client ${current.client}, job ${current.job}) wrote part ${event.data.part} ${event.t - current.lostAt} ms after it learned its lock (token ${current.token}) was lost`,
        atMs: event.t,
        eventSeq: event.seq,
        pid: event.pid,
      });
    }
  }
  return violations;
}

export const noPartAfterLoss: Checker<TraceInput> = {
  name: NO_PART_AFTER_LOSS,
  description: "a job writes no part after it learned its client's lock was lost",
  check: ({ trace }) => checkNoPartAfterLoss(trace),
};
