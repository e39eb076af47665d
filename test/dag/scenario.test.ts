/**
 * The `dag` scenario: many seeds pass under default faults, a seed replays to the same trace hash,
 * and every mutant it declares is caught at some seed.
 */
import { describe, expect, test } from 'vitest';
import { checkDeterminism } from '../../src/scenario/determinism.js';
import { runScenario } from '../../src/scenario/run.js';
import dag from '../../scenarios/dag.js';

const SEEDS = 100;

describe('scenario dag', () => {
  test(`${SEEDS} seeds pass with the default faults`, { timeout: 300_000 }, async () => {
    const failures: string[] = [];
    let crashes = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await runScenario(dag, { seed });
      if (result.status !== 'passed') failures.push(`seed ${seed}: ${result.status} ${result.violations[0]?.message ?? ''}`);
      if (result.trace.some((event) => event.kind === 'process.crash')) crashes += 1;
    }
    expect(failures).toEqual([]);
    // The faults must have bitten: runner crashes (and restarts from the run log) in many seeds.
    expect(crashes).toBeGreaterThan(SEEDS / 5);
  });

  test('the same seed gives the same trace hash; another seed a different one', async () => {
    const verdict = await checkDeterminism(dag, { seed: 42 });
    expect(verdict.deterministic, verdict.message).toBe(true);
    const [first] = verdict.runs;
    const other = await runScenario(dag, { seed: 43 });
    expect(other.traceHash).not.toBe(first.traceHash);
    expect(first.trace.filter((event) => event.kind === 'dag.job.start').length).toBeGreaterThan(0);
  });

  test.each(Object.keys(dag.mutants ?? {}))('mutant %s is caught within 100 seeds', { timeout: 120_000 }, async (mutant) => {
    // 100: the pipeline's limits (max_parallel, kill_after_ms) make some seeds' stories slower to show a
    // bug, and a command split by a crash (`command-piecemeal`) needs the one crash-in-call of a seed
    // to strike inside a command's rows, among all the runner's writes.
    for (let seed = 1; seed <= 100; seed++) {
      const result = await runScenario(dag, { seed, mutant });
      if (result.status === 'violated') {
        expect(result.violations[0]?.invariant).not.toBe('no-uncaught-errors');
        return;
      }
    }
    expect.fail(`mutant ${mutant} survived 100 seeds`);
  });
});
