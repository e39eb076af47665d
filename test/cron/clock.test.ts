/**
 * Whose clock judges lock expiry. A leader runs a task longer than the period, renewing its 30 s
 * lease every 10 s; then another server's clock jumps ahead. Judged by the callers' own clocks, the
 * other server sees the live lease as expired once its clock is ahead by more than two thirds of the
 * lease (20 s, the documented bound) and starts a run while the leader's is in progress. Judged by the
 * database's clock (the world's true clock here), the same skew changes nothing.
 */
import { describe, expect, test } from 'vitest';
import { runScenario } from '../../src/scenario/run.js';
import cronLeader from '../../scenarios/cron-leader.js';

const params = { servers: 2, hours: 1, taskMsMin: 100_000, taskMsMax: 100_000, lockAtMostForMs: 30_000 };

/** server-1 runs slightly fast so it leads from the first tick; at 70 s server-2's clock jumps ahead. */
function planWithSkew(skewMs: number): unknown[] {
  return [
    { at: 0, kind: 'skew', target: 'server-1', ms: 1_000 },
    { at: 70_000, kind: 'skew', target: 'server-2', ms: skewMs },
  ];
}

async function verdict(lock: string, lockClock: string, skewMs: number): Promise<{ status: string; invariants: string[] }> {
  const result = await runScenario(cronLeader, { seed: 1, params: { ...params, lock, lockClock }, plan: planWithSkew(skewMs) });
  return { status: result.status, invariants: [...new Set(result.violations.map((v) => v.invariant))] };
}

describe('expiry judged by the callers clocks vs by the database clock', () => {
  test.each(['memory', 'sqlite'])('%s: skew beyond the bound breaks caller-clock expiry; the database clock holds', async (lock) => {
    expect(await verdict(lock, 'caller', 40_000)).toEqual({ status: 'violated', invariants: ['runs-never-overlap'] });
    expect(await verdict(lock, 'database', 40_000)).toEqual({ status: 'passed', invariants: [] });
  });

  test.each(['memory', 'sqlite'])('%s: skew within the bound is safe with either clock', async (lock) => {
    expect(await verdict(lock, 'caller', 15_000)).toEqual({ status: 'passed', invariants: [] });
    expect(await verdict(lock, 'database', 15_000)).toEqual({ status: 'passed', invariants: [] });
  });

  test('the file lock judges by the callers clocks, so it has the same bound', async () => {
    expect((await verdict('file', 'database', 40_000)).invariants).toEqual(['runs-never-overlap']);
  });
});
