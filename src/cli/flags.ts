/**
 * Flag builders every command shares, so each kind of value has its type and range declared once.
 * oclif refuses a value outside the range as a usage error (one line, exit 2, see `base.ts`).
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Flags, type Interfaces } from '@oclif/core';
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

interface CountOptions {
  readonly description: string;
  /** The smallest value allowed: 1 unless given. */
  readonly min?: number;
  /** The largest value the command can honour; `LARGEST_COUNT` unless the command knows a tighter one. */
  readonly max?: number;
  readonly default?: number;
  readonly required?: boolean;
  readonly hidden?: boolean;
}

/** The largest count any command takes (runs, seeds, workers, files, jobs): past it a command would run for days or exhaust memory. */
export const LARGEST_COUNT = 1_000_000;

/** A count: a whole number from `min` (1 by default) to `max` (`LARGEST_COUNT` by default). */
export function countFlag(options: CountOptions & ({ readonly default: number } | { readonly required: true })): Interfaces.OptionFlag<number>;
export function countFlag(options: CountOptions): Interfaces.OptionFlag<number | undefined>;
export function countFlag(options: CountOptions) {
  return Flags.integer({ ...options, min: options.min ?? 1, max: options.max ?? LARGEST_COUNT });
}

/** Worker threads a command may start; more than this only thrashes. */
export const MOST_WORKER_THREADS = 256;

/** A seed: a whole number from 0 to 2^53 − 1 (every seed prints and replays exactly). */
export function seedFlag(options: { readonly description: string; readonly default: number }): Interfaces.OptionFlag<number> {
  return Flags.integer({ ...options, min: 0, max: Number.MAX_SAFE_INTEGER });
}

/**
 * A path flag type checked for what the path must be while the flags are parsed, before anything
 * starts: a wrong kind of path is a usage error (one line, exit 2), not a failure part-way through.
 */
function pathFlag(check: (path: string) => Promise<void>) {
  return Flags.custom<string>({
    parse: async (input) => {
      await check(input);
      return input;
    },
  });
}

/** A directory that must exist (read from, or written into but not made). */
export const existingDirectoryFlag = pathFlag(async (path) => {
  const found = await statOrUndefined(path);
  if (found === undefined) throw new InputError(`directory ${describePath(path)} does not exist (create it first)`);
  if (!found.isDirectory()) throw new InputError(`${describePath(path)} is not a directory`);
});

/** A directory to write into: absent (it will be made) or a directory. */
export const outputDirectoryFlag = pathFlag(async (path) => {
  const found = await statOrUndefined(path);
  if (found !== undefined && !found.isDirectory()) throw new InputError(`${describePath(path)} exists and is not a directory`);
  if (found === undefined) await requireDirectoryAbove(path);
});

/** The nearest existing ancestor of `path` must be a directory, or the path can never be made. */
async function requireDirectoryAbove(path: string): Promise<void> {
  for (let above = dirname(path); ; above = dirname(above)) {
    const found = await statOrUndefined(above);
    if (found !== undefined) {
      if (!found.isDirectory()) throw new InputError(`${describePath(path)} cannot be made: ${describePath(above)} is not a directory`);
      return;
    }
    if (dirname(above) === above) return;
  }
}

/** A file to write: absent or a regular file, in a directory that exists. */
export const outputFileFlag = pathFlag(async (path) => {
  const found = await statOrUndefined(path);
  if (found !== undefined && found.isDirectory()) throw new InputError(`${describePath(path)} is a directory, expected a file path`);
  if (found !== undefined && !found.isFile()) throw new InputError(`${describePath(path)} is not a regular file`);
  await requireDirectoryAbove(path);
});

/** A file to read: it exists and is a regular file. */
export const inputFileFlag = pathFlag(async (path) => {
  const found = await statOrUndefined(path);
  if (found === undefined) throw new InputError(`${describePath(path)} does not exist`);
  if (!found.isFile()) throw new InputError(`${describePath(path)} is not a regular file`);
});

/** A path as a message shows it: an empty one is named as such, a long or odd one is cut and escaped. */
function describePath(path: string): string {
  if (path === '') return 'an empty path';
  const shown = JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path);
  return shown.slice(1, -1) === path ? path : shown;
}

/** A duration in whole milliseconds, positive (or non-negative) and at most 2^31 − 1 (about 24.8 days). */
export function durationMsFlag(options: DurationOptions & ({ readonly default: number } | { readonly required: true })): Interfaces.OptionFlag<number>;
export function durationMsFlag(options: DurationOptions): Interfaces.OptionFlag<number | undefined>;
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
  if (path === '') throw new InputError('expected a path, got an empty string');
  if (path.includes('\0')) throw new InputError('a path cannot contain a NUL byte');
  try {
    return await stat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new InputError(`cannot use ${describePath(path)}: ${errorCode(error) ?? String(error)}`);
  }
}
