/** The bucket system's pure parts: names, the input format and its ETL, the statistics. */
import { describe, expect, it } from 'vitest';
import { expectedOutput } from '../../src/check/bucket/expected-output.js';
import { judgeInput, renderInput, toTsv } from '../../src/systems/bucket/input-format.js';
import { classifyEntry, entryTypeOfReadError, inputNameAt, outputName, timeOfInputName } from '../../src/systems/bucket/layout.js';
import { Decimal } from '../../src/systems/bucket/decimal.js';
import { formatStatsLine, parseStatsLine, RollingStats } from '../../src/systems/bucket/stats.js';
import { Prng } from '../../src/sim/prng.js';

describe('file names', () => {
  it('name a UTC time the way the seed does, and read it back', () => {
    const ms = Date.UTC(2020, 7, 18, 2, 15);
    expect(inputNameAt(ms)).toBe('2020_08_18_02_15.txt');
    expect(timeOfInputName('2020_08_18_02_15.txt')).toBe(ms);
    expect(outputName('2020_08_18_02_15.txt')).toBe('2020_08_18_02_15.tsv');
  });

  it('agree with Date on every 15 minutes across leap days and year ends', () => {
    for (let ms = Date.UTC(1999, 11, 31, 0, 0); ms < Date.UTC(2001, 0, 2); ms += 15 * 60_000 * 37) {
      const date = new Date(ms);
      const expected = `${date.getUTCFullYear()}_${pad(date.getUTCMonth() + 1)}_${pad(date.getUTCDate())}_${pad(date.getUTCHours())}_${pad(date.getUTCMinutes())}.txt`;
      expect(inputNameAt(ms)).toBe(expected);
      expect(timeOfInputName(expected)).toBe(ms - (ms % 60_000));
    }
  });

  it('tell inputs from the system\'s own entries, hidden files and strangers', () => {
    expect(classifyEntry('2020_08_18_02_15.txt')).toBe('input');
    expect(classifyEntry('processed')).toBe('own');
    expect(classifyEntry('.part-2020_08_18_02_15.txt')).toBe('hidden');
    expect(classifyEntry('notes.txt')).toBe('foreign');
    expect(classifyEntry('2020_02_30_00_00.txt')).toBe('foreign');
    expect(classifyEntry('2020_08_18_24_00.txt')).toBe('foreign');
  });

  it('count an input only when it is a regular file, one rule for the worker and the verifier', () => {
    expect(classifyEntry('2020_08_18_02_15.txt', 'file')).toBe('input');
    for (const type of ['directory', 'symlink', 'other', 'no-access'] as const) expect(classifyEntry('2020_08_18_02_15.txt', type), type).toBe('unreadable');
    // A name that is no input stays foreign (or own, or hidden) whatever it is.
    expect(classifyEntry('notes.txt', 'symlink')).toBe('foreign');
    expect(classifyEntry('output', 'directory')).toBe('own');
    expect(classifyEntry('.part-2020_08_18_02_15.txt', 'other')).toBe('hidden');
    // What a failed read says about the entry; transient and vanished-file errors say nothing.
    expect(['EISDIR', 'ELOOP', 'EFTYPE', 'EACCES', 'EIO', 'ENOENT', undefined].map(entryTypeOfReadError)).toEqual(['directory', 'symlink', 'other', 'no-access', undefined, undefined, undefined]);
  });
});

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

describe('the input format', () => {
  const records = [{ b: 'x\ty', a: 1, c: null }, { z: [1, 2], y: 'back\\slash\nline' }];
  const text = renderInput(12, records);

  it('is ready with its minutes and records once the end marker is there', () => {
    expect(judgeInput(text, false)).toEqual({ status: 'ready', minutes: 12, records });
  });

  it('is never ready with wrong content when cut anywhere short of the marker', () => {
    for (let cut = 0; cut < text.length - 1; cut += 1) {
      const verdict = judgeInput(text.slice(0, cut), false);
      expect(verdict.status, `cut at ${cut}`).toBe('incomplete');
    }
  });

  it('rejects a whole first line that is not a number at once, and waits on a partial one', () => {
    expect(judgeInput('twelve\n', false)).toEqual({ status: 'reject', reason: expect.stringContaining('not a number') });
    expect(judgeInput('1', false)).toEqual({ status: 'incomplete' });
    expect(judgeInput('-3\n#end\n', false).status).toBe('reject');
  });

  it('rejects a line that is not a JSON object', () => {
    expect(judgeInput('5\n[1,2]\n#end\n', false)).toEqual({ status: 'reject', reason: expect.stringContaining('line 2 is not a JSON object') });
    expect(judgeInput('5\n{"a":\n#end\n', false)).toEqual({ status: 'reject', reason: expect.stringContaining('line 2 is not valid JSON') });
  });

  it('takes a marker-less file (the seed\'s simulation.py writes just the number) once it has settled', () => {
    expect(judgeInput('15', false)).toEqual({ status: 'incomplete' });
    expect(judgeInput('15', true)).toEqual({ status: 'ready', minutes: 15, records: [] });
  });

  it('turns each record into one tab-separated row: keys sorted, strings escaped, null as \\N', () => {
    expect(toTsv(records)).toBe('1\tx\\ty\t\\N\nback\\\\slash\\nline\t[1,2]\n');
  });

  it('matches the checker\'s independent ETL on random records', () => {
    const prng = Prng.root('etl');
    for (let run = 0; run < 200; run += 1) {
      const random = Array.from({ length: prng.int(0, 4) }, () => ({ k: prng.int(0, 9), s: ['', 'a\tb', 'c\\d', 'e\r\nf', 'plain'][prng.int(0, 4)], n: prng.chance(0.3) ? null : prng.next(), o: { nested: true } }));
      expect(toTsv(random)).toBe(expectedOutput(renderInput(prng.int(0, 60), random)));
    }
  });
});

