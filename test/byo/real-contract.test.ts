/**
 * `simrun lock-contract --real`: OS processes contend through the user's backend and their logged
 * sections are judged. The judge is fed bad histories; the real runs show a file-based backend kept
 * and an in-memory one (its "server" lives in each process) caught.
 */
import { describe, expect, test } from 'vitest';
import { judgeSections, sectionsOf } from '../../src/real/lock-contract/judge.js';
import { simrun } from '../cli/helpers.js';

const line = (owner: string, token: number, edge: 'start' | 'end', atMs: number): string => JSON.stringify({ owner, token, edge, atMs });

describe('the real-mode judge', () => {
  test('accepts sections that take turns with growing tokens', () => {
    const log = [line('a', 1, 'start', 0), line('a', 1, 'end', 10), line('b', 2, 'start', 10), line('b', 2, 'end', 20)].join('\n');
    expect(judgeSections(sectionsOf(log))).toEqual([]);
  });

  test('catches overlapping sections, even behind a short one, and a token that does not grow', () => {
    const log = [line('a', 5, 'start', 0), line('b', 6, 'start', 1), line('b', 6, 'end', 2), line('c', 3, 'start', 5), line('c', 3, 'end', 6), line('a', 5, 'end', 100)].join('\n');
    const problems = judgeSections(sectionsOf(log));
    expect(problems.map((problem) => problem.rule)).toEqual(['real-exclusion', 'real-tokens-increase']);
    expect(problems[0]?.message).toContain('b (token 6) entered at 1 while a (token 5) held the key until 100');
  });

  test('a section whose contender died stays open to the end of the log', () => {
    const log = [line('a', 1, 'start', 0), line('b', 2, 'start', 50), line('b', 2, 'end', 60)].join('\n');
    expect(judgeSections(sectionsOf(log)).map((problem) => problem.rule)).toEqual(['real-exclusion']);
  });
});

describe('lock-contract --real', () => {
  test('keeps a file-based backend across OS processes', () => {
    const run = simrun(['lock-contract', 'examples/lock-backend/file-lock.ts', '--runs', '0', '--real', '3', '--real-ms', '1500']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PASSED: \d+ critical sections by 3 processes/);
  });

  test('catches a backend whose shared state lives in each process', () => {
    const run = simrun(['lock-contract', 'examples/lock-backend/lease-server.ts', '--runs', '0', '--real', '3', '--real-ms', '1500']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('✗ real-exclusion');
  });
});
