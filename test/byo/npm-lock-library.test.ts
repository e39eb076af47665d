/**
 * The unmodified npm library proper-lockfile as a lock backend (examples/npm-lock-library): loaded
 * through `load()`, its own `fs`, `Date` and timers are the simulated process's. Under the lock
 * scenario with a short `stale`, a pause longer than it lets a second process take a lock the first
 * still believes it holds: simrun catches it (seed 15), and the seed replays to the same trace hash in
 * two OS processes.
 */
import { describe, expect, test } from 'vitest';
import { simrun } from '../cli/helpers.js';

const BACKEND = 'examples/npm-lock-library/proper-lockfile.ts';

describe('examples/npm-lock-library: proper-lockfile, unmodified', () => {
  test('a few seeds of the lock scenario pass: its file calls go through the simulated fs', () => {
    const run = simrun(['fuzz', 'lock', '--lock', BACKEND, '--set', 'ttlMs=3000', '--runs', '3', '--workers', '1', '--no-shrink', '--out-dir', 'reports/npm-lock-library-test']);
    expect(run.stderr).not.toContain('MaxListenersExceededWarning');
    expect(run.stdout).toContain('3 runs');
    expect(run.status).toBe(0);
  });

  test('the bucket scenario with it as its lock: every file processed exactly once', () => {
    const run = simrun(['fuzz', 'bucket', '--lock', BACKEND, '--set', 'files=6', '--runs', '2', '--workers', '1', '--no-shrink', '--out-dir', 'reports/npm-lock-library-test']);
    expect(run.stdout).toContain('PASSED: 2 runs');
    expect(run.status).toBe(0);
  });

  test('a pause longer than stale gives two holders: caught at seed 15, the same trace hash in two processes', () => {
    const runs = [1, 2].map(() => simrun(['scenario', 'lock', '--seed', '15', '--lock', BACKEND, '--set', 'ttlMs=3000']));
    for (const run of runs) {
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/lease-contract.*not above token/);
      // The library's own calls are traced as the process's file operations.
      expect(run.stdout).toMatch(/trace hash: [0-9a-f]{64}/);
    }
    const hashes = runs.map((run) => /trace hash: ([0-9a-f]+)/.exec(run.stdout)?.[1]);
    expect(hashes[0]).toBeDefined();
    expect(hashes[1]).toBe(hashes[0]);
  });
});
