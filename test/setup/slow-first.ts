/**
 * The order test files start in: the slowest first, so that the last minutes of a run are not one
 * long file on one worker while the other worker idles.
 *
 * Vitest orders by the durations it cached from the last run on this machine; a fresh clone (CI) has
 * none, and vitest falls back to file size, which puts many quick files ahead of the long real-process
 * ones. So the files that take longest (measured in CI; each runs real OS processes, campaigns or
 * browsers, or starts the CLI many times) start first, slowest first; every other file follows in
 * vitest's own order. A file missing from the list, or a name that no longer exists, only changes
 * when a file starts, never whether it runs.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SLOWEST_FIRST: readonly string[] = [
  'test/client-jobs/cli.test.ts',
  'test/real/campaign.test.ts',
  'test/hostile/cli.test.ts',
  'test/report/browser.test.ts',
  'test/cron/real-servers.test.ts',
  'test/real/dag.test.ts',
  'test/real/lock.test.ts',
  'test/dag/seed-requirements.test.ts',
  'test/bucket/real-processes.test.ts',
  'test/dag/lifecycle.test.ts',
  'test/dag/scenario.test.ts',
  'test/real/job-runner.test.ts',
  'test/job-runner/restart.test.ts',
  'test/cli/scenario.test.ts',
  'test/cli/json-errors.test.ts',
  'test/byo/consumer-project.test.ts',
  'test/real/client-jobs.test.ts',
  'test/real/pause.test.ts',
  'test/job-runner/cli.test.ts',
  'test/real/real-mutants.test.ts',
  'test/locks/real-processes.test.ts',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const index = SLOWEST_FIRST.findIndex((path) => file.moduleId.endsWith(`/${path}`));
      return index === -1 ? SLOWEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: files outside the list keep vitest's order among themselves.
    return ordered.sort((a, b) => rank(a) - rank(b));
  }
}
