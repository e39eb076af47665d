/**
 * The `cron-leader` scenario: deterministic, passing under default faults on every lock backend,
 * catching each of its mutants.
 */
import { describe, expect, test } from 'vitest';
import { checkDeterminism } from '../../src/scenario/determinism.js';
import { runScenario, type RunResult } from '../../src/scenario/run.js';
import { processName } from '../../src/sim/process-id.js';
import cronLeader from '../../scenarios/cron-leader.js';

function describeFailure(result: RunResult): string {
  const detail = result.status === 'harness-error' ? result.error.message : result.violations.slice(0, 3).map((v) => `${v.invariant}: ${v.message}`).join('; ');
  return `${result.replay} -> ${result.status}: ${detail}`;
}

async function failures(params: Record<string, unknown>, seeds: readonly number[]): Promise<string[]> {
  const failed: string[] = [];
  for (const seed of seeds) {
    const result = await runScenario(cronLeader, { seed, params });
    if (result.status !== 'passed') failed.push(describeFailure(result));
  }
  return failed;
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, index) => from + index);

describe('cron-leader scenario', () => {
  test('the task is a simulated command: each run logs its start and exit status; failing ones end the run failed', async () => {
    const result = await runScenario(cronLeader, { seed: 5, params: { hours: 2, commandFailureRate: 0.3 } });
    expect(describeFailure(result)).toContain('passed');
    const runs = result.trace.filter((event) => event.kind === 'cron.run.start');
    const exits = result.trace.filter((event) => event.kind === 'cron.command.exit');
    expect(result.trace.filter((event) => event.kind === 'cron.command.start')).toHaveLength(runs.length);
    expect(exits).toHaveLength(runs.length);
    const failed = exits.filter((event) => event.data?.exitCode === 1);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(exits.length);
    expect(result.trace.filter((event) => event.kind === 'cron.run.end' && event.data?.outcome === 'failed')).toHaveLength(failed.length);
  });

  test('one seed gives one trace hash; another seed gives another', async () => {
    const params = { hours: 3, lock: 'sqlite' };
    const verdict = await checkDeterminism(cronLeader, { seed: 99, params });
    expect(verdict.deterministic, verdict.message).toBe(true);
    const other = await runScenario(cronLeader, { seed: 100, params });
    expect(other.traceHash).not.toBe(verdict.runs[0].traceHash);
  });

  test('a quiet day: every tick from 00:01 to 23:59, each run exactly once, by a leader that keeps its lock', async () => {
    const result = await runScenario(cronLeader, { seed: 1, plan: [] });
    expect(result.status).toBe('passed');
    const runs = result.trace.filter((event) => event.kind === 'cron.run.start');
    expect(new Set(runs.map((event) => event.data?.tick)).size).toBe(runs.length);
    // 00:00 is the epoch itself (ticks are strictly after a server's start); 24:00 is the horizon.
    expect(runs.length).toBe(1439);
    const messages = new Set(result.trace.filter((event) => event.kind === 'cron.lock' || event.kind === 'cron.skip').map((event) => event.data?.message));
    expect([...messages].sort()).toEqual(['existing lock, updating expires_at', 'new lock', 'queue: the task is already running']);
  });

  // Breadth over seeds is `simrun check`'s job (the nightly sweeps 10 000 seeds per scenario); here
  // a few dozen seeds per backend, each 4 simulated hours of faults.
  test.each(['memory', 'file', 'sqlite'])('30 seeds of 4 simulated hours pass with default faults on the %s lock', async (lock) => {
    expect(await failures({ lock, hours: 4 }, range(0, 30))).toEqual([]);
  });

  test('full simulated days pass on every lock, with database and caller clocks', async () => {
    const failed = [
      ...(await failures({ lock: 'memory' }, range(1000, 4))),
      ...(await failures({ lock: 'sqlite', lockClock: 'caller' }, range(2000, 3))),
      ...(await failures({ lock: 'file' }, range(3000, 2))),
    ];
    expect(failed).toEqual([]);
  });

  test('a crash of the leader: the next ticks are missed only until its lock expires, then a new leader runs', async () => {
    const result = await runScenario(cronLeader, { seed: 5, params: { hours: 1, servers: 3 }, plan: [] });
    const runPid = result.trace.find((event) => event.kind === 'cron.run.start')?.pid;
    const leader = runPid === undefined ? undefined : processName(runPid);
    expect(leader).toBeDefined();
    const crashed = await runScenario(cronLeader, { seed: 5, params: { hours: 1, servers: 3 }, plan: [{ at: 600_500, kind: 'crash', target: leader! }] });
    expect(describeFailure(crashed)).toContain('passed');
    const newLeader = crashed.trace.find((event) => event.kind === 'cron.lock' && event.data?.message === 'new lock' && !event.pid.startsWith(leader!));
    expect(newLeader).toBeDefined();
    // The lock lapses within ttl (90 s) of the leader's last run at 10:00, so the new leader starts by 12:00.
    expect(newLeader!.t - crashed.epochMs).toBeLessThanOrEqual(12 * 60_000 + 5_000);
  });

  test.each([
    ['no-lock', 'tick-at-most-once'],
    ['release-after-run', 'tick-at-most-once'],
    ['lock-without-expiry', 'tick-at-least-once'],
    ['run-when-refused', 'command-by-leader'],
  ])('mutant %s is caught by %s', async (mutant, invariant) => {
    expect(Object.keys(cronLeader.mutants ?? {})).toContain(mutant);
    let caught: string[] | undefined;
    for (let seed = 0; seed < 30 && caught === undefined; seed += 1) {
      const result = await runScenario(cronLeader, { seed, params: { hours: 12 }, mutant });
      if (result.status === 'violated') caught = result.violations.map((v) => v.invariant);
    }
    expect(caught, `${mutant} not caught in 30 seeds`).toContain(invariant);
  });
});
