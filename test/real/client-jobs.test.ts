/**
 * `simrun real client-jobs`: real `jobs client --job N` processes under the nemesis pass the
 * client-jobs checkers; jobs without their client's lock are caught whatever the schedule (every
 * client has several jobs started at once, so two of one client run together).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientJobsFaultSpace, REAL_CLIENT_JOBS_DEFAULTS } from '../../src/real/campaign/client-jobs.js';
import { drawRealPlan } from '../../src/real/campaign/plan.js';
import { simrunAsync, type CampaignJson } from './real-cli.js';

describe('simrun real client-jobs', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simrun-real-client-jobs-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a run under the seeded nemesis passes: one whole text per job that succeeded', async () => {
    const run = await simrunAsync(['real', 'client-jobs', '--runs', '1', '--seed', '1', '--out-dir', join(dir, 'pass'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.status).toBe('passed');
    expect(result.nemesisActions).toBeGreaterThan(0);
    expect(result.counts.jobs).toBe(6);
    expect(result.counts.attempts).toBeGreaterThanOrEqual(6);
    const first = JSON.parse(await readFile(result.runResults[0]!.resultPath, 'utf8')) as { trace: Array<{ kind: string }>; invariants: Array<{ name: string }> };
    expect(first.invariants.map((invariant) => invariant.name)).toEqual(['output-whole-texts', 'every-job-reported', 'one-job-per-client', 'first-queued-first-run', 'clients-in-parallel', 'no-uncaught-errors']);
    const kinds = new Set(first.trace.map((event) => event.kind));
    for (const kind of ['client-job.queued', 'client-job.in-line', 'client-job.started', 'client-job.part']) expect(kinds).toContain(kind);
  }, 180_000);

  it('the nemesis sets job clocks off and strikes the store the run uses', () => {
    const space = (lock?: string) => clientJobsFaultSpace({ clients: 2, jobs: 3, ...REAL_CLIENT_JOBS_DEFAULTS, ...(lock === undefined ? {} : { lock }) });
    expect(space().rates).toMatchObject({ clock: 1, 'sqlite-busy': 1 });
    expect(space('postgres://localhost/db').rates).toMatchObject({ clock: 1, 'pg-terminate': 1 });
    expect(Object.keys(space('file:/tmp/locks').rates).sort()).toEqual(['clock', 'kill', 'pause', 'term']);
    // A clock off by at most a sixth of the lease; the store held at most a third of it, as a pause.
    expect(space().clockOffsetMsMax).toBe(REAL_CLIENT_JOBS_DEFAULTS.ttlMs / 6);
    expect(space().busyMsMax).toBe(REAL_CLIENT_JOBS_DEFAULTS.ttlMs / 3);
    const kinds = new Set(drawRealPlan(1, space()).map((fault) => fault.kind));
    expect(kinds).toContain('clock');
    expect(kinds).toContain('sqlite-busy');
  });

  it('a run with job clocks off and the SQLite file held by another writer passes', async () => {
    const plan = join(dir, 'clock-busy.json');
    await writeFile(plan, JSON.stringify([
      { at: 0, kind: 'clock', target: 'acme-job-1', offsetMs: 450 },
      { at: 50, kind: 'clock', target: 'acme-job-2', offsetMs: -450 },
      { at: 300, kind: 'sqlite-busy', ms: 900 },
      { at: 1_500, kind: 'clock', target: 'globex-job-1', offsetMs: 300 },
    ]));
    const run = await simrunAsync(['real', 'client-jobs', '--runs', '1', '--seed', '1', '--plan', plan, '--out-dir', join(dir, 'clock-busy'), '--json']);
    expect(run.status, run.stdout).toBe(0);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.status).toBe('passed');
    const first = JSON.parse(await readFile(result.runResults[0]!.resultPath, 'utf8')) as { trace: Array<{ kind: string; data?: { applied?: boolean } }> };
    const struck = first.trace.filter((event) => event.kind.startsWith('fault.')).map((event) => event.kind);
    expect(struck).toEqual(['fault.clock', 'fault.clock', 'fault.sqlite-busy', 'fault.clock']);
    expect(first.trace.filter((event) => event.kind === 'process.skew')).toHaveLength(3);
  }, 180_000);

  it('jobs without their client\'s lock are caught (exit 1)', async () => {
    // No nemesis, and jobs long enough that the ones started together are surely running at once.
    await writeFile(join(dir, 'none.json'), '[]');
    const run = await simrunAsync(['real', 'client-jobs', '--runs', '1', '--mutant', 'no-lock', '--part-work-ms', '300', '--plan', join(dir, 'none.json'), '--out-dir', join(dir, 'mutant')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/✗ one-job-per-client: client \w+: job \d \(\w+-job-\d#1\) started while job \d/);
  }, 180_000);
});
