/**
 * The statistics a worker prints every 5 files: how many files, their total processing time, and
 * the sum of squared differences between each file's time and the latest file's time.
 *
 * S = Σᵢ (xᵢ − xₙ)² expands to Σx² − 2·xₙ·Σx + n·xₙ², so keeping n, Σx and Σx² makes each file
 * O(1). The sums are exact decimals (`decimal.ts`: big integers with a decimal scale), not doubles:
 * with doubles, whole minutes of 100 000 000 already push Σx² past 2^53 and S comes out wrong. T and
 * S are therefore exact whatever their size; only printing rounds, to 3 decimals.
 */
import { Decimal } from './decimal.js';

export interface StatsSnapshot {
  readonly filesProcessed: number;
  /** T = Σ xᵢ, exact. */
  readonly totalTime: Decimal;
  /** S = Σ (xᵢ − x_latest)², exact. */
  readonly sumOfSquares: Decimal;
}

/** Statistics over every file one worker incarnation completed, in order. */
export class RollingStats {
  private count = 0n;
  private sum = Decimal.ZERO;
  private sumOfSquaresOfValues = Decimal.ZERO;
  private latest = Decimal.ZERO;

  /** Adds the processing time (minutes) of the file just completed: a finite non-negative number, taken as the decimal it prints as. */
  add(minutes: number | Decimal): StatsSnapshot {
    const x = typeof minutes === 'number' ? Decimal.of(minutes) : minutes;
    this.count += 1n;
    this.sum = this.sum.plus(x);
    this.sumOfSquaresOfValues = this.sumOfSquaresOfValues.plus(x.times(x));
    this.latest = x;
    return this.snapshot();
  }

  snapshot(): StatsSnapshot {
    const x = this.latest;
    const sumOfSquares = this.sumOfSquaresOfValues.minus(x.times(this.sum).times(2n)).plus(x.times(x).times(this.count));
    return { filesProcessed: Number(this.count), totalTime: this.sum, sumOfSquares };
  }
}

/** Print a line every this many files. */
export const STATS_EVERY_FILES = 5;

/** Decimals a printed T or S keeps (rounded half up); integers print whole, however large. */
export const STATS_PRINTED_DECIMALS = 3;

/**
 * `Files processed: 5, Total Time: 35, Sum of Squares: 30`. Integers print as integers; other
 * numbers with at most 3 decimals, rounded half up, trailing zeros dropped.
 */
export function formatStatsLine(stats: StatsSnapshot): string {
  return `Files processed: ${stats.filesProcessed}, Total Time: ${formatNumber(stats.totalTime)}, Sum of Squares: ${formatNumber(stats.sumOfSquares)}`;
}

/** A statistic as printed: exact for integers and up to 3 decimals, else rounded to 3. */
export function formatNumber(value: Decimal | number): string {
  return (typeof value === 'number' ? Decimal.of(value) : value).toRounded(STATS_PRINTED_DECIMALS);
}

const STATS_LINE = /^Files processed: (\d+), Total Time: (-?\d+(?:\.\d+)?), Sum of Squares: (-?\d+(?:\.\d+)?)$/;

/** Reads a printed statistics line back (the printed, rounded values); `undefined` for any other line. */
export function parseStatsLine(line: string): StatsSnapshot | undefined {
  const match = STATS_LINE.exec(line.trim());
  if (match === null) return undefined;
  return { filesProcessed: Number(match[1]), totalTime: Decimal.parse(match[2] as string) as Decimal, sumOfSquares: Decimal.parse(match[3] as string) as Decimal };
}
