/**
 * Flag builders every command shares, so each kind of value has its type and range declared once.
 * oclif refuses a value outside the range as a usage error (one line, exit 2, see `base.ts`).
 */
import { Flags } from '@oclif/core';

/** The longest delay a Node timer honours in one piece (longer ones fire at once). */
export const LONGEST_DURATION_MS = 2 ** 31 - 1;

interface DurationOptions {
  readonly description: string;
  /** The smallest value allowed: 1 (a positive duration, the default) or 0. */
  readonly min?: 0 | 1;
  readonly default?: number;
  readonly required?: boolean;
}

/** A duration in whole milliseconds, positive (or non-negative) and at most 2^31 − 1 (about 24.8 days). */
export function durationMsFlag(options: DurationOptions) {
  return Flags.integer({ ...options, min: options.min ?? 1, max: LONGEST_DURATION_MS });
}
