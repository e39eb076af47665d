/**
 * Each bucket invariant, fed a good history (it passes) and a bad one (it fails with a message that
 * names the file or worker). Histories are written by hand, so the checkers are tested apart from
 * the system they judge.
 */
import { describe, expect, it } from 'vitest';
import { checkExactlyOnce, checkLiveness, checkMutualExclusion, checkStatistics, checkWholeInput, readBucketVolume } from '../../src/check/bucket/index.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { World } from '../../src/sim/world.js';
import { renderInput, toTsv } from '../../src/systems/bucket/input-format.js';

const A = '2020_08_18_00_15.txt';
const B = '2020_08_18_00_30.txt';
const RECORDS = [{ id: 1, v: 'x' }];

/** A trace from `[t, pid, kind, data]` rows. */
function history(rows: ReadonlyArray<readonly [number, string, string, Record<string, unknown>?]>): TraceEvent[] {
  return rows.map(([t, pid, kind, data], seq) => ({ seq, t, pid, kind, ...(data === undefined ? {} : { data }) }));
}

/** A bucket volume: `files` maps a path under /bucket to its content. */
async function volume(files: Record<string, string>) {
  const world = new World({ seed: 1 });
  for (const dir of ['/bucket/output', '/bucket/processed', '/bucket/rejected']) await world.fs.mkdir(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) await world.fs.writeFile(`/bucket/${path}`, content);
  return readBucketVolume(world.fs, '/bucket');
}

const input = renderInput(3, RECORDS);
const output = toTsv(RECORDS);
const dropA: [number, string, string, Record<string, unknown>] = [100, 'provider#1', 'bucket.drop', { file: A, minutes: 3 }];

describe('exactly-once', () => {
  it('passes one commit with the right output', async () => {
    const trace = history([dropA, [200, 'worker-1#1', 'bucket.commit', { file: A, token: 1, minutes: 3 }]]);
    expect(await checkExactlyOnce(trace, await volume({ [`processed/${A}`]: input, 'output/2020_08_18_00_15.tsv': output }))).toEqual([]);
  });

  it('fails a file committed twice', async () => {
    const trace = history([
      dropA,
      [200, 'worker-1#1', 'bucket.commit', { file: A, token: 1, minutes: 3 }],
      [300, 'worker-2#1', 'bucket.commit', { file: A, token: 2, minutes: 3 }],
    ]);
    const violations = await checkExactlyOnce(trace, await volume({ [`processed/${A}`]: input, 'output/2020_08_18_00_15.tsv': output }));
    expect(violations.map((violation) => violation.message)).toEqual([`${A} was committed 2 times: by worker-1#1 (token 1), worker-2#1 (token 2)`]);
    expect(violations[0]).toMatchObject({ atMs: 300, eventSeq: 2, pid: 'worker-2#1' });
  });

  it('fails a lost input, an output without a commit, and a half-file output', async () => {
    const trace = history([dropA, [110, 'provider#1', 'bucket.drop', { file: B, minutes: 3 }]]);
    const violations = await checkExactlyOnce(trace, await volume({ [`processed/${B}`]: input, 'output/2020_08_18_00_30.tsv': output.slice(0, 3) }));
    expect(violations.map((violation) => violation.message)).toEqual([
      `${A} was lost: its input is nowhere in the bucket`,
      `output for ${B} appeared without a traced commit`,
      `the output of ${B} is not the ETL of its input (3 bytes, expected ${output.length})`,
    ]);
  });

  it('fails an input marked done without an output', async () => {
    const violations = await checkExactlyOnce(history([dropA]), await volume({ [`processed/${A}`]: input }));
    expect(violations.map((violation) => violation.message)).toEqual([`${A} was marked done but has no output`]);
  });
});

