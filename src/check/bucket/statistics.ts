/**
 * Statistics: every `Files processed: N, Total Time: T, Sum of Squares: S` line a worker printed
 * equals an oracle recomputed from the trace, naively and in O(n²): the files that incarnation
 * committed (`bucket.commit`, in order), N of them, T = Σ xᵢ, S = Σ (xᵢ − x_N)². A line is due after
 * every 5th commit and before the next one (it is printed in the same step as its commit), no
 * line is missing, and none is extra. The oracle sums exact decimals (big integers, as the worker
 * does, but naively) and a printed number must equal it rounded to 3 decimals, the way it prints.
 */
import type { Recorded } from '../../env/events.js';
import { Decimal } from '../../systems/bucket/decimal.js';
import { stdoutEvents, type StdoutEvent } from '../../sim/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { commitsOf, type CommitFact } from './events.js';
import type { Checker, TraceInput } from '../checker.js';

const STATISTICS = 'statistics';

const LINE = /^Files processed: (\d+), Total Time: (-?\d+(?:\.\d+)?), Sum of Squares: (-?\d+(?:\.\d+)?)$/;
const EVERY = 5;

const PRINTED_DECIMALS = 3;

/** The oracle for the first `n` commits of one incarnation, exact. */
export function naiveStats(minutes: readonly number[], n: number): { total: Decimal; sumOfSquares: Decimal } {
  const first = minutes.slice(0, n).map((x) => Decimal.of(x));
  const latest = first[first.length - 1] ?? Decimal.ZERO;
  let total = Decimal.ZERO;
  let sumOfSquares = Decimal.ZERO;
  for (const x of first) {
    total = total.plus(x);
    sumOfSquares = sumOfSquares.plus(x.minus(latest).times(x.minus(latest)));
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
      const [total, squares] = [oracle.total.toRounded(PRINTED_DECIMALS), oracle.sumOfSquares.toRounded(PRINTED_DECIMALS)];
      const expected = `Files processed: ${n}, Total Time: ${total}, Sum of Squares: ${squares}`;
      const [printedN, printedTotal, printedSquares] = [Number(match[1]), canonical(match[2] as string), canonical(match[3] as string)];
      if (printedN !== n || printedTotal !== total || printedSquares !== squares) {
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

/** A printed number in the form the oracle's is written (`35.0` → `35`). */
function canonical(printed: string): string {
  return (Decimal.parse(printed) as Decimal).toRounded(PRINTED_DECIMALS);
}

export const statistics: Checker<TraceInput> = {
  name: STATISTICS,
  description: 'every "Files processed" line equals a naive recomputation over that worker\'s committed files',
  check: ({ trace }) => checkStatistics(trace),
};
