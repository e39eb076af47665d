/**
 * The record of a run: every env call that reaches the world (sleeps, file operations, logs,
 * printed lines), every fault and every process lifecycle change, each with its virtual time and
 * process incarnation. Its stable serialization (keys sorted, one JSON line per event) gives the
 * SHA-256 trace hash that proves a seed replays bit for bit.
 */
import { createHash } from 'node:crypto';
import { sortNames } from '../env/sort-names.js';

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
  // One `update` per chunk of lines rather than per line: crossing into the native hash costs more
  // than serializing a small event. The digest is the same: SHA-256 sees one stream of bytes.
  let chunk = '';
  for (const event of events) {
    chunk += serializeEvent(event) + '\n';
    if (chunk.length > 65_536) {
      hash.update(chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * `stableStringify(event)`, with the keys of an event as `Trace.append` makes it (`data`, `kind`,
 * `pid`, `seq`, `t`: already in sorted order) written without listing and sorting them each time.
 * Anything else takes the general path.
 */
function serializeEvent(event: TraceEvent): string {
  const { data, kind, pid, seq, t } = event;
  if (kind === undefined || pid === undefined || seq === undefined || t === undefined || keyCount(event) !== (data === undefined ? 4 : 5)) {
    return stableStringify(event);
  }
  return (data === undefined ? '{' : '{"data":' + dataJson(kind, data) + ',') + '"kind":' + quoted(kind) + ',"pid":' + quoted(pid) + ',"seq":' + seqJson(seq) + ',"t":' + timeJson(t) + '}';
}

/**
 * How many keys a `for...in` over `value` visits, counted without building a list: an event as
 * `Trace.append` makes it has only its own keys; an inherited one makes the count differ, and the
 * event then takes the general path.
 */
function keyCount(value: object): number {
  let count = 0;
  for (const _key in value) count += 1;
  return count;
}

/**
 * The keys of the data of one kind of event, as its emitter writes them (an event kind's data has
 * one shape, or a few), with their sorted order and JSON heads worked out once.
 */
interface DataShape {
  /** `Object.keys` of the data, in order. */
  readonly keys: readonly string[];
  /** The same keys sorted, as `stableStringify` writes them. */
  readonly sorted: readonly string[];
  /** `"key":` for each sorted key. */
  readonly heads: readonly string[];
}

/** The last data shape seen per event kind. Bounded: emptied once it holds too many. */
const SHAPES = new Map<string, DataShape>();

/**
 * `stableStringify(data)`, without listing and sorting the keys of every event: when the data has
 * the keys, in the order, that the kind's data had last time, its sorted keys are known. Any other
 * data takes the general path and becomes the kind's shape.
 */
function dataJson(kind: string, data: Readonly<Record<string, unknown>>): string {
  const shape = SHAPES.get(kind);
  if (shape === undefined || !hasKeys(data, shape.keys)) {
    const keys = Object.keys(data);
    const sorted = sortNames(keys.slice());
    if (SHAPES.size >= 1024) SHAPES.clear();
    SHAPES.set(kind, { keys, sorted, heads: sorted.map((key) => quoted(key) + ':') });
    return stableStringify(data);
  }
  const { sorted, heads } = shape;
  let out = '{';
  for (let index = 0; index < sorted.length; index++) {
    const item = data[sorted[index] as string];
    if (item === undefined) continue;
    out += (out.length === 1 ? '' : ',') + (heads[index] as string) + stableStringify(item);
  }
  return out + '}';
}

/**
 * Whether a `for...in` over `value` visits exactly `keys`, in order: then `Object.keys(value)` is
 * `keys` (own keys come first, and an inherited one would be one too many), checked without building
 * that list.
 */
function hasKeys(value: object, keys: readonly string[]): boolean {
  let index = 0;
  for (const key in value) {
    if (key !== keys[index]) return false;
    index += 1;
  }
  return index === keys.length;
}

/**
 * An event's position: a new number every event, so it is written directly rather than through
 * `scalar`'s table of recent numbers, where it would only push out the numbers that do repeat.
 */
function seqJson(seq: unknown): string {
  return typeof seq === 'number' && Number.isFinite(seq) ? String(seq) : scalar(seq);
}

/** Consecutive events often share their instant; a 13-digit time costs more to format than to compare. */
let lastTime: unknown;
let lastTimeJson = '';

function timeJson(t: unknown): string {
  if (t !== lastTime || typeof t !== 'number') {
    lastTimeJson = scalar(t);
    lastTime = t;
  }
  return lastTimeJson;
}

/**
 * JSON of the few strings a trace repeats on every line (kinds, process ids, data keys), looked up
 * instead of escaped again each time. Bounded: emptied once it holds too many.
 */
const QUOTED = new Map<string, string>();

function quoted(value: unknown): string {
  if (typeof value !== 'string') return stableStringify(value);
  let json = QUOTED.get(value);
  if (json === undefined) {
    if (QUOTED.size >= 4096) QUOTED.clear();
    json = JSON.stringify(value);
    QUOTED.set(value, json);
  }
  return json;
}

/** JSON with object keys sorted at every level, so equal values always serialize equally. */
export function stableStringify(value: unknown): string {
  if (typeof value !== 'object' || value === null) return scalar(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) out += (index === 0 ? '' : ',') + stableStringify(value[index]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = sortNames(Object.keys(record));
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += (out.length === 1 ? '' : ',') + quoted(key) + ':' + stableStringify(item);
  }
  return out + '}';
}

/**
 * The JSON of recently written numbers, by their low bits: events repeat their instants, ticks,
 * tokens and deadlines, and a 13-digit number costs more to format than to look up.
 */
const NUMBER_KEYS = new Float64Array(64).fill(Number.NaN);
const NUMBER_JSON: string[] = new Array<string>(64).fill('');

/** A value that is not an object, as JSON; non-finite numbers as strings, what JSON cannot say as `null`. */
function scalar(value: unknown): string {
  switch (typeof value) {
    case 'string':
      // Short strings repeat (ids, keys, messages): looked up like keys rather than escaped again.
      return value.length <= 40 ? quoted(value) : jsonOfString(value);
    case 'number': {
      const slot = value & 63;
      if (NUMBER_KEYS[slot] === value) return NUMBER_JSON[slot] as string;
      // For finite numbers JSON's form is JavaScript's own `String(n)`.
      const json = Number.isFinite(value) ? numberString(value) : JSON.stringify(String(value));
      NUMBER_KEYS[slot] = value;
      NUMBER_JSON[slot] = json;
      return json;
    }
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return JSON.stringify(value) ?? 'null';
  }
}

/**
 * What `JSON.stringify(value)` gives for a string: the string in quotes, unless it holds a character
 * JSON escapes (a quote, a backslash, a control character) or a surrogate (escaped when alone), which
 * go to `JSON.stringify` itself. A trace's long strings are printed lines and messages that need no
 * escape; testing for one costs about half of what `JSON.stringify` does.
 */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON escapes
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonOfString(value: string): string {
  return NEEDS_JSON_ESCAPE.test(value) ? JSON.stringify(value) : '"' + value + '"';
}

/**
 * `String(value)` for a finite number. An integer of more than 31 bits (every instant of a trace is
 * one, 13 digits of ms) is not a small integer to V8, and formatting it takes the path for doubles, some
 * five times slower than two small integers: so a safe integer from a million up is written as its
 * millions and its last six digits, which are the same digits.
 */
function numberString(value: number): string {
  if (value < 1_000_000 || !Number.isSafeInteger(value)) return String(value);
  const millions = Math.floor(value / 1_000_000);
  return String(millions) + String(value - millions * 1_000_000).padStart(6, '0');
}
