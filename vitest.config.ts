import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

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
  },
});
