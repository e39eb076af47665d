/**
 * Where things live in a bucket directory, and what the provider's file names mean.
 *
 * ```
 * D/2020_08_18_02_15.txt        an input waiting to be processed (the provider drops it here)
 * D/.part-2020_08_18_02_15.txt  the provider writing it (hidden: workers never look at dot files)
 * D/output/2020_08_18_02_15.tsv its committed output (published once, with an exclusive link)
 * D/output/.tmp-...             an output being written (left behind by a crash: harmless)
 * D/processed/2020_08_18_02_15.txt   the input once its output is committed ("done")
 * D/rejected/NAME, D/rejected/NAME.reason   an input that cannot be processed, and why
 * D/locks/, D/fence/            the file lock and the on-disk fence of real mode
 * D/claimed/                    only the `claim-list-then-move` mutant uses it
 * ```
 */
import { civilFromDays } from '../../env/iso-instant.js';

/** Subdirectories of a bucket directory that are the system's own, never inputs. */
export const RESERVED_DIRS = ['output', 'processed', 'rejected', 'locks', 'fence', 'claimed'] as const;

/** `YYYY_MM_DD_HH_mm.txt`, a UTC time. */
export const INPUT_NAME = /^(\d{4})_(\d{2})_(\d{2})_(\d{2})_(\d{2})\.txt$/;

/** The paths of one bucket directory. */
export interface BucketLayout {
  readonly dir: string;
  readonly outputDir: string;
  readonly processedDir: string;
  readonly rejectedDir: string;
  input(name: string): string;
  /** Where the provider writes `name` before renaming it into place. */
  partial(name: string): string;
  output(name: string): string;
  processed(name: string): string;
  rejected(name: string): string;
  rejectionReason(name: string): string;
  claimed(name: string): string;
}

export function bucketLayout(dir: string): BucketLayout {
  const root = dir.replace(/\/+$/, '') || '/';
  const join = (...parts: string[]): string => (root === '/' ? '' : root) + '/' + parts.join('/');
  return {
    dir: root,
    outputDir: join('output'),
    processedDir: join('processed'),
    rejectedDir: join('rejected'),
    input: (name) => join(name),
    partial: (name) => join(`.part-${name}`),
    output: (name) => join('output', outputName(name)),
    processed: (name) => join('processed', name),
    rejected: (name) => join('rejected', name),
    rejectionReason: (name) => join('rejected', `${name}.reason`),
    claimed: (name) => join('claimed', name),
  };
}

/** `2020_08_18_02_15.txt` → `2020_08_18_02_15.tsv`. */
export function outputName(inputName: string): string {
  return inputName.replace(/\.txt$/, '') + '.tsv';
}

/** The name of the file the provider drops for UTC time `ms`: `2020_08_18_02_15.txt`. */
export function inputNameAt(ms: number): string {
  const minutes = Math.floor(ms / MINUTE_MS);
  const days = Math.floor(minutes / (24 * 60));
  const minuteOfDay = minutes - days * 24 * 60;
  const { year, month, day } = civilFromDays(days);
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${year}_${two(month)}_${two(day)}_${two(Math.floor(minuteOfDay / 60))}_${two(minuteOfDay % 60)}.txt`;
}

/** The UTC time (ms) a well-formed input name stands for, or `undefined` for any other name. */
export function timeOfInputName(name: string): number | undefined {
  const match = INPUT_NAME.exec(name);
  if (match === null) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59) return undefined;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * MINUTE_MS;
}

const MINUTE_MS = 60_000;

// Calendar arithmetic by hand (H. Hinnant's days_from_civil and civil_from_days): systems may not
// touch `Date`, and these are pure functions of their arguments anyway.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/**
 * What a worker (and the verifier) makes of a directory entry — one rule for both, so the verifier
 * never calls "never processed" what a worker rightly passed over:
 * - `input`: a `YYYY_MM_DD_HH_mm.txt` name of a valid UTC time that is a regular file;
 * - `unreadable`: such a name on something else (a directory, a symlink — never followed, so a link
 *   cannot lead a worker out of the bucket —, a FIFO, a device, a socket) or on a file that cannot be
 *   opened (no permission): skipped and reported once, never moved, while the other files go on;
 * - `own`: the system's subdirectories; `hidden`: dot names (the provider's work in progress);
 * - `foreign`: any other name, left alone.
 *
 * `type` is what the entry is, when the caller knows it (the verifier lists with types; a worker
 * learns it when a read fails, see `entryTypeOfReadError`); unknown counts as a regular file.
 */
export type EntryKind = 'input' | 'unreadable' | 'own' | 'hidden' | 'foreign';

/** What a directory entry is on disk. */
export type EntryType = 'file' | 'directory' | 'symlink' | 'other' | 'no-access';

export function classifyEntry(name: string, type: EntryType = 'file'): EntryKind {
  if (name.startsWith('.')) return 'hidden';
  if ((RESERVED_DIRS as readonly string[]).includes(name)) return 'own';
  if (timeOfInputName(name) === undefined) return 'foreign';
  return type === 'file' ? 'input' : 'unreadable';
}

/**
 * The error code a read of something other than a readable regular file fails with, as the type of
 * that entry; `undefined` for any other error (a transient `EIO`, a file gone): those are retried.
 * `EFTYPE` is what real mode's no-follow read raises for a FIFO, socket or device.
 */
export function entryTypeOfReadError(code: string | undefined): EntryType | undefined {
  switch (code) {
    case 'EISDIR':
      return 'directory';
    case 'ELOOP':
      return 'symlink';
    case 'EFTYPE':
    case 'ENXIO':
    case 'ENODEV':
      return 'other';
    case 'EACCES':
    case 'EPERM':
      return 'no-access';
    default:
      return undefined;
  }
}

/** Why an input-named entry of `type` is skipped, in a reason line. */
export function unreadableReason(type: EntryType): string {
  switch (type) {
    case 'directory':
      return 'a directory, not a file: skipped';
    case 'symlink':
      return 'a symbolic link: never followed, skipped';
    case 'other':
      return 'not a regular file (a FIFO, socket or device): skipped';
    case 'no-access':
      return 'cannot be read (permission denied): skipped until it can';
    case 'file':
      return 'a regular file';
  }
}
