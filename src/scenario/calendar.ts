/**
 * Calendars for a run's start: IANA time zones, a `--start` given as local or absolute time, and
 * the daylight-saving transitions a drawn start aims at. Read through `Intl` (the zone database
 * Node ships), never through the process's own zone, so a run means the same on every machine.
 */
import { InputError } from '../env/errors.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws an `InputError` unless `timeZone` is an IANA zone this Node knows. */
export function validateTimeZone(timeZone: string): string {
  formatterFor(timeZone);
  return timeZone;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new InputError(`unknown time zone '${timeZone}' (expected an IANA name such as UTC or Europe/Paris)`);
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface LocalFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function localFields(ms: number, timeZone: string): LocalFields {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** The local wall time of `fields` read as if it were UTC, in ms. */
function wallMs(fields: LocalFields, millis = 0): number {
  return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second, millis);
}

/** How far `timeZone`'s wall clock is ahead of UTC at instant `ms`, in ms (whole seconds). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallMs(localFields(whole, timeZone)) - whole;
}

/**
 * The instant a local wall time stands for in `timeZone`, as `Temporal`'s "compatible" rule reads
 * it: a time that occurs twice (a fall-back) means its first occurrence; a time skipped by a
 * spring-forward means the same wall time read with the offset before the jump (02:30 → 03:30).
 */
export function localToInstant(wall: number, timeZone: string): number {
  const before = wall - zoneOffsetMs(wall - DAY_MS, timeZone);
  const after = wall - zoneOffsetMs(wall + DAY_MS, timeZone);
  const fits = [before, after].filter((instant) => instant + zoneOffsetMs(instant, timeZone) === wall).sort((a, b) => a - b);
  return fits[0] ?? before;
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;
const ISO_ABSOLUTE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * `--start`: an ISO 8601 date or date-time. With `Z` or an offset it is that instant; without one
 * it is a wall time in `timeZone` (`2021-11-07T01:30` in America/New_York: the first 01:30).
 */
export function parseStart(text: string, timeZone: string): number {
  const trimmed = text.trim();
  if (ISO_ABSOLUTE.test(trimmed)) {
    const ms = Date.parse(trimmed.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  }
  const match = ISO_LOCAL.exec(trimmed);
  if (match) {
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map((field) => Number(field ?? 0)) as number[];
    const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, Number((match[7] ?? '0').padEnd(3, '0')));
    const check = new Date(wall);
    if (Number.isFinite(wall) && check.getUTCMonth() === month! - 1 && check.getUTCDate() === day! && hour! < 24 && minute! < 60 && second! < 60) {
      return localToInstant(wall, validateTimeZone(timeZone));
    }
  }
  throw new InputError(`--start expects an ISO 8601 date or date-time (2021-03-14, 2021-03-14T01:30, 2021-03-14T06:30:00Z), got '${text}'`);
}

/** `2021-03-14T06:30:00.000Z`: how a start is printed and passed back to `--start`. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2021-03-14 01:30:00 (UTC−05:00)`: the start as the zone's wall clock shows it. */
export function formatLocal(ms: number, timeZone: string): string {
  const fields = localFields(ms, timeZone);
  const offsetMinutes = Math.round(zoneOffsetMs(ms, timeZone) / MINUTE_MS);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${pad(fields.year, 4)}-${pad(fields.month)}-${pad(fields.day)} ${pad(fields.hour)}:${pad(fields.minute)}:${pad(fields.second)} (UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)})`;
}

export interface OffsetTransition {
  /** The first instant with the new offset. */
  readonly atMs: number;
  readonly fromOffsetMs: number;
  readonly toOffsetMs: number;
}

/** `spring-forward` when the wall clock jumps ahead (an hour skipped), `fall-back` when it repeats one. */
export function transitionDirection(transition: OffsetTransition): 'spring-forward' | 'fall-back' {
  return transition.toOffsetMs > transition.fromOffsetMs ? 'spring-forward' : 'fall-back';
}

const transitionsCache = new Map<string, readonly OffsetTransition[]>();

/** `timeZone`'s offset changes within UTC calendar year `year`, to the minute, in order (remembered: a swarm asks often). */
export function offsetTransitions(year: number, timeZone: string): readonly OffsetTransition[] {
  const key = `${timeZone}/${year}`;
  let transitions = transitionsCache.get(key);
  if (transitions === undefined) {
    transitions = findTransitions(year, timeZone);
    transitionsCache.set(key, transitions);
  }
  return transitions;
}

function findTransitions(year: number, timeZone: string): OffsetTransition[] {
  const transitions: OffsetTransition[] = [];
  const from = Date.UTC(year, 0, 1);
  const to = Date.UTC(year + 1, 0, 1);
  const stepMs = 7 * DAY_MS;
  let previous = zoneOffsetMs(from, timeZone);
  // Transitions are months apart: a week's step sees each one, and bisection finds its minute.
  for (let at = from + stepMs; at < to + stepMs; at += stepMs) {
    const day = Math.min(at, to);
    const offset = zoneOffsetMs(day, timeZone);
    if (offset === previous) continue;
    let low = day - stepMs;
    let high = day;
    while (high - low > MINUTE_MS) {
      const middle = low + Math.max(1, Math.floor((high - low) / 2 / MINUTE_MS)) * MINUTE_MS;
      if (zoneOffsetMs(middle, timeZone) === previous) low = middle;
      else high = middle;
    }
    transitions.push({ atMs: high, fromOffsetMs: previous, toOffsetMs: offset });
    previous = offset;
  }
  return transitions;
}

export { DAY_MS, HOUR_MS, MINUTE_MS };
