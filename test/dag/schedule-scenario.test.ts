/**
 * The `dag-schedule` scenario: seeds pass under default faults with many scheduled runs each, a seed
 * replays to the same trace hash, and each of its mutants is caught.
 */
import { describe, expect, test } from 'vitest';
import { checkDeterminism } from '../../src/scenario/determinism.js';
import { runScenario } from '../../src/scenario/run.js';
import dagSchedule from '../../scenarios/dag-schedule.js';

const SEEDS = 20;

describe('scenario dag-schedule', () => {
  test(`${SEEDS} seeds pass with the default faults, each with runs at its ticks`, { timeout: 300_000 }, async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await runScenario(dagSchedule, { seed });
      if (result.status !== 'passed') failures.push(`seed ${seed}: ${result.status} ${result.violations[0]?.message ?? ''}`);
      // Eight hours on a schedule of at most an hour: several runs, each one a new run id.
      const runs = result.trace.filter((event) => event.kind === 'dag.schedule.ran').length;
      if (runs < 4) failures.push(`seed ${seed}: only ${runs} runs`);
    }
    expect(failures).toEqual([]);
  });

  test('the same seed gives the same trace hash', async () => {
    const verdict = await checkDeterminism(dagSchedule, { seed: 7 });
    expect(verdict.deterministic, verdict.message).toBe(true);
  });

  test.each(Object.keys(dagSchedule.mutants ?? {}))('mutant %s is caught within 10 seeds', { timeout: 120_000 }, async (mutant) => {
    let caught: string | undefined;
    for (let seed = 1; seed <= 10 && caught === undefined; seed++) {
      const result = await runScenario(dagSchedule, { seed, mutant });
      if (result.status === 'violated') caught = result.violations[0]?.invariant;
    }
    expect(caught === 'scheduled-on-tick' || caught === 'new-run-runs-every-job', `caught by ${caught ?? 'nothing'}`).toBe(true);
  });
});
