/**
 * `simrun real SYSTEM`: the nemesis plan (drawn, validated, replayed), the merged trace, and short
 * real campaigns through the compiled CLI — passing on the shipped code, failing on a mutant. The
 * campaigns' verdicts do not depend on timing: the passing ones assert only what must hold under any
 * schedule, and each mutant is run under a plan that defeats it whatever the machine's speed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawRealPlan, parseRealPlan, type RealFaultSpace } from '../../src/real/campaign/plan.js';
import { eventsOfLog, mergeByTime } from '../../src/real/campaign/trace.js';
import { PlanError } from '../../src/sim/faults.js';
import { hasStackTrace, ROOT } from '../cli/helpers.js';

const SPACE: RealFaultSpace = {
  targets: ['worker-1', 'worker-2', 'worker-3'],
  windowMs: 3_000,
  rates: { kill: 1, term: 0.5, pause: 1.5 },
  pauseMsMin: 500,
  pauseMsMax: 2_500,
  restartAfterMsMin: 200,
  restartAfterMsMax: 1_500,
};

describe('the real nemesis plan', () => {
  it('is drawn from the seed alone, sorted, and gives every kill and graceful stop its restart', () => {
    expect(drawRealPlan(7, SPACE)).toEqual(drawRealPlan(7, SPACE));
    const plans = Array.from({ length: 20 }, (_, seed) => drawRealPlan(seed, SPACE));
    expect(new Set(plans.map((plan) => JSON.stringify(plan))).size).toBeGreaterThan(10);
    for (const plan of plans) {
      expect(plan.map((fault) => fault.at)).toEqual([...plan.map((fault) => fault.at)].sort((a, b) => a - b));
      const stops = plan.filter((fault) => fault.kind === 'kill' || fault.kind === 'term').length;
      expect(plan.filter((fault) => fault.kind === 'restart').length).toBe(stops);
      for (const fault of plan) {
        expect(SPACE.targets).toContain(fault.target);
        if (fault.kind === 'pause') expect(fault.ms).toBeGreaterThanOrEqual(500);
      }
    }
  });

  it('replays a plan file and refuses a bad one with one line naming the action and field', () => {
    const plan = [
      { at: 900, kind: 'restart', target: 'worker-1' },
      { at: 100, kind: 'pause', target: 'worker-2', ms: 700 },
    ];
    expect(parseRealPlan(plan, SPACE.targets).map((fault) => fault.at)).toEqual([100, 900]);
    expect(parseRealPlan({ faults: plan }, SPACE.targets)).toHaveLength(2);
    const refusal = (input: unknown): string => {
      try {
        parseRealPlan(input, SPACE.targets);
      } catch (error) {
        expect(error).toBeInstanceOf(PlanError);
        return (error as Error).message;
      }
      throw new Error('accepted a bad plan');
    };
    expect(refusal('kill')).toMatch(/must be a JSON list/);
    expect(refusal([{ at: 1, kind: 'partition', target: 'worker-1' }])).toBe("action 0: field 'kind': unknown kind 'partition' (known: kill, term, pause, restart, clock, sqlite-busy, pg-terminate, disk-full)");
    expect(refusal([{ at: 1, kind: 'pause', target: 'worker-1' }])).toBe("action 0 (pause): field 'ms': required: a duration in ms");
    expect(refusal([{ at: 1, kind: 'kill', target: 'worker-9' }])).toMatch(/field 'target': unknown process 'worker-9'/);
    expect(refusal([{ at: -5, kind: 'kill', target: 'worker-1' }])).toMatch(/field 'at'/);
    expect(refusal([{ at: 5, kind: 'kill', target: 'worker-1', signal: 9 }])).toMatch(/field 'signal': unknown field/);
  });
});

describe('the merged trace of a real run', () => {
  it('reads event lines and printed lines, skips a half line left by a kill, and keeps each source in order', () => {
    const log = [
      '{"t":"2026-01-01T00:00:01.000Z","pid":"worker-123","kind":"bucket.commit","file":"a.txt","token":3,"minutes":4}',
      'Files processed: 5, Total Time: 20, Sum of Squares: 10',
      '{"t":"2026-01-01T00:00:00.500Z","pid":"worker-123","kind":"bucket.done","file":"a.txt"}',
      '{"t":"2026-01-01T00:00:02.000Z","pid":"worker-123","kind":"bucket.cla',
    ].join('\n');
    const events = eventsOfLog('worker-1#2', log, 0);
    expect(events.map((event) => [event.pid, event.kind])).toEqual([
      ['worker-1#2', 'bucket.commit'],
      ['worker-1#2', 'stdout'],
      ['worker-1#2', 'bucket.done'],
    ]);
    expect(events[0]?.data).toEqual({ file: 'a.txt', token: 3, minutes: 4 });
    // A clock step back inside one process never reorders its own lines.
    expect(events[2]?.t).toBe(events[0]?.t);
    const merged = mergeByTime([
      [{ t: 5, pid: 'world', kind: 'fault.kill' }],
      [
        { t: 1, pid: 'a#1', kind: 'x' },
        { t: 9, pid: 'a#1', kind: 'y' },
      ],
    ]);
    expect(merged.map((event) => [event.seq, event.kind])).toEqual([
      [0, 'x'],
      [1, 'fault.kill'],
      [2, 'y'],
    ]);
  });
});

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The compiled CLI, asynchronously (a campaign runs many seconds; vitest's own timers keep going). */
function simrunAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('simrun real', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simrun-real-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  // The three run at once: the campaigns spend most of their time waiting on real processes (lease
  // expiries, restarts after kills), each in its own directory and store.
  it.concurrent('refuses a bad plan, a bad mutant and a bad lock with one line and exit 2', async ({ expect }) => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify([{ at: 10, kind: 'kill', target: 'provider' }]));
    // Each is refused before anything starts: four CLI processes at once.
    const [bad, mutant, lock, runs] = await Promise.all([
      simrunAsync(['real', 'bucket', '--plan', join(dir, 'bad.json'), '--out-dir', join(dir, 'bad')]),
      simrunAsync(['real', 'bucket', '--mutant', 'nope', '--out-dir', join(dir, 'bad')]),
      simrunAsync(['real', 'cron-leader', '--lock', 'memory', '--out-dir', join(dir, 'bad')]),
      simrunAsync(['real', 'bucket', '--runs', '0']),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^simrun: .*bad\.json: action 0 \(kill\): field 'target': unknown process 'provider' \(known: worker-1, worker-2, worker-3\)$/);
    expect(mutant.status).toBe(2);
    expect(mutant.stderr.trim().split('\n')).toHaveLength(1);
    expect(lock.status).toBe(2);
    expect(lock.stderr).toMatch(/memory lives inside one process/);
    expect(runs.status).toBe(2);
    for (const run of [bad, mutant, lock, runs]) expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it.concurrent('bucket: two runs under the seeded nemesis pass with every file committed exactly once; the result and report carry the trace', async ({ expect }) => {
    const out = join(dir, 'bucket');
    const run = await simrunAsync(['real', 'bucket', '--runs', '2', '--seed', '1', '--lock', `sqlite:${join(dir, 'bucket-locks.db')}`, '--out-dir', out, '--report', '--json']);
    expect(run.stderr).toBe('');
    expect(run.status, run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as { status: string; runs: number; nemesisActions: number; counts: Record<string, number>; reportPath: string; runResults: Array<{ resultPath: string; plan: unknown[] }> };
    expect(result.status).toBe('passed');
    expect(result.runs).toBe(2);
    expect(result.nemesisActions).toBeGreaterThan(0);
    expect(result.counts).toMatchObject({ files: 32, committed: 32, lost: 0, committedTwice: 0 });
    const first = JSON.parse(await readFile(result.runResults[0]!.resultPath, 'utf8')) as { format: string; plan: unknown[]; trace: Array<{ kind: string; pid: string }>; invariants: Array<{ name: string }> };
    expect(first.format).toBe('simrun.run/1');
    expect(first.plan).toEqual(result.runResults[0]!.plan);
    expect(first.invariants.map((invariant) => invariant.name)).toEqual(['exactly-once', 'mutual-exclusion', 'statistics', 'liveness', 'refused-claim-not-worked', 'commit-through-fence', 'no-commit-after-loss', 'no-uncaught-errors']);
    const kinds = new Set(first.trace.map((event) => event.kind));
    for (const kind of ['process.start', 'bucket.drop', 'bucket.commit', 'bucket.fence', 'lease.granted']) expect(kinds).toContain(kind);
    expect(first.trace.some((event) => event.kind.startsWith('fault.'))).toBe(true);
    expect(await readFile(result.reportPath, 'utf8')).toContain('simrun-data');
  }, 240_000);

  it.concurrent('cron-leader: a run under the nemesis passes; the no-lock mutant runs ticks twice (exit 1)', async ({ expect }) => {
    // Two campaigns, each in its own directory and lock file: at once.
    const [pass, mutant] = await Promise.all([
      simrunAsync(['real', 'cron-leader', '--runs', '1', '--seed', '2', '--out-dir', join(dir, 'cron'), '--json']),
      simrunAsync(['real', 'cron-leader', '--runs', '1', '--mutant', 'no-lock', '--out-dir', join(dir, 'cron-mutant')]),
    ]);
    expect(pass.status).toBe(0);
    const result = JSON.parse(pass.stdout) as { status: string; counts: Record<string, number> };
    expect(result.status).toBe('passed');
    expect(result.counts.ticks).toBeGreaterThan(3);
    expect(mutant.status).toBe(1);
    expect(mutant.stdout).toMatch(/✗ tick-at-most-once: tick .* ran twice/);
  }, 240_000);
});
