/**
 * Properties of the trace's stable serialization and hash, as `src/sim/trace.ts` promises them:
 * keys sorted at every level (so the order keys were inserted in never matters), one JSON line per
 * event, and a hash over exactly those lines — the fast path for `Trace.append`'s events, its
 * caches and its chunking included.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stableStringify, Trace, traceHash, type TraceEvent } from '../../src/sim/trace.js';

/** `value` with every -0 written as 0: JSON (and so the trace) cannot tell them apart. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withoutNegativeZero(item)]));
}

/** A JSON value with finite numbers: what a trace's `data` holds. */
const json = fc.jsonValue({ maxDepth: 3 }).map(withoutNegativeZero);
const data = fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 6 });

/** Few pids, kinds and times, so events share them as real traces do (and the caches are hit). */
const eventFields = fc.record(
  {
    t: fc.oneof(fc.constantFrom(1_700_000_000_000, 1_700_000_000_001), fc.integer({ min: 0, max: 2 ** 45 })),
    pid: fc.constantFrom('world', 'worker-1#1', 'worker-2#3', 'dag-runner#1'),
    kind: fc.constantFrom('fs.write', 'lock.acquired', 'job.transition', 'process.crash', 'a "quoted" \\ kind'),
    data,
  },
  { requiredKeys: ['t', 'pid', 'kind'] },
);

function traceOf(fields: readonly { t: number; pid: string; kind: string; data?: Record<string, unknown> }[]): Trace {
  const trace = new Trace();
  for (const { t, pid, kind, data: eventData } of fields) trace.append(t, pid, kind, eventData);
  return trace;
}

/** `value` rebuilt with the keys of every object in reverse (or another) order. */
function reorderKeys(value: unknown, pickOrder: (keys: string[]) => string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, pickOrder));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // defineProperty, not assignment: a key named `__proto__` must stay a key.
  for (const key of pickOrder(Object.keys(record))) Object.defineProperty(out, key, { value: reorderKeys(record[key], pickOrder), enumerable: true, writable: true, configurable: true });
  return out;
}

/** The hash written the slow, obvious way: SHA-256 of one sorted-key JSON line per event. */
function referenceHash(events: readonly TraceEvent[]): string {
  return createHash('sha256')
    .update(events.map((event) => stableStringify(event) + '\n').join(''))
    .digest('hex');
}

