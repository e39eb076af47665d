import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../src/env/log-line.js';
import { realEnv } from '../../src/env/real-env.js';

describe('parseLogLine', () => {
  it('reads back what realEnv writes, a data field named kind included', () => {
    const lines: string[] = [];
    const env = realEnv('worker-1', { logLine: (line) => lines.push(line) });
    env.log('dag.notify-failed', { kind: 'job-failed', job: 'load' });
    env.log('bucket.done');
    const [failed, done] = lines.map(parseLogLine);
    expect(failed).toMatchObject({ pid: 'worker-1', kind: 'dag.notify-failed', data: { kind: 'job-failed', job: 'load' } });
    expect(Number.isFinite(failed?.t)).toBe(true);
    expect(done).toEqual({ t: done?.t, pid: 'worker-1', kind: 'bucket.done' });
  });

  it('still reads the older flat lines, fields beside the kind', () => {
    expect(parseLogLine('{"t":"2020-08-18T00:00:00.000Z","pid":"w","kind":"bucket.claim","file":"a.txt","token":3}')).toEqual({
      t: Date.parse('2020-08-18T00:00:00.000Z'),
      pid: 'w',
      kind: 'bucket.claim',
      data: { file: 'a.txt', token: 3 },
    });
  });

  it('is undefined for a printed line, half a line, and JSON that is not an event', () => {
    expect(parseLogLine('Files processed: 5, Total Time: 10, Sum of Squares: 30')).toBeUndefined();
    expect(parseLogLine('{"t":"2020-08-18T00:00:00.000Z","pid":"w","ki')).toBeUndefined();
    expect(parseLogLine('{"kind":"x"}')).toBeUndefined();
    expect(parseLogLine('[1,2]')).toBeUndefined();
  });
});
