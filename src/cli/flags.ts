/**
 * Flag builders every command shares, so each kind of value has its type and range declared once.
 * oclif refuses a value outside the range as a usage error (one line, exit 2, see `base.ts`).
 */
import type { Stats } from 'node:fs';
import { mkdtemp, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Flags, type Interfaces } from '@oclif/core';
import { InputError } from '../env/errors.js';
import { errorCode } from '../env/fs.js';
import { parseLockSpec } from '../locks/lock-spec.js';

/** The longest delay a Node timer honours in one piece (longer ones fire at once). */
export const LONGEST_DURATION_MS = 2 ** 31 - 1;

interface DurationOptions {
  readonly description: string;
  /** The smallest value allowed: 1 (a positive duration, the default) or 0. */
  readonly min?: 0 | 1;
  readonly default?: number;
  readonly required?: boolean;
  readonly hidden?: boolean;
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
export const outputDirectoryFlag = pathFlag(checkOutputDirectory);

/** The nearest existing ancestor of `path` must be a directory, or the path can never be made; returns it. */
async function requireDirectoryAbove(path: string): Promise<string> {
  for (let above = dirname(path); ; above = dirname(above)) {
    const found = await statOrUndefined(above);
    if (found !== undefined) {
      if (!found.isDirectory()) throw new InputError(`${describePath(path)} cannot be made: ${describePath(above)} is not a directory`);
      return above;
    }
    if (dirname(above) === above) return above;
  }
}

/** A file to write: absent or a regular file, in a directory that exists. */
export const outputFileFlag = pathFlag(checkOutputFile);

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

/** The longest `--duration` a campaign takes: as long as the longest timer (about 24.8 days). */
export const LONGEST_CAMPAIGN_MS = LONGEST_DURATION_MS;

/** What each unit of a time span is worth, ms. */
const SPAN_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A time span with a unit (`90s`, `5m`, `1h`, `7d`, `250ms`) in ms: at least 1 ms and at most `maxMs`, described as `maxText`. */
export function parseSpanMs(input: string, maxMs: number, maxText: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(input.trim());
  if (!match) throw new InputError(`expected a number with a unit (ms, s, m, h, d), like 60s; got ${describeValue(input)}`);
  const ms = Number(match[1]) * SPAN_UNITS_MS[match[2] as keyof typeof SPAN_UNITS_MS];
  if (!(ms >= 1)) throw new InputError(`expected at least 1ms, got ${describeValue(input)}`);
  if (ms > maxMs) throw new InputError(`expected at most ${maxMs} ms (${maxText}), got ${describeValue(input)}`);
  return Math.round(ms);
}

/** A time span with a unit (`90s`, `5m`, `1h`, `250ms`), positive and at most `LONGEST_CAMPAIGN_MS`; the flag's value is in ms. */
export const spanFlag = Flags.custom<number>({
  parse: async (input) => parseSpanMs(input, LONGEST_CAMPAIGN_MS, 'about 24.8 days'),
});

/** The longest period a record may be kept for (`--keep-ended`): ten years. */
export const LONGEST_KEEP_MS = 3_650 * 86_400_000;

/**
 * A keep period with a unit (`90s`, `12h`, `7d`), positive and at most `LONGEST_KEEP_MS`: unlike
 * `spanFlag` it may pass the timer limit, for whoever uses it waits for it in shorter pieces.
 */
export const keepSpanFlag = Flags.custom<number>({
  parse: async (input) => parseSpanMs(input, LONGEST_KEEP_MS, 'ten years'),
});

interface DecimalOptions {
  readonly description: string;
  readonly min: number;
  readonly max: number;
  /** The smallest value is refused, only values above it taken (a rate of time must be positive). */
  readonly aboveMin?: boolean;
  readonly default?: number;
}

/** A decimal number in `[min, max]` (or `(min, max]`), written as plain digits: no NaN, no exponent, no empty string. */
export function decimalFlag(options: DecimalOptions & { readonly default: number }): Interfaces.OptionFlag<number>;
export function decimalFlag(options: DecimalOptions): Interfaces.OptionFlag<number | undefined>;
export function decimalFlag(options: DecimalOptions) {
  const { min, max, aboveMin = false, ...rest } = options;
  return Flags.custom<number>({
    parse: async (input) => {
      if (!/^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/.test(input)) throw new InputError(`expected a number, got ${describeValue(input)}`);
      const value = Number(input);
      const low = aboveMin ? value <= min : value < min;
      if (low || value > max) throw new InputError(`expected a number ${aboveMin ? 'above' : 'from'} ${min} ${aboveMin ? 'up ' : ''}to ${max}, got ${describeValue(input)}`);
      return value;
    },
  })(rest);
}

/** The slowest `--seconds-in-min` of the bucket commands: one scheduled minute a real day. */
export const SLOWEST_SECONDS_IN_MIN = 86_400;

/** The longest lag of a late bucket file, in scheduled minutes (about 69 scheduled days). */
export const LONGEST_LAG_MIN = 100_000;

/** A probability: a decimal number from 0 to 1. */
export function probabilityFlag(options: { readonly description: string; readonly default: number }): Interfaces.OptionFlag<number> {
  return decimalFlag({ ...options, min: 0, max: 1 });
}

/** The longest name a process, task or client may have: it is part of every lock owner and log line. */
export const LONGEST_NAME = 200;

/** A name (a client, a server, a task): not empty, at most `LONGEST_NAME` characters, no control characters. */
export const nameFlag = Flags.custom<string>({
  parse: async (input) => {
    if (input.trim() === '') throw new InputError('expected a name, got an empty string');
    if (input.length > LONGEST_NAME) throw new InputError(`expected a name of at most ${LONGEST_NAME} characters, got ${input.length}`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(input)) throw new InputError(`a name cannot hold control characters, got ${describeValue(input)}`);
    return input;
  },
});

/**
 * A lock spec (`sqlite:PATH`, `file:DIR`, `postgres://…`, and the bare words in `bare` where the
 * command gives them a meaning), checked while the flags are parsed: its syntax, and that a file
 * lock's directory can be one and a SQLite path can be a file, before any process starts.
 */
interface LockSpecOptions {
  readonly description: string;
  readonly required?: boolean;
  readonly default?: string;
  /** Words the command takes as a spec of its own (`file`: a lock directory inside the bucket). */
  readonly bare?: readonly string[];
}

export function lockSpecFlag(options: LockSpecOptions & ({ readonly default: string } | { readonly required: true })): Interfaces.OptionFlag<string>;
export function lockSpecFlag(options: LockSpecOptions): Interfaces.OptionFlag<string | undefined>;
export function lockSpecFlag(options: LockSpecOptions) {
  const { bare = [], ...rest } = options;
  return Flags.custom<string>({
    parse: async (input) => {
      if (bare.includes(input.trim())) return input.trim();
      let spec;
      try {
        spec = parseLockSpec(input);
      } catch (error) {
        throw new InputError(error instanceof Error ? error.message : String(error));
      }
      // `memory` parses; each command says itself why it cannot coordinate its processes.
      if (spec.kind === 'file') await checkOutputDirectory(spec.dir);
      if (spec.kind === 'sqlite') await checkOutputFile(spec.path);
      return input.trim();
    },
  })(rest);
}

/** A store for the DAG runner: `sqlite:PATH` (a file that can be made), a `postgres://` URL or a `mysql://` URL (when `mysql`). */
interface StoreSpecOptions {
  readonly description: string;
  readonly default?: string;
  /** Whether a mysql:// URL is taken (`dag run` takes one; the real-mode campaign does not). */
  readonly mysql?: boolean;
}

export function storeSpecFlag(options: StoreSpecOptions & { readonly default: string }): Interfaces.OptionFlag<string>;
export function storeSpecFlag(options: StoreSpecOptions): Interfaces.OptionFlag<string | undefined>;
export function storeSpecFlag(options: StoreSpecOptions) {
  const { mysql = true, ...rest } = options;
  return Flags.custom<string>({
    parse: async (input) => {
      if (input.startsWith('sqlite:') && input.length > 'sqlite:'.length) {
        const path = input.slice('sqlite:'.length);
        await checkOutputFile(path);
        // SQLite makes the file but not the directories above it: a missing one fails every process later.
        if (!(await statOrUndefined(dirname(path)))?.isDirectory()) throw new InputError(`${describePath(dirname(path))} is not an existing directory (the store's file is made there)`);
        return input;
      }
      if (/^postgres(ql)?:\/\/./.test(input)) return validUrl(input, 'a postgres:// URL');
      if (mysql && /^mysql:\/\/./.test(input)) return validUrl(input, 'a mysql:// URL');
      throw new InputError(`expected sqlite:PATH${mysql ? ', a postgres:// URL or a mysql:// URL' : ' or a postgres:// URL'}, got ${describeValue(input)}`);
    },
  })(rest);
}

/** A URL with one of `protocols` (`https:`, `smtp:`, …) and a host. */
interface UrlOptions {
  readonly description: string;
  readonly protocols: readonly string[];
  readonly default?: string;
  readonly hidden?: boolean;
}

export function urlFlag(options: UrlOptions & { readonly default: string }): Interfaces.OptionFlag<string>;
export function urlFlag(options: UrlOptions): Interfaces.OptionFlag<string | undefined>;
export function urlFlag(options: UrlOptions) {
  const { protocols, ...rest } = options;
  return Flags.custom<string>({
    parse: async (input) => {
      const what = `a URL (${protocols.map((protocol) => `${protocol}//`).join(' or ')})`;
      const url = validUrl(input, what);
      if (!protocols.includes(new URL(url).protocol)) throw new InputError(`expected ${what}, got ${describeValue(input)}`);
      return url;
    },
  })(rest);
}

function validUrl(input: string, what: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new InputError(`expected ${what}, got ${describeValue(input)}`);
  }
  if (url.hostname === '') throw new InputError(`expected ${what} with a host, got ${describeValue(input)}`);
  return input;
}

