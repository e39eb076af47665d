/**
 * Flag builders every command shares, so each kind of value has its type and range declared once.
 * oclif refuses a value outside the range as a usage error (one line, exit 2, see `base.ts`).
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { InputError } from '../env/errors.js';
import { errorCode } from '../env/fs.js';

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

/**
 * Checks, before any work starts, that `path` can be a directory to write into: absent (it will be
 * made) or a directory. A file there is an input error naming `flag`, not a failure after the run.
 */
export async function requireOutputDirectory(path: string, flag: string): Promise<void> {
  const found = await statOrUndefined(path);
  if (found !== undefined && !found.isDirectory()) throw new InputError(`${flag}: ${path} exists and is not a directory`);
}

/** Checks, before any work starts, that `path` can be an output file: absent or a regular file. */
export async function requireOutputFile(path: string, flag: string): Promise<void> {
  const found = await statOrUndefined(path);
  if (found === undefined) return;
  if (found.isDirectory()) throw new InputError(`${flag}: ${path} is a directory, expected a file path`);
  if (!found.isFile()) throw new InputError(`${flag}: ${path} is not a regular file`);
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new InputError(`cannot use ${path}: ${errorCode(error) ?? String(error)}`);
  }
}
