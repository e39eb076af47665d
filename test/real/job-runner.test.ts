/**
 * `simrun real job-runner`: the real-only invariants on bad histories, a short campaign of the real
 * jobs server and clients under the nemesis (passing), and the mutant whose stop leaves the job's
 * process group running (caught by no-orphan-job-process whatever the machine's speed: its long jobs
 * sleep far past the run).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJobStartedOnce, checkNoOrphanJobProcess } from '../../src/real/campaign/job-runner.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { hasStackTrace, ROOT } from '../cli/helpers.js';

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

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

const event = (seq: number, pid: string, kind: string, data: Record<string, unknown>): TraceEvent => ({ seq, t: seq, pid, kind, data });

describe('the real job-runner invariants', () => {
  it('job-started-once flags a job executed by two servers', () => {
    const trace = [event(0, 'server#1', 'job.execution', { job: 'a', execution: '100' }), event(1, 'server#2', 'job.execution', { job: 'b', execution: '101' }), event(2, 'server#2', 'job.execution', { job: 'a', execution: '102' })];
    const violations = checkJobStartedOnce(trace);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ invariant: 'job-started-once', eventSeq: 2, pid: 'server#2' });
    expect(violations[0]?.message).toBe('job a was executed twice: by server#1 and again by server#2');
    expect(checkJobStartedOnce(trace.slice(0, 2))).toEqual([]);
  });

  it('no-orphan-job-process flags untracked survivors of a dead server and anything alive at the end', () => {
    const member = { pid: 201, pgid: 200, command: 'sleep 60' };
    const trace = [
      event(0, 'world', 'jobs.groups-at-exit', { server: 'server#1', alive: [member], untracked: [] }),
      event(1, 'world', 'jobs.groups-at-exit', { server: 'server#2', alive: [member], untracked: [member] }),
      event(2, 'world', 'jobs.groups-at-end', { alive: [member] }),
    ];
    const violations = checkNoOrphanJobProcess(trace);
    expect(violations.map((violation) => [violation.eventSeq, violation.invariant])).toEqual([
      [1, 'no-orphan-job-process'],
      [2, 'no-orphan-job-process'],
    ]);
    expect(violations[0]?.message).toMatch(/server#2 exited leaving job processes no state directory records.*pid 201 in group 200 \(sleep 60\)/);
    expect(checkNoOrphanJobProcess([trace[0] as TraceEvent, event(1, 'world', 'jobs.groups-at-end', { alive: [] })])).toEqual([]);
  });
});

describe('simrun real job-runner', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simrun-real-jr-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  // The three run at once: the campaigns spend most of their time waiting on real jobs (sleeps, a
  // server's restart), each in its own directory, state and job groups.
  it.concurrent('refuses an unknown mutant with one line and exit 2', async ({ expect }) => {
    const run = await simrunAsync(['real', 'job-runner', '--mutant', 'nope', '--out-dir', join(dir, 'bad')]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('simrun: Expected --mutant=nope to be one of: stop-leaves-group (simrun real job-runner --help lists the flags)');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it.concurrent('a run with the server killed mid-job passes: its orphan is killed by the next server, no job runs twice, nothing outlives', async ({ expect }) => {
    const plan = join(dir, 'plan.json');
    const { writeFile } = await import('node:fs/promises');
    // The kill lands while client-1's first long job (stopped only 600 ms after it starts) may run, and again later.
    await writeFile(plan, JSON.stringify([{ at: 300, kind: 'kill', target: 'server' }, { at: 900, kind: 'restart', target: 'server' }, { at: 1_200, kind: 'pause', target: 'client-2', ms: 500 }]));
    const run = await simrunAsync(['real', 'job-runner', '--runs', '1', '--seed', '3', '--jobs', '4', '--plan', plan, '--out-dir', join(dir, 'pass'), '--json']);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as { status: string; nemesisActions: number; counts: Record<string, number> };
    expect(result.status).toBe('passed');
    expect(result.nemesisActions).toBeGreaterThan(0);
    expect(result.counts.jobs).toBeGreaterThan(0);
    expect(result.counts.outlived).toBe(0);
  }, 120_000);

  it.concurrent('the stop-leaves-group mutant leaves stopped jobs running: no-orphan-job-process, exit 1', async ({ expect }) => {
    const run = await simrunAsync(['real', 'job-runner', '--runs', '1', '--seed', '1', '--jobs', '4', '--mutant', 'stop-leaves-group', '--out-dir', join(dir, 'mutant')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/✗ no-orphan-job-process: after the last server stopped, job processes were still alive: pid \d+ in group \d+ \(sleep/);
  }, 120_000);
});
