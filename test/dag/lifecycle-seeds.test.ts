/**
 * The runner lifecycle under simulation, one regression seed per bug class: with the broken rule the
 * seed fails on the invariant that names the bug, with the shipped rules the same seed passes.
 * - no-runner-lease: a second `dag run` on the same store runs jobs the first is running;
 * - rerun-orphans: after a SIGKILL the next runner reruns a job whose process group still runs;
 * - stop-leaves-jobs: on SIGTERM the runner exits and leaves its jobs running, untracked.
 */
import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/scenario/run.js';
import dag from '../../scenarios/dag.js';

describe.each([
  ['no-runner-lease', 19, 'one-execution-per-job'],
  ['rerun-orphans', 2, 'one-execution-per-job'],
  ['stop-leaves-jobs', 2, 'stop-ends-jobs'],
])('mutant %s, seed %i', (mutant, seed, invariant) => {
  test(`fails ${invariant} with the mutant`, async () => {
    const result = await runScenario(dag, { seed, mutant });
    expect(result.status).toBe('violated');
    expect(result.violations.map((violation) => violation.invariant)).toContain(invariant);
  });

  test('passes with the shipped runner', async () => {
    const result = await runScenario(dag, { seed });
    expect(result.violations).toEqual([]);
    expect(result.status).toBe('passed');
  });
});

test('the simulation exercises the lifecycle: orphans ended, SIGTERM stops, a second runner refused, leases taken over', async () => {
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 20; seed++) for (const event of (await runScenario(dag, { seed })).trace) kinds.add(event.kind);
  for (const kind of ['dag.job.orphan', 'dag.runner.stopping', 'dag.runner.stopped', 'dag.runner.busy', 'dag.runner.took-over']) expect(kinds, kind).toContain(kind);
});
