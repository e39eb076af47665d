/**
 * `ms` since the Unix epoch as an ISO 8601 instant in UTC (`2020-08-18T09:00:00.000Z`), by integer
 * arithmetic: systems under test may not touch the global `Date`, and building a time-zone-aware
 * date object per log line (cron servers print one per tick) was a tenth of a cron-leader run.
 * Same output as `Date.prototype.toISOString` for every instant in years 0000–9999.
 */
const DAY_MS = 86_400_000;

/** The last instant written, and its text: the servers of a cron run print one tick each in turn. */
let lastMs = Number.NaN;
let lastText = '';

export function isoInstant(ms: number): string {
  if (ms === lastMs) return lastText;
  if (!Number.isFinite(ms)) return String(ms);
  const text = formatInstant(ms);
  lastMs = ms;
  lastText = text;
  return text;
}

function formatInstant(ms: number): string {
  const whole = Math.floor(ms);
  const days = Math.floor(whole / DAY_MS);
  const inDay = whole - days * DAY_MS;
  const { year, month, day } = civilFromDays(days);
  return (
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T` +
    `${pad(Math.floor(inDay / 3_600_000), 2)}:${pad(Math.floor(inDay / 60_000) % 60, 2)}:` +
    `${pad(Math.floor(inDay / 1000) % 60, 2)}.${pad(inDay % 1000, 3)}Z`
  );
}

/** The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm). */
export function civilFromDays(daysSinceEpoch: number): { year: number; month: number; day: number } {
  const z = daysSinceEpoch + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
