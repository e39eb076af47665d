/** Invariant `tick-at-most-once`: no tick of the task ran twice, on one server or on two. */
import type { Violation } from '../violation.js';
import type { CronHistory } from './history.js';
import { isoInstant } from '../../systems/cron/schedule.js';
import type { Checker } from '../checker.js';

const TICK_AT_MOST_ONCE = 'tick-at-most-once';

export function checkTickAtMostOnce(history: CronHistory): Violation[] {
  const first = new Map<string, CronHistory['runs'][number]>();
  const violations: Violation[] = [];
  for (const run of history.runs) {
    const id = `${run.name}@${run.tick}`;
    const earlier = first.get(id);
    if (earlier === undefined) {
      first.set(id, run);
      continue;
    }
    violations.push({
      invariant: TICK_AT_MOST_ONCE,
      message: `tick ${isoInstant(run.tick)} of '${run.name}' ran twice: on ${earlier.pid} and on ${run.pid}`,
      atMs: run.startedAt,
      eventSeq: run.startedSeq,
      pid: run.pid,
    });
  }
  return violations;
}

export const tickAtMostOnce: Checker<{ readonly history: CronHistory }> = {
  name: TICK_AT_MOST_ONCE,
  description: 'no tick of the task ran twice',
  check: ({ history }) => checkTickAtMostOnce(history),
};
