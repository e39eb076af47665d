/**
 * Statistics: every `Files processed: N, Total Time: T, Sum of Squares: S` line a worker printed
 * equals an oracle recomputed from the trace, naively and in O(n²): the files that incarnation
 * committed (`bucket.commit`, in order), N of them, T = Σ xᵢ, S = Σ (xᵢ − x_N)². A line is due after
 * every 5th commit and before the next one (it is printed in the same step as its commit), no
 * line is missing, and none is extra. Numbers compare to 3 decimals (how fractions print).
 */
import type { Recorded } from '../../env/events.js';
import { stdoutEvents, type StdoutEvent } from '../../sim/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { commitsOf, type CommitFact } from './events.js';
import type { Checker, TraceInput } from '../checker.js';

const STATISTICS = 'statistics';

const LINE = /^Files processed: (\d+), Total Time: (-?\d+(?:\.\d+)?), Sum of Squares: (-?\d+(?:\.\d+)?)$/;
const EVERY = 5;

/** The oracle for the first `n` commits of one incarnation. */
export function naiveStats(minutes: readonly number[], n: number): { total: number; sumOfSquares: number } {
  const first = minutes.slice(0, n);
  const latest = first[first.length - 1] ?? 0;
  let total = 0;
  let sumOfSquares = 0;
  for (const x of first) {
    total += x;
    sumOfSquares += (x - latest) * (x - latest);
  }
  return { total, sumOfSquares };
}

export function checkStatistics(trace: readonly TraceEvent[]): Violation[] {
  const violations: Violation[] = [];
  const commitsByPid = new Map<string, CommitFact[]>();
  for (const commit of commitsOf(trace)) commitsByPid.set(commit.pid, [...(commitsByPid.get(commit.pid) ?? []), commit]);
  const linesByPid = new Map<string, Array<Recorded<StdoutEvent>>>();
  for (const event of stdoutEvents.of(trace)) {
    if (!event.data.line.startsWith('Files processed')) continue;
    linesByPid.set(event.pid, [...(linesByPid.get(event.pid) ?? []), event]);
  }

  for (const pid of new Set([...commitsByPid.keys(), ...linesByPid.keys()])) {
    const commits = commitsByPid.get(pid) ?? [];
    const lines = linesByPid.get(pid) ?? [];
    const minutes = commits.map((commit) => commit.minutes);
    const due = Math.floor(commits.length / EVERY);
    const fail = (message: string, event?: TraceEvent): void => {
      violations.push({ invariant: STATISTICS, message: `${pid}: ${message}`, pid, ...(event === undefined ? {} : { atMs: event.t, eventSeq: event.seq }) });
    };
    lines.forEach((event, index) => {
      const line = event.data.line;
      const n = EVERY * (index + 1);
      const match = LINE.exec(line);
      if (match === null) return fail(`malformed statistics line ${JSON.stringify(line)}`, event);
      if (n > commits.length) return fail(`printed ${JSON.stringify(line)} but committed only ${commits.length} files`, event);
      const nth = commits[n - 1] as CommitFact;
      const next = commits[n];
      if (event.seq < nth.seq || (next !== undefined && event.seq > next.seq)) fail(`the line for ${n} files was not printed right after its ${n}th commit`, event);
      const oracle = naiveStats(minutes, n);
      const expected = `Files processed: ${n}, Total Time: ${round(oracle.total)}, Sum of Squares: ${round(oracle.sumOfSquares)}`;
      const [printedN, printedTotal, printedSquares] = [Number(match[1]), Number(match[2]), Number(match[3])];
      if (printedN !== n || round(printedTotal) !== round(oracle.total) || round(printedSquares) !== round(oracle.sumOfSquares)) {
        fail(`printed ${JSON.stringify(line)}, expected ${JSON.stringify(expected)} (minutes committed: ${minutes.slice(0, n).join(', ')})`, event);
      }
    });
    if (lines.length < due) {
      // Point at the commit whose line is the first one missing.
      const unannounced = commits[EVERY * (lines.length + 1) - 1] as CommitFact;
      violations.push({ invariant: STATISTICS, message: `${pid}: committed ${commits.length} files but printed ${lines.length} statistics lines, expected ${due}`, pid, atMs: unannounced.t, eventSeq: unannounced.seq });
    }
  }
  return violations;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export const statistics: Checker<TraceInput> = {
  name: STATISTICS,
  description: 'every "Files processed" line equals a naive recomputation over that worker\'s committed files',
  check: ({ trace }) => checkStatistics(trace),
};
