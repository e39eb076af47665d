/**
 * A cron schedule: when a named task is due. Parsed by cron-parser, so it understands five-field
 * (minute) and six-field (seconds) expressions, `@hourly`-style shorthands, and time zones with their
 * daylight-saving jumps. Each tick is identified by its scheduled instant (ms since the Unix epoch),
 * the same on every server whatever its clock says, so "each tick runs at most once" is checkable.
 *
 * Daylight saving, as cron-parser walks it: a wall time skipped by a spring-forward ticks at the same
 * minute of the next hour (`30 2 * * *` runs at 03:30 that day); a wall time repeated by a fall-back
 * ticks once, at its first occurrence (`30 1 * * *` runs at 01:30 summer time only), unless the hour
 * field matches every hour (`0 * * * *`, `* * * * *`), whose ticks in the repeated hour are new
 * instants and tick in both occurrences. A tick is an instant, so neither case runs one tick twice.
 */
import { CronDate, CronExpressionParser, type CronExpression } from 'cron-parser';
import { InputError } from '../../env/errors.js';
import { isoInstant } from '../../env/iso-instant.js';

const HOUR_MS = 3_600_000;

/** A cron expression or time zone that cannot work; fix the input, retrying will not help. */
export class CronScheduleError extends InputError {
  override readonly name = 'CronScheduleError';
}

export interface CronSchedule {
  readonly expression: string;
  /** An IANA time zone, e.g. `Europe/Paris`; the expression's fields are read in it. */
  readonly timeZone: string;
  /** The first tick strictly after `ms`. */
  nextAfter(ms: number): number;
  /** The gap between the first two ticks after `ms` (the schedule's period, for defaults). */
  periodAfter(ms: number): number;
}

/** Zones found valid so far: making a formatter to ask costs milliseconds, and every run asks twice. */
const knownZones = new Set<string>();