describe('mutual-exclusion', () => {
  const fence = (t: number, token: number, owner: string, highestBefore: number, outcome = 'accepted'): [number, string, string, Record<string, unknown>] => [
    t,
    'fence',
    'bucket.fence',
    { key: A, token, owner, outcome, highestBefore, startSeq: t, endSeq: t, startMs: t, endMs: t },
  ];

  it('passes a stale token refused', () => {
    expect(checkMutualExclusion(history([fence(1, 1, 'worker-1#1', 0), fence(2, 2, 'worker-2#1', 1), fence(3, 1, 'worker-1#1', 2, 'refused')]))).toEqual([]);
  });

  it('fails a stale token admitted after a newer one', () => {
    const violations = checkMutualExclusion(history([fence(1, 1, 'worker-1#1', 0), fence(2, 2, 'worker-2#1', 1), fence(3, 1, 'worker-1#1', 2)]));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toMatch(/^stale-token: key "2020_08_18_00_15.txt": token 1 accepted after token 2/);
  });

  it('fails one token admitted for two workers', () => {
    const violations = checkMutualExclusion(history([fence(1, 0, 'worker-1#1', 0), fence(2, 0, 'worker-2#1', 0)]));
    expect(violations.map((violation) => violation.message)).toEqual([`token-reuse: key "${A}": token 0 accepted from both worker-1#1 and worker-2#1`]);
  });
});

