/**
 * The determinism check: a deterministic scenario passes with one hash; a deliberately leaky one is
 * caught, and the verdict names the first event at which the two runs part, not just two hashes.
 */
import { describe, expect, test } from 'vitest';
import counter from '../fixtures/counter-scenario.js';
import leaky from '../fixtures/leaky-scenario.js';
import { checkDeterminism } from '../../src/scenario/determinism.js';
import { describeDivergence, firstDivergence } from '../../src/sim/trace-diff.js';
import { stableStringify, Trace, traceHash } from '../../src/sim/trace.js';
import { runScenario } from '../../src/scenario/run.js';
import { runSeedTask } from '../../src/scenario/seed-run.js';

describe('checkDeterminism', () => {
  test('a deterministic scenario: two runs, one trace', async () => {
    const verdict = await checkDeterminism(counter, { seed: 3, params: { workers: 3 } });
    expect(verdict.deterministic, verdict.message).toBe(true);
    expect(verdict.divergence).toBeUndefined();
    expect(verdict.runs[1].traceHash).toBe(verdict.runs[0].traceHash);
    expect(verdict.message).toBe(`scenario 'counter' seed 3: two runs, one trace (${verdict.runs[0].trace.length} events, hash ${verdict.runs[0].traceHash})`);
  });

  test('a nondeterministic scenario: the verdict names the first diverging event of each run', async () => {
    const verdict = await checkDeterminism(leaky, { seed: 1 });
    expect(verdict.deterministic).toBe(false);
    const [first, second] = verdict.runs;
    // The runs agree on everything before the leak.
    const index = first.trace.findIndex((event) => event.kind === 'leaky.run');
    expect(index).toBeGreaterThan(3);
    expect(second.trace.slice(0, index)).toEqual(first.trace.slice(0, index));
    expect(verdict.divergence?.index).toBe(index);
    // The same event in both runs, with the count the first run left behind.
    const { a, b } = verdict.divergence ?? {};
    expect([a?.kind, b?.kind]).toEqual(['leaky.run', 'leaky.run']);
    expect((b?.data as { run: number }).run).toBe((a?.data as { run: number }).run + 1);
    expect(verdict.message).toBe(
      `scenario 'leaky' seed 1 is not deterministic: first divergence at event #${index}: ${stableStringify(first.trace[index])} vs ${stableStringify(second.trace[index])} (trace hashes ${first.traceHash} vs ${second.traceHash})`,
    );
  });
});

describe('the trace hash of a run', () => {
  test('is worked out when read: the hash of the trace, the same each time, and in the result as JSON', async () => {
    const result = await runScenario(counter, { seed: 4, params: { workers: 2 } });
    const hash = traceHash(result.trace);
    expect(result.traceHash).toBe(hash);
    expect(result.traceHash).toBe(hash);
    expect((JSON.parse(JSON.stringify(result)) as { traceHash: string }).traceHash).toBe(hash);
    expect({ ...result }.traceHash).toBe(hash);
  });

  test("a campaign's seed run carries it for a failure, or when its task asks", async () => {
    const task = { scenario: 'lock', seed: 1, params: {}, swarm: false };
    expect((await runSeedTask(task)).traceHash).toBeUndefined();
    const asked = await runSeedTask({ ...task, traceHash: true });
    expect(asked.traceHash).toBe((await runScenario((await import('../../scenarios/lock.js')).default, { seed: 1 })).traceHash);
    const failing = await runSeedTask({ ...task, mutant: 'no-fencing', seed: 2 });
    expect(failing.status).toBe('violated');
    expect(failing.traceHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('firstDivergence', () => {
  const trace = (events: [number, string, string, Record<string, unknown>?][]): Trace => {
    const built = new Trace();
    for (const [t, pid, kind, data] of events) built.append(t, pid, kind, data);
    return built;
  };

  test('the same events, however their data was built, do not diverge', () => {
    const a = trace([[0, 'w#1', 'x', { p: 1, q: 2 }], [5, 'w#1', 'y']]);
    const b = trace([[0, 'w#1', 'x', { q: 2, p: 1 }], [5, 'w#1', 'y']]);
    expect(firstDivergence(a.events, b.events)).toBeUndefined();
  });

  test('names the first event that differs in time, process, kind or data', () => {
    const a = trace([[0, 'w#1', 'x'], [5, 'w#1', 'y', { n: 1 }], [7, 'w#1', 'z']]);
    const b = trace([[0, 'w#1', 'x'], [6, 'w#1', 'y', { n: 1 }], [7, 'w#1', 'q']]);
    const divergence = firstDivergence(a.events, b.events);
    expect(divergence).toEqual({ index: 1, a: a.events[1], b: b.events[1] });
    expect(describeDivergence(divergence as NonNullable<typeof divergence>)).toBe(
      'first divergence at event #1: {"data":{"n":1},"kind":"y","pid":"w#1","seq":1,"t":5} vs {"data":{"n":1},"kind":"y","pid":"w#1","seq":1,"t":6}',
    );
  });

  test('when one trace is a prefix of the other, the divergence is where the shorter one ends', () => {
    const short = trace([[0, 'w#1', 'x']]);
    const long = trace([[0, 'w#1', 'x'], [1, 'w#1', 'extra']]);
    const divergence = firstDivergence(short.events, long.events);
    expect(divergence).toEqual({ index: 1, b: long.events[1] });
    expect(describeDivergence(divergence as NonNullable<typeof divergence>)).toBe('first divergence at event #1: (end of trace) vs {"kind":"extra","pid":"w#1","seq":1,"t":1}');
    expect(firstDivergence(long.events, short.events)).toEqual({ index: 1, a: long.events[1] });
  });
});
