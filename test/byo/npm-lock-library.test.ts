/**
 * The unmodified npm library proper-lockfile as a lock backend (examples/npm-lock-library): loaded
 * through `load()`, its own `fs`, `Date` and timers are the simulated process's. Seeds without a
 * long pause or a skewed clock pass; the library's findings under the lock scenario (`stale` 3 s)
 * are caught with their messages, and a failing seed replays to the same trace hash in two OS
 * processes. Each finding is described in examples/npm-lock-library/README.md.
 */
import { describe, expect, test } from 'vitest';
import { simrun } from '../cli/helpers.js';

const BACKEND = 'examples/npm-lock-library/proper-lockfile.ts';

const lockSeed = (seed: number) => simrun(['scenario', 'lock', '--seed', String(seed), '--lock', BACKEND, '--set', 'ttlMs=3000']);

describe('examples/npm-lock-library: proper-lockfile, unmodified', () => {
  test('seeds 5-7 of the lock scenario pass: its file calls go through the simulated fs', () => {
    const run = simrun(['fuzz', 'lock', '--lock', BACKEND, '--set', 'ttlMs=3000', '--from', '5', '--runs', '3', '--workers', '1', '--no-shrink', '--out-dir', 'reports/npm-lock-library-test']);
    expect(run.stderr).not.toContain('MaxListenersExceededWarning');
    expect(run.stdout).toContain('PASSED: 3 runs');
    expect(run.status).toBe(0);
  });

  test('the bucket scenario with it as its lock: every file processed exactly once', () => {
    const run = simrun(['fuzz', 'bucket', '--lock', BACKEND, '--set', 'files=6', '--runs', '2', '--workers', '1', '--no-shrink', '--out-dir', 'reports/npm-lock-library-test']);
    expect(run.stdout).toContain('PASSED: 2 runs');
    expect(run.status).toBe(0);
  });

  test('a pause longer than stale gives two holders: caught at seed 4, the same trace hash in two processes', () => {
    const runs = [1, 2].map(() => lockSeed(4));
    for (const run of runs) {
      expect(run.status).toBe(1);
      // client-2 holds key-1 and is paused 4.7 s; client-3 finds the directory stale and takes it.
      expect(run.stdout).toContain('key "key-1": granted token 15 for client-3#1 while token 14 of client-2#1 still had 1132 ms left');
      // A release whose directory removal failed gave the lease up: the same client re-taking the
      // lapsed directory is not a grant over its own live lease.
      expect(run.stdout).not.toContain('while token 5 of client-3#1');
    }
    const hashes = runs.map((run) => /trace hash: ([0-9a-f]{64})/.exec(run.stdout)?.[1]);
    expect(hashes[0]).toBeDefined();
    expect(hashes[1]).toBe(hashes[0]);
  });

  test("unlock removes the lock directory without checking it is still its own: seed 2 frees another holder's lock", () => {
    const run = lockSeed(2);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('(the release by client-2#1 of token 2 at 00:00:11.577 freed token 7 held by client-3#1)');
    // The adapter's renewal answers from the library's own record, which learns of a takeover only at its next refresh.
    expect(run.stdout).toContain('key "key-1": renewed token 8 for client-1#1 while token 9 of client-2#1 still had 2961 ms left');
  });

  test('two holders bump the token counter together: seed 15 grants a token not above an earlier one', () => {
    const run = lockSeed(15);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('lease-contract');
    expect(run.stdout).toContain('key "key-1": token 9 granted to client-2#1, not above token 9 granted earlier to client-1#1');
  });

  test('a fresh lock directory carries the filesystem time: a holder whose clock runs ahead loses it early (seed 27)', () => {
    const run = lockSeed(27);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('key "key-2": granted token 4 for client-3#1 while token 3 of client-1#1 still had 362 ms left');
  });
});
