/** Small formatters for human-readable command output. */
import { InputError } from '../env/errors.js';

/** Virtual ms past the epoch as `1d 02:15:00.000` (the day part only when needed). */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms));
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const clock = `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${String(millis).padStart(3, '0')}`;
  return `${sign}${days > 0 ? `${days}d ` : ''}${clock}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** Parses repeated `--set key=value` flags; values are JSON when they parse as JSON, else strings. */
export function parseAssignments(assignments: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw new InputError(`--set expects key=value, got '${assignment}'`);
    const key = assignment.slice(0, equals);
    const raw = assignment.slice(equals + 1);
    try {
      params[key] = JSON.parse(raw);
    } catch {
      params[key] = raw;
    }
  }
  return params;
}

/** A count with its noun: `1 fault`, `3 faults`, `0 faults`; pass the plural when it is not noun + s. */
export function plural(count: number, noun: string, nounPlural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nounPlural}`;
}
