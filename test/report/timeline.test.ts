import { describe, expect, test } from 'vitest';
import { deriveFiles } from '../../src/report/files.js';
import { deriveTimeline } from '../../src/report/timeline.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { HOSTILE_FILE, syntheticBucketRun } from './synthetic-run.js';

const EPOCH = 1_000_000;

/** A trace from `[t, pid, kind, data?]` rows, t in ms past the epoch. */
function trace(rows: readonly [number, string, string, Record<string, unknown>?][]): TraceEvent[] {
  return rows.map(([t, pid, kind, data], seq) => (data === undefined ? { seq, t: EPOCH + t, pid, kind } : { seq, t: EPOCH + t, pid, kind, data }));
}

describe('deriveTimeline', () => {
  const events = trace([
    [0, 'w-1#1', 'process.start'],
    [0, 'w-2#1', 'process.start'],
    [10, 'w-1#1', 'lock.acquired', { key: 'k', owner: 'w-1#1', token: 1, expiresAt: EPOCH + 510 }],
    [20, 'w-1#1', 'job.start', { file: 'a.txt' }],
    [50, 'world', 'fault.crash', { at: 50, kind: 'crash', target: 'w-1' }],
    [50, 'w-1#1', 'process.crash'],
    [60, 'w-1#2', 'process.start'],
    [100, 'w-2#1', 'process.pause', { ms: 40, untilMs: EPOCH + 140 }],
    [300, 'w-2#1', 'lock.acquired', { key: 'k', owner: 'w-2#1', token: 2, expiresAt: EPOCH + 800 }],
    [310, 'w-2#1', 'job.start', { file: 'b.txt' }],
    [330, 'w-2#1', 'job.end', { file: 'b.txt' }],
    [340, 'w-2#1', 'lock.released', { key: 'k', owner: 'w-2#1', token: 2 }],
    [400, 'w-2#1', 'process.exit'],
  ]);
  const model = deriveTimeline(events, EPOCH, 1000);

  test('one lane per incarnation, ended by what ended it, restarts marked', () => {
    expect(model.processes.map((lane) => [lane.pid, lane.start, lane.end, lane.endedBy])).toEqual([
      ['w-1#1', 0, 50, 'crash'],
      ['w-1#2', 60, 1000, 'horizon'],
      ['w-2#1', 0, 400, 'exit'],
    ]);
    expect(model.processes[1]?.marks.map((mark) => mark.kind)).toEqual(['restart']);
    expect(model.faults).toEqual([{ kind: 'fault', t: 50, seq: 4, label: 'crash w-1' }]);
  });

  test('a crash cuts the lock and the activity it was in the middle of', () => {
    const spans = model.processes[0]?.spans ?? [];
    expect(spans.map((span) => [span.kind, span.start, span.end, span.label, span.cut ?? false])).toEqual([
      ['lock', 10, 50, 'k #1', true],
      ['activity', 20, 50, 'a.txt', true],
    ]);
  });

  test('paired start and end events make an activity; a pause spans until it ends', () => {
    const spans = model.processes[2]?.spans ?? [];
    expect(spans.map((span) => [span.kind, span.start, span.end])).toEqual([
      ['paused', 100, 140],
      ['lock', 300, 340],
      ['activity', 310, 330],
    ]);
  });

  test('the lock lane shows each holder with its token, and the lease a crashed holder left until the next holder', () => {
    const lane = model.locks[0];
    expect(lane?.key).toBe('k');
    expect(lane?.segments.map((segment) => [segment.pid, segment.token, segment.start, segment.end, segment.endedBy, segment.overlap])).toEqual([
      ['w-1#1', 1, 10, 50, 'crashed', false],
      ['w-1#1', 1, 50, 300, 'orphaned', false],
      ['w-2#1', 2, 300, 340, 'released', false],
    ]);
  });

  test('two holders at once get separate rows and are flagged as overlapping', () => {
    const overlapping = deriveTimeline(
      trace([
        [0, 'a#1', 'lock.acquired', { key: 'k', token: 1 }],
        [5, 'b#1', 'lock.acquired', { key: 'k', token: 2 }],
        [10, 'a#1', 'lock.released', { key: 'k', token: 1 }],
        [20, 'b#1', 'lock.released', { key: 'k', token: 2 }],
      ]),
      EPOCH,
      30,
    );
    const lane = overlapping.locks[0];
    expect(lane?.rows).toBe(2);
    expect(lane?.segments.map((segment) => [segment.pid, segment.row, segment.overlap])).toEqual([
      ['a#1', 0, true],
      ['b#1', 1, true],
    ]);
  });

  test('a release that timed out still ends the holding: the next holder does not overlap it', () => {
    const timedOut = deriveTimeline(
      trace([
        [0, 'a#1', 'lock.acquired', { key: 'k', token: 1 }],
        [10, 'a#1', 'lock.error', { key: 'k', token: 1, op: 'release', error: 'LockCallError: timed out after it took effect' }],
        [12, 'b#1', 'lock.acquired', { key: 'k', token: 2 }],
        [20, 'b#1', 'lock.released', { key: 'k', token: 2 }],
      ]),
      EPOCH,
      30,
    );
    expect(timedOut.locks[0]?.segments.map((segment) => [segment.pid, segment.end, segment.endedBy, segment.overlap])).toEqual([
      ['a#1', 10, 'released', false],
      ['b#1', 20, 'released', false],
    ]);
    expect(timedOut.processes[0]?.spans.map((span) => [span.kind, span.end])).toEqual([['lock', 10]]);
  });
});

describe('deriveFiles', () => {
  test('a row per dropped file: named time, appearance, claims with tokens, attempts and commits', () => {
    const run = syntheticBucketRun({ events: 200, duplicate: true, hostile: true });
    const files = deriveFiles(run.trace, run.epochMs);
    const first = files[0];
    expect(first?.file).toBe('2020_08_18_00_00.txt');
    expect(first?.namedMs).toBe(0);
    expect(first?.appearedMs).toBeGreaterThan(0);
    expect(first?.claims).toEqual([expect.objectContaining({ pid: 'worker-1#1', token: 1 })]);
    expect(first?.attempts).toBe(1);
    expect(first?.state).toBe('committed');
    expect(files[3]?.file).toBe(HOSTILE_FILE);
    expect(files[3]?.namedMs).toBeUndefined();
    expect(files[5]?.state).toBe('duplicate');
    expect(files[5]?.commits).toHaveLength(2);
  });

  test('no bucket events, no rows', () => {
    expect(deriveFiles(trace([[0, 'w#1', 'process.start']]), EPOCH)).toEqual([]);
  });
});
