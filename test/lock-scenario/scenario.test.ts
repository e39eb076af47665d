/**
 * The `lock` scenario: deterministic, passing under default faults on every backend, and catching
 * each broken lock (and the resource without fencing) at a known seed with the invariant it breaks.
 */
import { describe, expect, test } from 'vitest';
import { checkDeterminism } from '../../src/scenario/determinism.js';
import { runScenario, type RunResult } from '../../src/scenario/run.js';
import lockScenario from '../../scenarios/lock.js';
import { checkLeaseExclusion, lockHistoryFromTrace } from '../../src/check/lock/index.js';

function describeFailure(result: RunResult): string {
  const detail = result.status === 'harness-error' ? result.error.message : result.violations.slice(0, 3).map((v) => `${v.invariant}: ${v.message}`).join('; ');
  return `${result.replay} -> ${result.status}: ${detail}`;
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, index) => from + index);

describe('lock scenario', () => {
  test('one seed gives one trace hash; another seed gives another', async () => {
    const verdict = await checkDeterminism(lockScenario, { seed: 5 });
    expect(verdict.deterministic, verdict.message).toBe(true);
    const other = await runScenario(lockScenario, { seed: 6 });
    expect(other.traceHash).not.toBe(verdict.runs[0].traceHash);
  });

  test('the store is judged from its own answers: leases, renewals and releases are in the trace', async () => {
    const result = await runScenario(lockScenario, { seed: 1 });
    expect(result.status).toBe('passed');
    const kinds = new Set(result.trace.map((event) => event.kind));
    for (const kind of ['lease.granted', 'lease.renewed', 'lease.releasing', 'lease.released', 'resource.write']) expect(kinds).toContain(kind);
    // Faults did their work: some holder lost a lease and the fence refused it at least once over a few seeds.
    expect(result.trace.some((event) => event.kind.startsWith('fault.'))).toBe(true);
  });

  // Breadth over seeds is `simrun check`'s job (the nightly sweeps 10 000 seeds per scenario); here
  // enough seeds per backend that faults strike often and a fence refuses a lost holder (asserted).
  test.each(['memory', 'file', 'sqlite'])('50 seeds pass with default faults on the %s lock', async (lock) => {
    const failed: string[] = [];
    let refused = 0;
    for (const seed of range(1, 50)) {
      const result = await runScenario(lockScenario, { seed, params: { lock } });
      if (result.status !== 'passed') failed.push(describeFailure(result));
      refused += result.trace.filter((event) => event.kind === 'resource.write' && event.data?.accepted === false).length;
    }
    expect(failed).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });

  test.each([
    ['release-without-owner-check', 4, 'lease-exclusion'],
    ['renew-after-expiry', 3, 'lease-contract'],
    ['no-token-bump-on-takeover', 1, 'lease-contract'],
    ['check-then-create-file', 1, 'lease-contract'],
    ['caller-clock-expiry', 1, 'lease-exclusion'],
    ['no-fencing', 2, 'fencing'],
    ['skew-margin-wrong-sign', 1, 'lease-exclusion'],
  ])('the %s mutant is caught at seed %i by %s', async (mutant, seed, invariant) => {
    const result = await runScenario(lockScenario, { seed, mutant });
    expect(result.status).toBe('violated');
    expect(result.violations.map((violation) => violation.invariant)).toContain(invariant);
    // The same seed without the mutant passes: the flaw, not the faults, broke it.
    expect((await runScenario(lockScenario, { seed })).status).toBe('passed');
  });

  test('skew-margin-wrong-sign overlaps by less than twice the skew: the exact judgement catches it, the old forgiveness could not', async () => {
    const result = await runScenario(lockScenario, { seed: 1, mutant: 'skew-margin-wrong-sign' });
    const overlaps = result.violations.filter((violation) => violation.invariant === 'lease-exclusion');
    expect(overlaps.length).toBeGreaterThan(0);
    // Every overlap is shorter than a quarter lease (the wrong-signed margin), far inside twice the largest skew.
    for (const violation of overlaps) expect(Number(/still had (\d+) ms left/.exec(violation.message)?.[1])).toBeLessThanOrEqual(250);
    const history = lockHistoryFromTrace(result.trace, { expiryClock: 'caller' });
    expect(checkLeaseExclusion(history, { toleranceMs: 2 * 2_000 })).toEqual([]);
  });
});
