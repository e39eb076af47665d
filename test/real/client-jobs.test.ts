/**
 * `simrun real client-jobs`: real `jobs client --job N` processes under the nemesis pass the
 * client-jobs checkers; jobs without their client's lock are caught whatever the schedule (every
 * client has several jobs started at once, so two of one client run together).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('jobs without their client\'s lock are caught (exit 1)', async () => {
    // No nemesis, and jobs long enough that the ones started together are surely running at once.
    await writeFile(join(dir, 'none.json'), '[]');
    const run = await simrunAsync(['real', 'client-jobs', '--runs', '1', '--mutant', 'no-lock', '--part-work-ms', '300', '--plan', join(dir, 'none.json'), '--out-dir', join(dir, 'mutant')]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/✗ one-job-per-client: client \w+: job \d \(\w+-job-\d#1\) started while job \d/);
  }, 180_000);
});
