import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/setup/slow-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'scenarios/regressions/**/*.test.ts'],
    // fresh-build.ts: the CLI tests run bin/run.js, which loads dist/; it rebuilds dist/ when a source changed.
    globalSetup: ['test/setup/fresh-build.ts', 'test/setup/postgres.ts'],
    // Real OS processes and real databases take seconds, not milliseconds; nothing here is timed.
    testTimeout: 120_000,
    // One worker per core: the real-process tests (lease expiry under SIGSTOP, nemesis campaigns) are
    // judged on what really happened, and a third worker on two cores made them slow enough to take
    // other paths than the ones they assert.
    maxWorkers: availableParallelism(),
    hookTimeout: 120_000,
    // The slowest files start first, so the run does not end on one long file (test/setup/slow-first.ts).
    sequence: { sequencer: SlowFirstSequencer },
  },
});
