/**
 * Each client-jobs invariant fed a hand-made history: a good one passes, a bad one fails with a
 * message that names the problem.
 */
import { describe, expect, test } from 'vitest';
import {
  checkClientsInParallel,
  checkEveryJobReported,
  checkFirstQueuedFirstRun,
  checkOneJobPerClient,
  checkOutputWholeTexts,
  judgeClientOutput,
  type ClientJobsHistory,
  type JobAttempt,
} from '../../src/check/client-jobs/index.js';
import { WHOLE_TEXT } from '../../src/systems/client-jobs/index.js';

const expected = [1, 2, 3].map((job) => ({ client: 'acme', job, process: `acme-job-${job}` }));

function run(job: number, startedSeq: number, endedSeq: number, outcome: JobAttempt['outcome'] = 'succeeded', client = 'acme'): JobAttempt {
  return { client, job, pid: `${client}-job-${job}#1`, queuedAt: 0, startedAt: startedSeq * 10, startedSeq, endedAt: endedSeq * 10, endedSeq, outcome };
}

const good: ClientJobsHistory = {
  expected,
  attempts: [run(1, 1, 2), run(2, 3, 4, 'failed'), run(3, 5, 6)],
  outputs: [{ client: 'acme', path: '/out/acme.txt', content: WHOLE_TEXT.repeat(2) }],
};

describe('output-whole-texts', () => {
  test('k whole texts for k successes pass', () => {
    expect(checkOutputWholeTexts(good)).toEqual([]);
  });

  test('interleaved parts fail', () => {
    const content = 'Maestro isMaestro the best...... is the best......\n\n\n\n';
    const [violation] = checkOutputWholeTexts({ ...good, outputs: [{ client: 'acme', path: '/out/acme.txt', content }] });
    expect(violation?.message).toContain('text 1 (at character 0) is interleaved or partial text');
  });

  test("a crashed job's partial text fails", () => {
    const [violation] = checkOutputWholeTexts({ ...good, outputs: [{ client: 'acme', path: '/out/acme.txt', content: WHOLE_TEXT.repeat(2) + 'Maestro is' }] });
    expect(violation?.message).toContain('text 3 (at character 54) is a partial text at the end');
  });

  test('a lost text fails: fewer texts than successes', () => {
    const [violation] = checkOutputWholeTexts({ ...good, outputs: [{ client: 'acme', path: '/out/acme.txt', content: WHOLE_TEXT }] });
    expect(violation?.message).toBe('/out/acme.txt (client acme) holds 1 whole texts, but 2 jobs succeeded');
  });

  test('texts separated by one newline only fail', () => {
    expect(judgeClientOutput(WHOLE_TEXT.trimEnd() + '\n' + WHOLE_TEXT)).toMatchObject({ status: 'malformed', wholeTexts: 0 });
    expect(judgeClientOutput('')).toEqual({ status: 'well-formed', wholeTexts: 0 });
  });
});

describe('every-job-reported', () => {
  test('succeeded, failed and crashed jobs all count as reported', () => {
    expect(checkEveryJobReported({ ...good, attempts: [run(1, 1, 2), run(2, 3, 4, 'failed'), run(3, 5, 6, 'crashed')] })).toEqual([]);
  });

  test('a job still waiting at the end fails', () => {
    const waiting: JobAttempt = { client: 'acme', job: 3, pid: 'acme-job-3#1', queuedAt: 0, outcome: 'unfinished' };
    const violations = checkEveryJobReported({ ...good, attempts: [run(1, 1, 2), run(2, 3, 4), waiting] });
    expect(violations.map((v) => v.message)).toEqual(['job 3 of client acme (acme-job-3#1) never finished: still waiting for its turn at the end']);
  });

  test('a job that never started fails', () => {
    expect(checkEveryJobReported({ ...good, attempts: [run(1, 1, 2), run(2, 3, 4)] }).map((v) => v.message)).toEqual(['job 3 of client acme never started']);
  });

  test('the last attempt decides: a crash followed by a successful rerun is reported', () => {
    const rerun: JobAttempt = { ...run(3, 7, 8), pid: 'acme-job-3#2' };
    expect(checkEveryJobReported({ ...good, attempts: [run(1, 1, 2), run(2, 3, 4), run(3, 5, 6, 'crashed'), rerun] })).toEqual([]);
  });
});