/** An email address: local@domain, one line, no spaces or angle brackets (nothing a header could be forged with). */
export const emailFlag = Flags.custom<string>({
  parse: async (input) => {
    if (!/^[^\s<>@,;"]+@[^\s<>@,;"]+$/.test(input) || input.length > 254) throw new InputError(`expected an email address (name@host), got ${describeValue(input)}`);
    return input;
  },
});

/** A value as a message shows it: quoted, cut past 60 characters, odd characters escaped. */
function describeValue(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

async function checkOutputDirectory(path: string): Promise<void> {
  const found = await statOrUndefined(path);
  if (found !== undefined && !found.isDirectory()) throw new InputError(`${describePath(path)} exists and is not a directory`);
  if (found !== undefined) {
    await requireMakesDirectories(path, `cannot write into ${describePath(path)}`);
    return;
  }
  await requireMakesDirectories(await requireDirectoryAbove(path), `cannot create directory ${describePath(path)}`);
}

/**
 * Makes a directory of a unique name in `dir`, then removes it: the only sure test that a run's
 * results can be written below `dir`, checked before the run rather than after it. Permission bits
 * say nothing to root, and a read-only or virtual filesystem (`/sys`, `/proc`) refuses only the
 * `mkdir` itself. The name is unique, so flags checked at once (`--out-dir`, `--lock file:DIR` under
 * one new folder) never meet; nothing is left behind.
 */
async function requireMakesDirectories(dir: string, failure: string): Promise<void> {
  let probe: string;
  try {
    probe = await mkdtemp(join(dir, '.simrun-write-check-'));
  } catch (error) {
    throw new InputError(`${failure}: ${errorCode(error) ?? String(error)}`);
  }
  await rmdir(probe).catch(() => undefined);
}

async function checkOutputFile(path: string): Promise<void> {
  const found = await statOrUndefined(path);
  if (found !== undefined && found.isDirectory()) throw new InputError(`${describePath(path)} is a directory, expected a file path`);
  if (found !== undefined && !found.isFile()) throw new InputError(`${describePath(path)} is not a regular file`);
  await requireDirectoryAbove(path);
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