describe('statistics', () => {
  const commits = (pid: string, minutes: number[], from = 0): Array<[number, string, string, Record<string, unknown>]> =>
    minutes.map((m, index) => [from + index, pid, 'bucket.commit', { file: `f${index}`, token: 1, minutes: m }]);
  const line = (t: number, pid: string, text: string): [number, string, string, Record<string, unknown>] => [t, pid, 'stdout', { line: text }];

  it('passes the seed\'s example', () => {
    expect(checkStatistics(history([...commits('worker-1#1', [5, 6, 7, 8, 9]), line(5, 'worker-1#1', 'Files processed: 5, Total Time: 35, Sum of Squares: 30')]))).toEqual([]);
  });

  it('fails a wrong sum of squares and names the minutes it used', () => {
    const trace = history([
      ...commits('worker-1#1', [5, 6, 7, 8, 9]),
      line(5, 'worker-1#1', 'Files processed: 5, Total Time: 35, Sum of Squares: 30'),
      ...commits('worker-1#1', [1, 2, 3, 4, 5], 6),
      line(11, 'worker-1#1', 'Files processed: 10, Total Time: 50, Sum of Squares: 10'),
    ]);
    expect(checkStatistics(trace).map((violation) => violation.message)).toEqual([
      'worker-1#1: printed "Files processed: 10, Total Time: 50, Sum of Squares: 10", expected "Files processed: 10, Total Time: 50, Sum of Squares: 60" (minutes committed: 5, 6, 7, 8, 9, 1, 2, 3, 4, 5)',
    ]);
  });

  it('keeps incarnations apart: a restarted worker starts from zero', () => {
    const trace = history([...commits('worker-1#1', [5, 6, 7]), ...commits('worker-1#2', [8, 9, 1, 1, 1], 3), line(8, 'worker-1#2', 'Files processed: 5, Total Time: 35, Sum of Squares: 30')]);
    expect(checkStatistics(trace).map((violation) => violation.message)).toEqual([
      'worker-1#2: printed "Files processed: 5, Total Time: 35, Sum of Squares: 30", expected "Files processed: 5, Total Time: 20, Sum of Squares: 113" (minutes committed: 8, 9, 1, 1, 1)',
    ]);
  });

  it('judges exactly past 2^53: 100000000…100000004 is 30, and 32 (what doubles give) fails', () => {
    const big = [100_000_000, 100_000_001, 100_000_002, 100_000_003, 100_000_004];
    expect(checkStatistics(history([...commits('worker-1#1', big), line(5, 'worker-1#1', 'Files processed: 5, Total Time: 500000010, Sum of Squares: 30')]))).toEqual([]);
    expect(checkStatistics(history([...commits('worker-1#1', big), line(5, 'worker-1#1', 'Files processed: 5, Total Time: 500000010, Sum of Squares: 32')])).map((violation) => violation.message)).toEqual([
      'worker-1#1: printed "Files processed: 5, Total Time: 500000010, Sum of Squares: 32", expected "Files processed: 5, Total Time: 500000010, Sum of Squares: 30" (minutes committed: 100000000, 100000001, 100000002, 100000003, 100000004)',
    ]);
  });

  it('judges fractions exactly, to the 3 decimals they print with', () => {
    const tenths = commits('worker-1#1', [0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(checkStatistics(history([...tenths, line(5, 'worker-1#1', 'Files processed: 5, Total Time: 1.5, Sum of Squares: 0.3')]))).toEqual([]);
    expect(checkStatistics(history([...tenths, line(5, 'worker-1#1', 'Files processed: 5, Total Time: 1.5, Sum of Squares: 0.301')]))).toHaveLength(1);
  });

  it('fails a missing line and a line printed too late', () => {
    expect(checkStatistics(history(commits('worker-2#1', [1, 1, 1, 1, 1]))).map((violation) => violation.message)).toEqual([
      'worker-2#1: committed 5 files but printed 0 statistics lines, expected 1',
    ]);
    const late = history([...commits('worker-2#1', [1, 1, 1, 1, 1, 1]), line(9, 'worker-2#1', 'Files processed: 5, Total Time: 5, Sum of Squares: 0')]);
    expect(checkStatistics(late).map((violation) => violation.message)).toEqual(['worker-2#1: the line for 5 files was not printed right after its 5th commit']);
  });
});

describe('liveness', () => {
  const lifetimes: Array<[number, string, string]> = [
    [0, 'worker-1#1', 'process.start'],
    [0, 'worker-2#1', 'process.start'],
  ];

  it('passes when every dropped file is done or rejected', async () => {
    const trace = history([...lifetimes, dropA, [110, 'provider#1', 'bucket.drop', { file: B, minutes: 3 }]]);
    const bucket = await volume({ [`processed/${A}`]: input, 'output/2020_08_18_00_15.tsv': output, [`rejected/${B}`]: 'x\n', [`rejected/${B}.reason`]: 'bad\n' });
    expect(checkLiveness(trace, bucket, { graceMs: 1_000, endMs: 10_000 })).toEqual([]);
  });

  it('fails a file still waiting long after its drop while workers ran', async () => {
    const violations = checkLiveness(history([...lifetimes, dropA]), await volume({ [A]: input }), { graceMs: 1_000, endMs: 10_000 });
    expect(violations.map((violation) => violation.message)).toEqual([
      `${A} is not done at the end of the run (still waiting in the bucket), although workers ran for 10 s after it was dropped (grace 1 s)`,
    ]);
  });

  it('excuses a file dropped within the grace, or while every worker was down', async () => {
    const bucket = await volume({ [A]: input });
    expect(checkLiveness(history([...lifetimes, dropA]), bucket, { graceMs: 20_000, endMs: 10_000 })).toEqual([]);
    const down = history([[0, 'worker-1#1', 'process.start'], [50, 'worker-1#1', 'process.crash'], dropA]);
    expect(checkLiveness(down, bucket, { graceMs: 1_000, endMs: 10_000 })).toEqual([]);
    const stopped = history([[0, 'worker-1#1', 'process.start'], [40, 'worker-1#1', 'process.signal', { signal: 'SIGTERM', handled: true }], [50, 'worker-1#1', 'process.exit'], dropA]);
    expect(checkLiveness(stopped, bucket, { graceMs: 1_000, endMs: 10_000 })).toEqual([]);
  });

  it('fails the files of workers that returned on their own, unstopped: they were meant to run to the end', async () => {
    const quit = history([[0, 'worker-1#1', 'process.start'], [50, 'worker-1#1', 'process.exit'], dropA]);
    const violations = checkLiveness(quit, await volume({ [A]: input }), { graceMs: 1_000, endMs: 10_000 });
    expect(violations.map((violation) => violation.message)).toEqual([
      `${A} is not done at the end of the run (still waiting in the bucket), although workers ran for 10 s after it was dropped (grace 1 s; worker-1#1 returned on its own, unstopped, and counts as running)`,
    ]);
  });
});

describe('whole-input', () => {
  const file = '2020_08_18_00_15.txt';
  const drop = [0, 'provider#1', 'bucket.drop', { file, index: 0, namedAtMs: 0, minutes: 12, rows: 0 }] as const;

  it('passes a commit with the minutes the file was dropped with', () => {
    expect(checkWholeInput(history([drop, [20_000, 'worker-1#1', 'bucket.commit', { file, token: 1, minutes: 12 }]]))).toEqual([]);
  });

  it('fails a commit of a number-only file read half written (1 of 12)', () => {
    const violations = checkWholeInput(history([drop, [1_000, 'worker-1#1', 'bucket.commit', { file, token: 1, minutes: 1 }]]));
    expect(violations.map((violation) => violation.message)).toEqual([`worker-1#1 committed ${file} with 1 minutes, but it was dropped with 12: it read the file before it was whole`]);
  });
});
