/**
 * Progress: once the faults are over and every crashed process has had time to restart and every
 * abandoned lease time to lapse, each key someone still asks for is written again. A lease that
 * never lapses, or a lock that stays taken after its holder died, stops here. A key nobody asked for
 * in that quiet tail owes nothing (clients pick keys at random: with few clients and many keys, one
 * may simply not come up; lock swarm seed 1513 flagged such a key).
 */
import type { Violation } from '../violation.js';
import type { LockHistory } from './history.js';
import type { Checker } from '../checker.js';

const PROGRESS = 'progress';

export function checkProgress(history: LockHistory, options: { readonly keys: readonly string[]; readonly fromMs: number; readonly endMs: number }): Violation[] {
  const written = new Set(history.writes.filter((write) => write.accepted && write.t >= options.fromMs).map((write) => write.key));
  const asked = history.asks === undefined ? undefined : new Set(history.asks.filter((ask) => ask.t >= options.fromMs).map((ask) => ask.key));
  return options.keys
    .filter((key) => !written.has(key) && (asked === undefined || asked.has(key)))
    .map((key) => ({
      invariant: PROGRESS,
      message: `key "${key}": no write was accepted in the quiet tail of the run (${options.endMs - options.fromMs} ms after the last fault had settled)`,
      atMs: options.fromMs,
    }));
}

export const progress: Checker<{ readonly history: LockHistory; readonly keys: readonly string[]; readonly fromMs: number; readonly endMs: number }> = {
  name: PROGRESS,
  description: 'every key someone asks for once the faults have settled is written again',
  check: ({ history, keys, fromMs, endMs }) => checkProgress(history, { keys, fromMs, endMs }),
};
