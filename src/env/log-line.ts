/**
 * Reading back the JSON lines a real process logs through `realEnv` (`real-env.ts`):
 * `{"t", "pid", "kind", "data"}`, with the event's fields under `data` so a field named `kind` can
 * never overwrite the event's own. Lines written before the fields moved under `data`
 * (`{"t", "pid", "kind", ...fields}`) still read the same. One reader, so every consumer of real
 * logs (`bucket verify`, `simrun real`, the tests) agrees on the shape.
 */
import type { LogData } from './env.js';

export interface LogLine {
  /** Milliseconds since the Unix epoch. */
  readonly t: number;
  readonly pid: string;
  readonly kind: string;
  readonly data?: LogData;
}

/** `line` as a log line, or `undefined` for anything else (a printed line, half a line left by a kill). */
export function parseLogLine(line: string): LogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { t, pid, kind, ...rest } = value as Record<string, unknown>;
  const time = typeof t === 'string' ? Date.parse(t) : typeof t === 'number' ? t : Number.NaN;
  if (typeof kind !== 'string' || pid === undefined || pid === null || !Number.isFinite(time)) return undefined;
  const nested = Object.keys(rest).length === 1 && typeof rest.data === 'object' && rest.data !== null && !Array.isArray(rest.data);
  const data = (nested ? rest.data : rest) as LogData;
  return Object.keys(data).length === 0 ? { t: time, pid: String(pid), kind } : { t: time, pid: String(pid), kind, data };
}
