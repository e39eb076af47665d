/**
 * The statistics a worker prints every 5 files: how many files, their total processing time, and
 * the sum of squared differences between each file's time and the latest file's time.
 *
 * S = Σᵢ (xᵢ − xₙ)² expands to Σx² − 2·xₙ·Σx + n·xₙ², so keeping n, Σx and Σx² makes each file
 * O(1). With integer minutes (what the provider writes) every term is an exact integer below 2^53,
 * so the result is exact; with fractional minutes it is exact to float rounding.
 */

export interface StatsSnapshot {
  readonly filesProcessed: number;
  readonly totalTime: number;
  readonly sumOfSquares: number;
}

/** Statistics over every file one worker incarnation completed, in order. */
export class RollingStats {
  private count = 0;
  private sum = 0;
  private sumOfSquaresOfValues = 0;
  private latest = 0;

  /** Adds the processing time (minutes) of the file just completed. */
  add(minutes: number): StatsSnapshot {
    this.count += 1;
    this.sum += minutes;
    this.sumOfSquaresOfValues += minutes * minutes;
    this.latest = minutes;
    return this.snapshot();
  }

  snapshot(): StatsSnapshot {
    const n = this.count;
    const x = this.latest;
    // Rounding can push a true 0 a hair below it; a sum of squares is never negative.
    const sumOfSquares = Math.max(0, this.sumOfSquaresOfValues - 2 * x * this.sum + n * x * x);
    return { filesProcessed: n, totalTime: this.sum, sumOfSquares };
  }
}

/** Print a line every this many files. */
export const STATS_EVERY_FILES = 5;

/**
 * `Files processed: 5, Total Time: 35, Sum of Squares: 30`. Integers print as integers; other
 * numbers with at most 3 decimals, trailing zeros dropped.
 */
export function formatStatsLine(stats: StatsSnapshot): string {
  return `Files processed: ${stats.filesProcessed}, Total Time: ${formatNumber(stats.totalTime)}, Sum of Squares: ${formatNumber(stats.sumOfSquares)}`;
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(3).replace(/\.?0+$/, '');
}

const STATS_LINE = /^Files processed: (\d+), Total Time: (-?[\d.]+), Sum of Squares: (-?[\d.]+)$/;

/** Reads a printed statistics line back; `undefined` for any other line. */
export function parseStatsLine(line: string): StatsSnapshot | undefined {
  const match = STATS_LINE.exec(line.trim());
  if (match === null) return undefined;
  return { filesProcessed: Number(match[1]), totalTime: Number(match[2]), sumOfSquares: Number(match[3]) };
}
