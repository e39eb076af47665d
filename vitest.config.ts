import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'scenarios/regressions/**/*.test.ts'],
    // fresh-build.ts: the CLI tests run bin/run.js, which loads dist/; it rebuilds dist/ when a source changed.
    globalSetup: ['test/setup/fresh-build.ts', 'test/setup/postgres.ts'],
    // Real OS processes and real databases take seconds, not milliseconds; nothing here is timed.
    testTimeout: 120_000,
    // Most test files spend their time waiting on real processes, databases and Chromium rather than
    // on a core, so one more worker than cores keeps the machine busy.
    maxWorkers: availableParallelism() + 1,
    hookTimeout: 120_000,
  },
});