describe('statistics', () => {
  it('give the seed\'s example: 5, 6, 7, 8 then 9 is 30', () => {
    const stats = new RollingStats();
    for (const minutes of [5, 6, 7, 8]) stats.add(minutes);
    const snapshot = stats.add(9);
    expect(formatStatsLine(snapshot)).toBe('Files processed: 5, Total Time: 35, Sum of Squares: 30');
  });

  it('equal the naive sum over every file, whatever the sequence', () => {
    const prng = Prng.root('stats');
    const stats = new RollingStats();
    const seen: number[] = [];
    for (let index = 0; index < 500; index += 1) {
      const minutes = prng.int(0, 120);
      seen.push(minutes);
      const snapshot = stats.add(minutes);
      expect(snapshot.sumOfSquares.toNumber()).toBe(seen.reduce((sum, x) => sum + (x - minutes) ** 2, 0));
      expect(snapshot.totalTime.toNumber()).toBe(seen.reduce((sum, x) => sum + x, 0));
    }
  });

  it('are exact for whole minutes past 2^53 when squared: 100000000…100000004 is 30', () => {
    const stats = new RollingStats();
    for (const minutes of [100_000_000, 100_000_001, 100_000_002, 100_000_003]) stats.add(minutes);
    expect(formatStatsLine(stats.add(100_000_004))).toBe('Files processed: 5, Total Time: 500000010, Sum of Squares: 30');
  });

  it('are exact at the largest whole minutes a file may hold, against a naive BigInt sum', () => {
    const prng = Prng.root('big-stats');
    const stats = new RollingStats();
    const seen: bigint[] = [];
    for (let index = 0; index < 200; index += 1) {
      const minutes = 999_999_999_999_999 - prng.int(0, 1_000_000);
      seen.push(BigInt(minutes));
      const snapshot = stats.add(minutes);
      const latest = BigInt(minutes);
      expect(snapshot.sumOfSquares.toExactString()).toBe(String(seen.reduce((sum, x) => sum + (x - latest) ** 2n, 0n)));
      expect(snapshot.totalTime.toExactString()).toBe(String(seen.reduce((sum, x) => sum + x, 0n)));
    }
  });

  it('are exact for fractional minutes, rounding only when printed', () => {
    const stats = new RollingStats();
    for (const minutes of [0.1, 0.2, 0.3, 0.4]) stats.add(minutes);
    const snapshot = stats.add(0.5);
    // Doubles give 1.5000000000000002 and 0.30000000000000004 here.
    expect(snapshot.totalTime.toExactString()).toBe('1.5');
    expect(snapshot.sumOfSquares.toExactString()).toBe('0.3');
    const thirds = new RollingStats();
    for (const minutes of [1.0005, 1, 1, 1]) thirds.add(minutes);
    expect(formatStatsLine(thirds.add(1))).toBe('Files processed: 5, Total Time: 5.001, Sum of Squares: 0');
  });

  it('print fractions with at most 3 decimals, rounded half up, and read back', () => {
    const line = formatStatsLine({ filesProcessed: 5, totalTime: Decimal.of(12.5), sumOfSquares: Decimal.parse('0.3333333') as Decimal });
    expect(line).toBe('Files processed: 5, Total Time: 12.5, Sum of Squares: 0.333');
    expect(parseStatsLine(line)).toEqual({ filesProcessed: 5, totalTime: Decimal.of(12.5), sumOfSquares: Decimal.of(0.333) });
    expect((Decimal.parse('2.9995') as Decimal).toRounded(3)).toBe('3');
    expect((Decimal.parse('0.0004') as Decimal).toRounded(3)).toBe('0');
    expect(Decimal.of(1e-7).toExactString()).toBe('0.0000001');
    expect(Decimal.of(1.5e21).toExactString()).toBe('1500000000000000000000');
  });
});

describe('minutes', () => {
  it('are accepted up to 15 significant digits, below 10^15', () => {
    expect(judgeInput('999999999999999\n#end\n', false)).toMatchObject({ status: 'ready', minutes: 999_999_999_999_999 });
    expect(judgeInput('0.00000000000001\n#end\n', false)).toMatchObject({ status: 'ready', minutes: 1e-14 });
    expect(judgeInput('12345678901.2345\n#end\n', false)).toMatchObject({ status: 'ready', minutes: 12345678901.2345 });
  });

  it('are rejected, with the reason, past what is kept exactly', () => {
    for (const first of ['1000000000000000', '1.0000000000000001', '12345678901234567', '0.1234567890123456']) {
      const verdict = judgeInput(`${first}\n#end\n`, false);
      expect(verdict.status, first).toBe('reject');
      expect(verdict.status === 'reject' && verdict.reason).toContain('at most 15 significant digits');
    }
  });
});
