/**
 * The provider for real (the seed's `simulation.py`): drops files into a directory on a sped-up
 * schedule. Drop N is due N × 15 × `secondsInMin` seconds after the start, plus its lag when the lag
 * distribution draws one; names run from `2020_08_18_00_15.txt` in steps of 15 minutes, as in the
 * seed's example, whatever today is. Sizes are uneven as in the simulation (log-normal minutes), and
 * the files hold the minutes alone (`number-only`, the seed's format) or minutes, JSON lines and an
 * end marker (`marked`).
 */
import type { Env } from '../../env/env.js';
import { InputError } from '../../env/errors.js';
import { realEnv } from '../../env/real-env.js';
import type { InputFormat } from '../../systems/bucket/input-format.js';
import { NO_LAG, planDrops, provideDrops, type LagDistribution, type SizeDistribution } from '../../systems/bucket/provider.js';
import { readInputFile, requireDirectory } from '../common/files.js';
import { parseSecondsInMin } from './speed.js';

/** 2020-08-18 00:15 UTC: the first file's name. */
export const REAL_FIRST_NAMED_AT_MS = 1_597_709_700_000;
const INTERVAL_MINUTES = 15;

export const DEFAULT_SIZE: SizeDistribution = { medianMinutes: 10, sigma: 0.7, minMinutes: 1, maxMinutes: 45 };

export interface RealProviderOptions {
  /** The bucket directory; it must exist. */
  readonly dir: string;
  /** Real seconds per minute of the schedule (60: real time), as typed: a positive number. */
  readonly secondsInMin: number | string;
  /** How many files (default: the schedule's length, or 96: one day). */
  readonly files?: number;
  /** A schedule file: the processing minutes of each file, one number per line (`#` starts a comment). */
  readonly schedule?: string;
  /** Write in place in two parts instead of rename-into-place. */
  readonly atomicWrites?: boolean;
  /** What a file holds (default `marked`). */
  readonly format?: InputFormat;
  /** How late drops appear, in scheduled minutes (scaled by `secondsInMin` like the schedule): none by default. */
  readonly lag?: { readonly probability: number; readonly meanMinutes: number; readonly maxMinutes: number };
  /** Defaults to `realEnv('provider')`. */
  readonly env?: Env;
}

/** Drops every file on schedule, then resolves. */
export async function runProvider(options: RealProviderOptions): Promise<void> {
  const env = options.env ?? realEnv('provider');
  await requireDirectory(options.dir, '--dir');
  const secondsInMin = parseSecondsInMin(options.secondsInMin);
  const minutes = options.schedule === undefined ? undefined : parseSchedule(options.schedule, await readInputFile(options.schedule, 'the schedule'));
  const files = options.files ?? minutes?.length ?? 96;
  if (!Number.isSafeInteger(files) || files < 1) throw new InputError(`--files must be a positive integer, got ${files}`);
  if (minutes !== undefined && files > minutes.length) throw new InputError(`--files ${files} but the schedule ${options.schedule} lists only ${minutes.length} files`);
  const lag = lagOf(options.lag, secondsInMin);
  const drops = planDrops({
    firstNamedAtMs: REAL_FIRST_NAMED_AT_MS,
    firstDueMs: env.now(),
    files,
    intervalMs: INTERVAL_MINUTES * 60_000,
    dueIntervalMs: INTERVAL_MINUTES * secondsInMin * 1000,
    lag,
    size: DEFAULT_SIZE,
    ...(minutes === undefined ? {} : { minutes }),
    random: () => env.random(),
  });
  await provideDrops(env, { dir: options.dir, drops, atomicWrites: options.atomicWrites ?? true, splitPauseMs: Math.max(1, secondsInMin * 100), format: options.format ?? 'marked' });
}

/** The lag distribution in real ms, after checking it; none when absent. */
function lagOf(lag: RealProviderOptions['lag'], secondsInMin: number): LagDistribution {
  if (lag === undefined) return NO_LAG;
  if (!(lag.probability >= 0 && lag.probability <= 1)) throw new InputError(`--lag-probability must be between 0 and 1, got ${lag.probability}`);
  for (const [flag, value] of [['--lag-mean-min', lag.meanMinutes], ['--lag-max-min', lag.maxMinutes]] as const) {
    if (!(Number.isFinite(value) && value >= 0)) throw new InputError(`${flag} must be a non-negative number of minutes, got ${value}`);
  }
  const msPerMinute = secondsInMin * 1000;
  return { probability: lag.probability, meanMs: lag.meanMinutes * msPerMinute, maxMs: lag.maxMinutes * msPerMinute };
}

/** A schedule's text: one non-negative number of minutes per line; blank lines and `#` comments skipped. */
export function parseSchedule(path: string, text: string): number[] {
  const minutes: number[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    if (!/^\d+(\.\d+)?$/.test(line)) throw new InputError(`${path}:${index + 1}: expected a number of minutes, got ${JSON.stringify(raw.trim())}`);
    minutes.push(Number(line));
  });
  if (minutes.length === 0) throw new InputError(`${path}: the schedule lists no files`);
  return minutes;
}