describe('stableStringify (property)', () => {
  test('is valid JSON that parses back to the value it was given', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.parse(stableStringify(value))).toEqual(value);
      }),
    );
  });

  // Numbers and long strings take shortcuts (an instant written as millions and six digits, a
  // string needing no escape put in quotes without `JSON.stringify`): the same text either way.
  test('writes numbers and strings exactly as JSON.stringify does', () => {
    const numbers = fc.oneof(
      fc.integer(),
      fc.maxSafeInteger(),
      fc.integer({ min: 999_000, max: 1_001_000 }),
      fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
      fc.constantFrom(1_000_000, 999_999, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, 1e21, -1_000_000, 1_000_000.5, -0),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const strings = fc.oneof(
      fc.string({ minLength: 41, maxLength: 90 }),
      fc.string({ minLength: 41, maxLength: 90, unit: 'binary' }),
      fc.constantFrom('x'.repeat(41) + '"', 'x'.repeat(41) + '\\', 'x'.repeat(41) + '\u0001', 'x'.repeat(41) + '\ud83d', 'x'.repeat(41) + '\ud83d\ude00', 'x'.repeat(41) + '\u007f'),
    );
    fc.assert(
      fc.property(fc.oneof(numbers, strings), (value) => {
        expect(stableStringify(value)).toBe(JSON.stringify(value));
        expect(stableStringify({ value })).toBe(JSON.stringify({ value }));
      }),
      { numRuns: 2_000 },
    );
  });

  test('does not depend on the order keys were inserted in, at any depth', () => {
    fc.assert(
      fc.property(json, fc.infiniteStream(fc.nat()), (value, draws) => {
        const shuffled = reorderKeys(value, (keys) => {
          const out = [...keys];
          for (let index = out.length - 1; index > 0; index--) {
            const other = (draws.next().value as number) % (index + 1);
            [out[index], out[other]] = [out[other] as string, out[index] as string];
          }
          return out;
        });
        expect(stableStringify(shuffled)).toBe(stableStringify(value));
      }),
    );
  });

  test('writes object keys in sorted order at every level', () => {
    // Written out by hand: JSON.stringify cannot serve as the reference, since JavaScript objects
    // list integer-like keys first whatever order they were inserted in.
    const sortedJson = (value: unknown): string => {
      if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
      if (typeof value !== 'object' || value === null) return JSON.stringify(value);
      const record = value as Record<string, unknown>;
      return `{${Object.keys(record)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${sortedJson(record[key])}`)
        .join(',')}}`;
    };
    fc.assert(
      fc.property(json, (value) => {
        expect(stableStringify(value)).toBe(sortedJson(value));
      }),
    );
  });

  test('two values serialize equally exactly when they are deeply equal', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const equalText = stableStringify(a) === stableStringify(b);
        let deeplyEqual = true;
        try {
          expect(a).toEqual(b);
        } catch {
          deeplyEqual = false;
        }
        expect(equalText).toBe(deeplyEqual);
      }),
    );
  });
});

describe('trace hash (property)', () => {
  test("is SHA-256 over one stableStringify line per event, whatever the events (the fast path, its caches and chunks agree)", () => {
    // Large data now and then, so a trace crosses the 64 KiB chunk boundary inside the hash.
    const bulky = fc.record({ t: fc.nat(), pid: fc.constant('world'), kind: fc.constant('bulk'), data: fc.record({ text: fc.string({ minLength: 20_000, maxLength: 40_000 }) }) });
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 20, arbitrary: eventFields }, { weight: 1, arbitrary: bulky }), { maxLength: 60 }), (fields) => {
        const trace = traceOf(fields);
        expect(trace.hash()).toBe(referenceHash(trace.events));
      }),
      { numRuns: 50 },
    );
  });

  test('equal events give equal hashes, however their data was built', () => {
    fc.assert(
      fc.property(fc.array(eventFields, { maxLength: 30 }), (fields) => {
        const reversed = fields.map((field) => ({ ...field, ...(field.data === undefined ? {} : { data: reorderKeys(field.data, (keys) => [...keys].reverse()) as Record<string, unknown> }) }));
        expect(traceOf(reversed).hash()).toBe(traceOf(fields).hash());
        // An event object built by hand, keys in another order, hashes as the appended one does.
        const byHand = traceOf(fields).events.map((event) => reorderKeys(event, (keys) => [...keys].reverse()) as TraceEvent);
        expect(traceHash(byHand)).toBe(traceOf(fields).hash());
      }),
    );
  });

  test("data whose keys differ from the shape its kind had last (order, count, an undefined value, an inherited key) hashes as the reference does", () => {
    const inherited = Object.create({ extra: 1 }) as Record<string, unknown>;
    inherited.b = 2;
    inherited.a = 1;
    const shapes: Record<string, unknown>[] = [{ b: 2, a: 1 }, { a: 1, b: 2 }, { b: 2, a: 1, c: 3 }, { b: 2 }, { b: undefined, a: 1 }, { b: 2, a: undefined }, inherited, { b: 2, a: 1 }, { 10: 'x', 9: 'y', a: 1 }];
    const trace = new Trace();
    for (const [index, shape] of shapes.entries()) trace.append(index, 'p#1', 'same.kind', shape);
    expect(trace.hash()).toBe(referenceHash(trace.events));
  });

  test('a change to any one event changes the hash', () => {
    fc.assert(
      fc.property(fc.array(eventFields, { minLength: 1, maxLength: 30 }), fc.nat(), fc.constantFrom('t', 'pid', 'kind', 'data'), (fields, at, field) => {
        const index = at % fields.length;
        const original = fields[index] as (typeof fields)[number];
        const changed: { t: number; pid: string; kind: string; data?: Record<string, unknown> } = { ...original };
        if (field === 't') changed.t = original.t + 1;
        else if (field === 'pid') changed.pid = original.pid + "'";
        else if (field === 'kind') changed.kind = original.kind + '!';
        else changed.data = { ...original.data, '\u0000changed': true };
        const edited = fields.map((item, position) => (position === index ? changed : item));
        expect(traceOf(edited).hash()).not.toBe(traceOf(fields).hash());
      }),
    );
  });

  test('the hash of the same events is the same however many traces were hashed before (no cache leaks between traces)', () => {
    fc.assert(
      fc.property(fc.array(eventFields, { maxLength: 20 }), fc.array(fc.array(eventFields, { maxLength: 20 }), { maxLength: 5 }), (fields, others) => {
        const alone = traceOf(fields).hash();
        for (const other of others) traceOf(other).hash();
        expect(traceOf(fields).hash()).toBe(alone);
      }),
    );
  });
});
