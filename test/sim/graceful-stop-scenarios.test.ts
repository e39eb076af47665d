/**
 * Every built-in scenario's long-running processes stop gracefully on SIGTERM, as the real commands
 * do: a plan's `term` on one of them (with the restart its supervisor brings) passes every invariant,
 * `graceful-stops` included, and the process exits on its own after the signal instead of dying of it.
 */
import { describe, expect, it } from 'vitest';
import bucket from '../../scenarios/bucket.js';
import clientJobs from '../../scenarios/client-jobs.js';
import cronLeader from '../../scenarios/cron-leader.js';
import dag from '../../scenarios/dag.js';
import lock from '../../scenarios/lock.js';
import { runScenario } from '../../src/scenario/run.js';
import type { Scenario } from '../../src/scenario/scenario.js';

interface Case {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a table of scenarios with different params and state
  readonly scenario: Scenario<any, any>;
  readonly target: string;
  readonly atMs: number;
  /** When the supervisor starts the stopped process again; none where an exit ends its work. */
  readonly restartAtMs?: number;
}

const CASES: readonly Case[] = [
  { scenario: bucket, target: 'worker-1', atMs: 600_000, restartAtMs: 660_000 },
  { scenario: lock, target: 'client-1', atMs: 5_000, restartAtMs: 6_000 },
  { scenario: cronLeader, target: 'server-1', atMs: 600_000, restartAtMs: 630_000 },
  { scenario: clientJobs, target: 'acme-job-1', atMs: 100 },
  { scenario: dag, target: 'dag-runner', atMs: 120_000, restartAtMs: 125_000 },
];

describe('a graceful stop of a built-in scenario process', () => {
  for (const { scenario, target, atMs, restartAtMs } of CASES) {
    it(`${scenario.name}: ${target} stopped with SIGTERM${restartAtMs === undefined ? '' : ' and restarted'} passes every invariant`, async () => {
      const plan = [{ at: atMs, kind: 'term', target }, ...(restartAtMs === undefined ? [] : [{ at: restartAtMs, kind: 'restart', target }])];
      const result = await runScenario(scenario, { seed: 1, plan });
      expect(result.violations).toEqual([]);
      expect(result.status).toBe('passed');
      const pid = `${target}#1`;
      const ofFirst = result.trace.filter((event) => event.pid === pid && event.kind.startsWith('process.'));
      const signal = ofFirst.find((event) => event.kind === 'process.signal');
      expect(signal?.data).toEqual({ signal: 'SIGTERM', handled: true });
      // It wound down and exited by itself after the signal: no crash, no failure.
      expect(ofFirst.map((event) => event.kind)).toEqual(['process.start', 'process.signal', 'process.exit']);
      const exit = ofFirst.at(-1);
      expect(exit?.t).toBeGreaterThanOrEqual(signal?.t ?? Number.POSITIVE_INFINITY);
      if (restartAtMs !== undefined) expect(result.trace.some((event) => event.pid === `${target}#2` && event.kind === 'process.start')).toBe(true);
    });
  }
});

describe('a bucket worker stopped in the middle of a file', () => {
  it('stops at once, leaves the file whole with its lease released, and another worker commits it exactly once', async () => {
    // Where worker-1 processes its first file in a run without faults: the stop comes a minute in.
    const quiet = await runScenario(bucket, { seed: 1, plan: [] });
    const started = quiet.trace.find((event) => event.pid === 'worker-1#1' && event.kind === 'bucket.process.start');
    const file = (started?.data as { file: string } | undefined)?.file;
    expect(file).toBeDefined();
    const atMs = (started?.t ?? 0) - quiet.epochMs + 60_000;
    const result = await runScenario(bucket, { seed: 1, plan: [{ at: atMs, kind: 'term', target: 'worker-1' }] });
    expect(result.violations).toEqual([]);
    const ofFirst = result.trace.filter((event) => event.pid === 'worker-1#1');
    const signal = ofFirst.find((event) => event.kind === 'process.signal');
    const exit = ofFirst.find((event) => event.kind === 'process.exit');
    // Not after the file's minutes of work: within the lease release's round trip.
    expect((exit?.t ?? Number.POSITIVE_INFINITY) - (signal?.t ?? 0)).toBeLessThan(1_000);
    expect(ofFirst.find((event) => event.kind === 'bucket.abandon')?.data).toMatchObject({ file, reason: 'stopped mid-file: left whole for another worker' });
    expect(ofFirst.some((event) => event.kind === 'bucket.commit' && (event.data as { file: string }).file === file)).toBe(false);
    const commits = result.trace.filter((event) => event.kind === 'bucket.commit' && (event.data as { file: string }).file === file);
    expect(commits.map((event) => event.pid)).toEqual([expect.stringMatching(/^worker-2#/)]);
  });
});
