/**
 * The bucket scenario as a whole: one seed replays bit for bit, the provider's careless writes are
 * survived, and each mutant in the catalogue is caught at a known seed by the invariant meant to
 * catch it (while the correct system passes that same seed).
 */
import { describe, expect, it } from 'vitest';
import bucket from '../../scenarios/bucket.js';
import { checkDeterminism } from '../../src/scenario/determinism.js';
import { runScenario } from '../../src/scenario/run.js';
import { failingSeeds } from './seeds.js';

describe('the bucket scenario', () => {
  it('replays a seed bit for bit, and different seeds differ', async () => {
    const verdict = await checkDeterminism(bucket, { seed: 42 });
    expect(verdict.deterministic, verdict.message).toBe(true);
    const [first] = verdict.runs;
    const other = await runScenario(bucket, { seed: 43 });
    expect(first.status).toBe('passed');
    expect(other.traceHash).not.toBe(first.traceHash);
  });

  it('drains every drop exactly once in the default run, with statistics printed', async () => {
    const result = await runScenario(bucket, { seed: 42 });
    const count = (kind: string) => result.trace.filter((event) => event.kind === kind).length;
    expect(count('bucket.drop')).toBe(24);
    expect(count('bucket.commit')).toBe(24);
    expect(count('bucket.done')).toBeGreaterThanOrEqual(24);
    expect(count('stdout')).toBeGreaterThanOrEqual(3);
    expect(result.trace.filter((event) => event.kind === 'stdout').every((event) => /^Files processed: \d+, Total Time: \d+, Sum of Squares: \d+$/.test(String(event.data?.line)))).toBe(true);
  });

  it('survives a provider that writes in place in two parts: workers see half files and never commit one', async () => {
    expect(await failingSeeds({ atomicWrites: false }, 1, 30)).toEqual([]);
    const halves = (await Promise.all([1, 2, 3, 4, 5].map((seed) => runScenario(bucket, { seed, params: { atomicWrites: false, pollMs: 500 } }))))
      .flatMap((result) => result.trace)
      .filter((event) => event.kind === 'bucket.incomplete');
    expect(halves.length).toBeGreaterThan(0);
  });

  it("the seed's own provider (number-only files written in place): passes, each file taken once settled, never half written", async () => {
    expect(await failingSeeds({ fileFormat: 'number-only', atomicWrites: false }, 1, 15)).toEqual([]);
    const result = await runScenario(bucket, { seed: 2, params: { fileFormat: 'number-only', atomicWrites: false, pollMs: 500 } });
    expect(result.trace.filter((event) => event.kind === 'bucket.incomplete').length).toBeGreaterThan(0);
    expect(result.trace.filter((event) => event.kind === 'bucket.commit').length).toBe(24);
  });

  it('rejects bad parameters and plans as input errors', async () => {
    await expect(runScenario(bucket, { seed: 1, params: { lock: 'carrier-pigeon' } })).rejects.toThrow(/parameter 'lock'/);
    await expect(runScenario(bucket, { seed: 1, params: { wrokers: 3 } })).rejects.toThrow(/unknown parameter/);
    await expect(runScenario(bucket, { seed: 1, plan: [{ at: 0, kind: 'lag', file: 2 }] })).rejects.toThrow("fault 0 (lag): field 'ms'");
  });

  it('replays a hand-written plan: a worker stalled past its lease is fenced off after a takeover', async () => {
    // worker-1 claims the first file and stalls for 2 minutes before its first request to the fence;
    // its 30 s lease lapses, worker-2 takes the file over, and the fence refuses worker-1's old token.
    const plan = [{ at: 900_000, kind: 'stall', target: 'worker-1', ms: 120_000 }];
    const result = await runScenario(bucket, { seed: 3, plan });
    expect(result.status).toBe('passed');
    const verdicts = result.trace.filter((event) => event.kind === 'bucket.fence' && event.data?.key === '2020_08_18_00_15.txt').map((event) => [event.data?.owner, event.data?.token, event.data?.outcome]);
    expect(verdicts.slice(0, 2)).toEqual([
      ['worker-2#1', 2, 'accepted'],
      ['worker-1#1', 1, 'refused'],
    ]);
    const unfenced = await runScenario(bucket, { seed: 3, plan, mutant: 'no-fencing' });
    expect(unfenced.violations.map((violation) => violation.message)).toEqual(['stale-token: key "2020_08_18_00_15.txt": token 1 accepted after token 2']);
  });
});

/** The seed's own provider: number-only files written in place, so a worker can see one half written. */
const _SEED_PROVIDER = { fileFormat: 'number-only', atomicWrites: false } as const;

/** Mutant → a seed that catches it (with default parameters and faults unless given), and the invariant that does. */
const CAUGHT_AT: ReadonlyArray<readonly [string, number, string, Record<string, unknown>?]> = [
  ['claim-list-then-move', 21, 'mutual-exclusion'],
  ['commit-not-idempotent', 3, 'exactly-once'],
  ['stats-last-5', 1, 'statistics'],
  ['no-takeover', 4, 'liveness'],
  ['no-fencing', 1, 'mutual-exclusion'],
  ['work-on-refused-claim', 1, 'refused-claim-not-worked'],
  ['ignore-lost-lease', 3, 'no-commit-after-loss'],
  ['commit-without-fence', 1, 'commit-through-fence'],
];

/** The single-layer mutants: the outcome invariants pass at their catching seed (the other layers mask them). */
const SINGLE_LAYER = new Set(['work-on-refused-claim', 'ignore-lost-lease', 'commit-without-fence']);
const OUTCOME_INVARIANTS = ['exactly-once', 'mutual-exclusion', 'statistics', 'liveness'];

describe.each(CAUGHT_AT)('mutant %s', (mutant, seed, invariant, params) => {
  it(`is caught at seed ${seed} by ${invariant}, where the correct system passes`, async () => {
    const caught = await runScenario(bucket, { seed, mutant, ...(params === undefined ? {} : { params }) });
    expect(caught.status).toBe('violated');
    expect(caught.violations.map((violation) => violation.invariant)).toContain(invariant);
    if (SINGLE_LAYER.has(mutant)) expect(caught.violations.filter((violation) => OUTCOME_INVARIANTS.includes(violation.invariant))).toEqual([]);
    if (params === undefined) expect(caught.replay).toBe(`simrun scenario bucket --seed ${seed} --mutant ${mutant}`);
    expect((await runScenario(bucket, { seed, ...(params === undefined ? {} : { params }) })).status).toBe('passed');
  });
});

it('every mutant in the catalogue has a known catching seed', () => {
  expect(CAUGHT_AT.map(([mutant]) => mutant).sort()).toEqual(Object.keys(bucket.mutants ?? {}).sort());
});
