/**
 * The record of a run: every env call that reaches the world (sleeps, file operations, logs,
 * printed lines), every fault and every process lifecycle change, each with its virtual time and
 * process incarnation. Its stable serialization (keys sorted, one JSON line per event) gives the
 * SHA-256 trace hash that proves a seed replays bit for bit.
 */
import { createHash } from 'node:crypto';

export interface TraceEvent {
  /** Position in the trace, from 0. */
  readonly seq: number;
  /** Virtual time in ms since the Unix epoch (true world time, not a process's skewed clock). */
  readonly t: number;
  /** Process incarnation (`worker-1#2`) or `world` for the harness itself. */
  readonly pid: string;
  readonly kind: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export class Trace {
  readonly events: TraceEvent[] = [];

  append(t: number, pid: string, kind: string, data?: Readonly<Record<string, unknown>>): TraceEvent {
    const event: TraceEvent = data === undefined ? { seq: this.events.length, t, pid, kind } : { seq: this.events.length, t, pid, kind, data };
    this.events.push(event);
    return event;
  }

  get length(): number {
    return this.events.length;
  }

  /** SHA-256 over the stable serialization of every event, as 64 hex digits. */
  hash(): string {
    return traceHash(this.events);
  }
}

export function traceHash(events: readonly TraceEvent[]): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(stableStringify(event) + '\n');
  return hash.digest('hex');
}

/** JSON with object keys sorted at every level, so equal values always serialize equally. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return '[' + value.map(stableStringify).join(',') + ']';
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
  return '{' + keys.map((key) => JSON.stringify(key) + ':' + stableStringify(record[key])).join(',') + '}';
}
