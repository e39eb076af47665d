/**
 * The `client-jobs` scenario: deterministic, passing under default faults on every lock backend, and
 * catching each of its mutants.
 */
import { describe, expect, test } from 'vitest';
import { checkDeterminism } from '../../src/scenario/determinism.js';
import { runScenario, type RunResult } from '../../src/scenario/run.js';
import { clientJobsMutants } from '../../src/systems/client-jobs/index.js';
import clientJobs from '../../scenarios/client-jobs.js';

const SEEDS = Array.from({ length: 100 }, (_, seed) => seed);

function describeFailure(result: RunResult): string {
  const detail = result.status === 'harness-error' ? result.error.message : result.violations.map((v) => `${v.invariant}: ${v.message}`).join('; ');
  return `${result.replay} -> ${result.status}: ${detail}`;
}

async function failures(params: Record<string, unknown>, seeds: readonly number[]): Promise<string[]> {
  const failed: string[] = [];
  for (const seed of seeds) {
    const result = await runScenario(clientJobs, { seed, params });
    if (result.status !== 'passed') failed.push(describeFailure(result));
  }
  return failed;
}

/** The first seed below `limit` at which the mutant is caught, and by which invariants. */
async function firstCatch(scenario: typeof clientJobs, mutant: string, params: Record<string, unknown>, limit = 50): Promise<{ seed: number; invariants: string[] } | undefined> {
  for (let seed = 0; seed < limit; seed += 1) {
    const result = await runScenario(scenario, { seed, params, mutant });
    if (result.status === 'violated') return { seed, invariants: [...new Set(result.violations.map((v) => v.invariant))] };
  }
  return undefined;
}

describe('client-jobs scenario', () => {
  test('one seed gives one trace hash; another seed gives another', async () => {
    const verdict = await checkDeterminism(clientJobs, { seed: 4242, params: { clients: 2, lock: 'file' } });
    expect(verdict.deterministic, verdict.message).toBe(true);
    const other = await runScenario(clientJobs, { seed: 4243, params: { clients: 2, lock: 'file' } });
    expect(other.traceHash).not.toBe(verdict.runs[0].traceHash);
  });

  test('the seed case runs: five jobs, some crash, the output holds exactly the successful ones', async () => {
    const result = await runScenario(clientJobs, { seed: 3, params: { crashRate: 0.5 }, plan: [] });
    expect(result.status).toBe('passed');
    const reports = result.trace.filter((event) => event.kind === 'client-job.succeeded' || event.kind === 'client-job.failed');
    expect(reports).toHaveLength(5);
    expect(reports.some((event) => event.kind === 'client-job.failed')).toBe(true);
    expect(result.trace.some((event) => event.kind === 'client-job.recovered')).toBe(true);
  });

  test.each(['memory', 'file', 'sqlite'])('100 seeds pass with default faults on the %s lock', async (lock) => {
    expect(await failures({ lock }, SEEDS)).toEqual([]);
  });

  test('three clients x 5 jobs pass 50 seeds on the file lock', async () => {
    expect(await failures({ lock: 'file', clients: 3 }, SEEDS.slice(0, 50))).toEqual([]);
  });

  test('a crash of the whole process mid-text is rolled back by the rerun', async () => {
    // acme-job-1 holds the lock from time 0; it dies mid-text and its supervisor reruns it.
    const result = await runScenario(clientJobs, {
      seed: 9,
      params: { crashRate: 0 },
      plan: [
        { at: 700, kind: 'crash', target: 'acme-job-1' },
        { at: 900, kind: 'restart', target: 'acme-job-1' },
      ],
    });
    expect(describeFailure(result)).toContain('passed');
    const recovered = result.trace.filter((event) => event.kind === 'client-job.recovered');
    expect(recovered.length).toBeGreaterThan(0);
    expect(recovered[0]?.data?.crashedJob).toBe('acme-job-1#1');
  });

  test.each([
    ['no-lock', ['one-job-per-client', 'output-whole-texts']],
    ['partial-text-kept', ['output-whole-texts']],
    ['crash-blocks-queue', ['every-job-reported']],
    ['backoff-order', ['first-queued-first-run']],
  ])('mutant %s is caught by %j', async (mutant, invariants) => {
    expect(Object.keys(clientJobs.mutants ?? {})).toContain(mutant);
    const caught = await firstCatch(clientJobs, mutant, {});
    expect(caught, `${mutant} not caught in 50 seeds`).toBeDefined();
    // Caught by the invariant that describes the flaw, whichever else also broke.
    expect(caught?.invariants.some((name) => invariants.includes(name)), `caught by ${caught?.invariants.join(', ')}`).toBe(true);
  });

  test('mutant global-lock (clients wait for each other) is caught by clients-in-parallel with two clients', async () => {
    const withGlobalLock = { ...clientJobs, mutants: { ...clientJobs.mutants, 'global-lock': clientJobsMutants['global-lock'].flaw } };
    const caught = await firstCatch(withGlobalLock, 'global-lock', { clients: 2 });
    expect(caught?.invariants).toEqual(['clients-in-parallel']);
  });
});