describe('one-job-per-client', () => {
  test('back-to-back jobs pass', () => {
    expect(checkOneJobPerClient(good)).toEqual([]);
  });

  test('a job starting before the previous one ended fails', () => {
    const violations = checkOneJobPerClient({ ...good, attempts: [run(1, 1, 4), run(2, 3, 5), run(3, 6, 7)] });
    expect(violations).toHaveLength(1);
    expect(violations[0]?.message).toBe('client acme: job 2 (acme-job-2#1) started while job 1 (acme-job-1#1) was still running');
  });

  test('a job still running at the end overlaps any later start', () => {
    const running: JobAttempt = { client: 'acme', job: 1, pid: 'acme-job-1#1', queuedAt: 0, startedAt: 10, startedSeq: 1, outcome: 'unfinished' };
    expect(checkOneJobPerClient({ ...good, attempts: [running, run(2, 3, 4)] })).toHaveLength(1);
  });

  test('jobs of different clients may overlap', () => {
    expect(checkOneJobPerClient({ ...good, attempts: [run(1, 1, 4), run(1, 2, 5, 'succeeded', 'globex')] })).toEqual([]);
  });
});

describe('clients-in-parallel', () => {
  const bound = { baseToleranceMs: 100, perCrashToleranceMs: 1_000 };
  const acme = [run(1, 1, 10), run(2, 11, 20)];

  test('overlapping clients pass', () => {
    expect(checkClientsInParallel({ ...good, attempts: [...acme, run(1, 5, 15, 'succeeded', 'globex')] }, bound, 1_000)).toEqual([]);
  });

  test('two clients that took turns for a long time fail', () => {
    const globex = [run(1, 21, 30, 'succeeded', 'globex'), run(2, 31, 40, 'succeeded', 'globex')];
    const [violation] = checkClientsInParallel({ ...good, attempts: [...acme, ...globex] }, bound, 1_000);
    expect(violation?.message).toBe('clients acme and globex both had jobs waiting for 200 ms (more than 100 ms), yet none of their jobs ever ran at the same time');
  });

  test('a crash widens the tolerance: a lapsing lease may idle a client', () => {
    const globex = [run(1, 21, 30, 'crashed', 'globex'), run(2, 31, 40, 'succeeded', 'globex')];
    expect(checkClientsInParallel({ ...good, attempts: [...acme, ...globex] }, bound, 1_000)).toEqual([]);
  });
});

describe('first-queued-first-run', () => {
  /** Job `job` joined the line with `ticket` at trace position `inLineSeq`. */
  const inLine = (attempt: JobAttempt, ticket: number, inLineSeq: number, lostPlace = false): JobAttempt => ({ ...attempt, ticket, inLineSeq, lostPlace });

  test('jobs starting in ticket order pass', () => {
    expect(checkFirstQueuedFirstRun({ ...good, attempts: [inLine(run(1, 4, 5), 1, 1), inLine(run(2, 6, 7), 2, 2), inLine(run(3, 8, 9), 3, 3)] })).toEqual([]);
  });

  test('a job overtaking an earlier-queued job that was still waiting fails', () => {
    const violations = checkFirstQueuedFirstRun({ ...good, attempts: [inLine(run(1, 4, 5), 1, 1), inLine(run(2, 8, 9), 2, 2), inLine(run(3, 6, 7), 3, 3)] });
    expect(violations.map((v) => v.message)).toEqual(['client acme: job 3 (ticket 3) started while job 2 (ticket 2), queued before it, was still waiting']);
  });

  test('overtaking a job whose process died in line, or whose place lapsed, passes', () => {
    const died: JobAttempt = { ...inLine(run(2, 0, 5, 'crashed'), 2, 2), startedAt: undefined, startedSeq: undefined };
    expect(checkFirstQueuedFirstRun({ ...good, attempts: [inLine(run(1, 3, 4), 1, 1), died, inLine(run(3, 6, 7), 3, 3)] })).toEqual([]);
    expect(checkFirstQueuedFirstRun({ ...good, attempts: [inLine(run(1, 4, 5), 1, 1), inLine(run(2, 8, 9), 2, 2, true), inLine(run(3, 6, 7), 3, 3)] })).toEqual([]);
  });

  test("other clients' lines do not count", () => {
    expect(checkFirstQueuedFirstRun({ ...good, attempts: [inLine(run(1, 8, 9), 1, 1), inLine(run(1, 4, 5, 'succeeded', 'globex'), 2, 2)] })).toEqual([]);
  });
});
