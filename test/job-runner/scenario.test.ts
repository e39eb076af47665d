/**
 * The `job-runner` scenario: many seeds pass under default faults, a seed replays to the same trace hash,
 * and every mutant it declares is caught at some seed.
 */
import { describe, expect, test } from 'vitest';
import { checkDeterminism } from '../../src/scenario/determinism.js';
import { runScenario } from '../../src/scenario/run.js';
import jobRunner from '../../scenarios/job-runner.js';

const SEEDS = 200;

describe('scenario job-runner', () => {
  test(`${SEEDS} seeds pass with the default faults`, { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    let jobCrashes = 0;
    let recoveries = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await runScenario(jobRunner, { seed });
      if (result.status !== 'passed') failures.push(`seed ${seed}: ${result.status} ${result.violations[0]?.message ?? ''}`);
      jobCrashes += result.trace.filter((event) => event.kind === 'sim-job.exit' && event.data?.signal === 'SIGKILL').length;
      recoveries += result.trace.filter((event) => event.kind === 'job.recovered').length;
    }
    expect(failures).toEqual([]);
    // The faults must have bitten: executing jobs killed under the runner, in many seeds.
    expect(jobCrashes).toBeGreaterThan(SEEDS / 2);
    // And runners crashed with unfinished jobs, which the restarted runners took up.
    expect(recoveries).toBeGreaterThan(SEEDS / 4);
  });

  test('the same seed gives the same trace hash; another seed a different one', async () => {
    const verdict = await checkDeterminism(jobRunner, { seed: 42 });
    expect(verdict.deterministic, verdict.message).toBe(true);
    const [first] = verdict.runs;
    const other = await runScenario(jobRunner, { seed: 43 });
    expect(other.traceHash).not.toBe(first.traceHash);
    expect(first.trace.filter((event) => event.kind === 'job.transition').length).toBeGreaterThan(0);
  });

  test.each(Object.keys(jobRunner.mutants ?? {}))('mutant %s is caught within 30 seeds', async (mutant) => {
    for (let seed = 1; seed <= 30; seed++) {
      const result = await runScenario(jobRunner, { seed, mutant });
      if (result.status === 'violated') {
        expect(result.violations[0]?.invariant).not.toBe('no-uncaught-errors');
        return;
      }
    }
    expect.fail(`mutant ${mutant} survived 30 seeds`);
  });
});