/** Throws `CronScheduleError` unless `timeZone` is an IANA zone this Node knows. */
export function validateTimeZone(timeZone: string): void {
  if (knownZones.has(timeZone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new CronScheduleError(`unknown time zone '${timeZone}' (expected an IANA name such as UTC or Europe/Paris)`);
  }
  if (knownZones.size < 1024) knownZones.add(timeZone);
}

/**
 * Parses `expression` in `timeZone`; throws `CronScheduleError` naming what is wrong.
 *
 * The ticks are a pure function of (expression, zone, instant), so one walker per pair serves every
 * schedule object in this process: servers sharing a schedule, the checker listing a run's ticks, and
 * the next runs of a campaign pay cron-parser's cost once per tick (it was a sixth of a cron-leader run).
 */
export function parseCronSchedule(expression: string, timeZone = 'UTC'): CronSchedule {
  validateTimeZone(timeZone);
  const nextAfter = tickWalker(expression, timeZone);
  return {
    expression,
    timeZone,
    nextAfter,
    periodAfter(ms) {
      const first = nextAfter(ms);
      return nextAfter(first) - first;
    },
  };
}

/** The walkers made so far, by zone and expression; a campaign uses a handful. */
const walkers = new Map<string, (ms: number) => number>();
const MAX_WALKERS = 64;

function tickWalker(expression: string, timeZone: string): (ms: number) => number {
  const key = `${timeZone}\u0000${expression}`;
  let walker = walkers.get(key);
  if (walker === undefined) {
    walker = newTickWalker(expression, timeZone);
    if (walkers.size >= MAX_WALKERS) walkers.delete(walkers.keys().next().value as string);
    walkers.set(key, walker);
  }
  return walker;
}

/** The first tick strictly after `ms`, ticks computed once remembered in order. */
function newTickWalker(expression: string, timeZone: string): (ms: number) => number {
  let cursor: CronExpression;
  try {
    cursor = CronExpressionParser.parse(expression, { tz: timeZone, currentDate: 0 });
    cursor.next();
  } catch (error) {
    throw new CronScheduleError(`invalid cron expression '${expression}': ${(error as Error).message}`);
  }
  const daily = utcDailyTicks(cursor, timeZone);
  if (daily !== undefined) return daily;
  /** Consecutive ticks, ascending: every tick in (known[0], known[last]] is in it. */
  let known: number[] = [];

  const offsetAt = (ms: number): number => new CronDate(ms, timeZone).getUTCOffset();
  /**
   * Restarts the walk at `ms`, or a little before. cron-parser's next tick depends on where a walk
   * starts within a repeated (fall-back) hour: started there, it meets the second `01:30`, which a
   * walk from before the jump never meets. So a walk never starts within three hours after an
   * offset change: every server, and the checker walking from the run's start, sees one set of ticks.
   */
  const restartAt = (ms: number): void => {
    const anchor = offsetAt(ms) === offsetAt(ms - 3 * HOUR_MS) ? ms : ms - 3 * HOUR_MS;
    cursor.reset(new CronDate(anchor, timeZone));
    known = [anchor];
  };

  /**
   * The tick after `last`, the cursor standing on it. cron-parser gives up ("loop limit exceeded") on
   * some walks across a half-hour daylight-saving change (Lord Howe's fall-back, seen with `0 * * * *`),
   * and started within a quarter hour after such a tick it answers that tick again; from a little later
   * it walks on. So on that error the walk restarts just past `last`, then further
   * out, and the first tick found from there is the next: only instants where cron-parser itself
   * cannot answer are passed over.
   */
  function nextTick(last: number): number {
    let failure: unknown;
    try {
      const tick = cursor.next().getTime();
      if (tick > last) return tick;
      failure = new Error(`it answered ${isoInstant(tick)}, not after ${isoInstant(last)}`);
    } catch (error) {
      failure = error;
    }
    for (const minutes of [1, 2, 5, 15, 30, 45, 60, 90, 120, 180]) {
      const from = last + minutes * 60_000 - 1;
      try {
        cursor.reset(new CronDate(from, timeZone));
        const tick = cursor.next().getTime();
        // Near the change it may also answer a tick at or before where it was asked to start.
        if (tick > from) return tick;
      } catch {
        // Still inside what cron-parser cannot walk: further out.
      }
    }
    throw new CronScheduleError(`cron expression '${expression}' cannot be walked past ${isoInstant(last)} in ${timeZone}: ${(failure as Error).message}`);
  }

  function nextAfter(ms: number): number {
    const first = known[0];
    // Far ahead of what is known (a long pause), or before it: start over from `ms`.
    if (first === undefined || ms < first || ms > known[known.length - 1]! + 366 * 86_400_000) restartAt(ms);
    while (known[known.length - 1]! <= ms) known.push(nextTick(known[known.length - 1]!));
    let low = 0;
    let high = known.length - 1;
    // The first known tick > ms (the array is ascending and its last element is > ms).
    while (low < high) {
      const middle = (low + high) >> 1;
      if (known[middle]! > ms) high = middle;
      else low = middle + 1;
    }
    if (known.length > 100_000) known = known.slice(low - 1);
    return known[low]!;
  }

  return nextAfter;
}

const DAY_MS = 86_400_000;
/** Zones that are UTC under another name: no daylight saving, no offset, ever. */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC']);

/**
 * The walker of a schedule that ticks at the same times of every UTC day: its zone is UTC and its
 * day-of-month, month and day-of-week fields are all `*`, so its ticks are the day's start plus the
 * times its second, minute and hour fields allow, found by arithmetic. cron-parser walks such a
 * schedule a tick at a time, a third of a millisecond each: a simulated day of a minute schedule
 * cost each process that ran one a good part of a second. `undefined` for any other schedule, which
 * cron-parser walks (daylight-saving days, other day fields).
 */
function utcDailyTicks(cursor: CronExpression, timeZone: string): ((ms: number) => number) | undefined {
  if (!UTC_ZONES.has(timeZone)) return undefined;
  const { second, minute, hour, dayOfMonth, month, dayOfWeek } = cursor.fields;
  if (!dayOfMonth.isWildcard || !month.isWildcard || !dayOfWeek.isWildcard) return undefined;
  const offsets = new Set<number>();
  for (const h of hour.values) for (const m of minute.values) for (const s of second.values) offsets.add(((h * 60 + m) * 60 + s) * 1000);
  const inDay = [...offsets].sort((a, b) => a - b);
  const first = inDay[0];
  if (first === undefined) return undefined;
  return (ms) => {
    const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
    const since = ms - dayStart;
    // The first time of day strictly after `since`, else the next day's first.
    let low = 0;
    let high = inDay.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (inDay[middle]! > since) high = middle;
      else low = middle + 1;
    }
    return low < inDay.length ? dayStart + inDay[low]! : dayStart + DAY_MS + first;
  };
}

/** `ms` as an ISO 8601 instant in UTC, for log lines (without touching the global `Date`). */
export { isoInstant };
