/**
 * Invariant `whole-input`: every commit carries the minutes its file was dropped with. A worker that
 * took a file while the provider was still writing it (`1` of `12`, a number-only file with no end
 * marker to wait for) commits minutes the file never said; its output is empty either way, so only
 * the minutes show it.
 */
import type { Checker, TraceInput } from '../checker.js';
import type { Violation } from '../violation.js';
import type { TraceEvent } from '../../sim/trace.js';
import { commitsOf, dropsOf } from './events.js';

const WHOLE_INPUT = 'whole-input';

export function checkWholeInput(trace: readonly TraceEvent[]): Violation[] {
  const drops = dropsOf(trace);
  const violations: Violation[] = [];
  for (const commit of commitsOf(trace)) {
    const drop = drops.get(commit.file);
    if (drop === undefined || drop.minutes === commit.minutes) continue;
    violations.push({
      invariant: WHOLE_INPUT,
      message: `${commit.pid} committed ${commit.file} with ${commit.minutes} minutes, but it was dropped with ${drop.minutes}: it read the file before it was whole`,
      atMs: commit.t,
      eventSeq: commit.seq,
      pid: commit.pid,
    });
  }
  return violations;
}

export const wholeInput: Checker<TraceInput> = {
  name: WHOLE_INPUT,
  description: 'every file is committed with the minutes it was dropped with: never read half written',
  check: ({ trace }) => checkWholeInput(trace),
};
