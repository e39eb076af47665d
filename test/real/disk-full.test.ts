/**
 * The `disk-full` nemesis of `simrun real bucket`: the bucket on a small tmpfs of the run's own,
 * filled to the last byte for a while (real ENOSPC), then freed. The cluster must ride it out (every
 * file committed once, none lost, the statistics lines right, nobody dead), and no mount may outlive
 * the campaign, however it ends. Mounting needs root: where it is refused these tests are skipped.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mountSmallDisk, tmpfsUnavailable } from '../../src/real/common/disk-full.js';
import { describeRealFault, drawRealPlan, parseRealPlan } from '../../src/real/campaign/plan.js';
import { bucketFaultSpace } from '../../src/real/campaign/bucket.js';
import { ROOT } from '../cli/helpers.js';
import { simrunAsync, type CampaignJson } from './real-cli.js';

const unavailable = await tmpfsUnavailable();
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'simrun-disk-full-'));
  dirs.push(dir);
  return dir;
}

async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile('/proc/mounts', 'utf8');
  return table.split('\n').map((line) => line.split(' ')[1] ?? '').filter((point) => point.startsWith(dir));
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('disk-full in a plan', () => {
  it('parses, describes and is drawn only where the space allows it', () => {
    const plan = parseRealPlan([{ at: 100, kind: 'disk-full', ms: 900 }], ['worker-1']);
    expect(plan.map(describeRealFault)).toEqual(['disk-full 900ms @100ms']);
    expect(() => parseRealPlan([{ at: 100, kind: 'disk-full', ms: 900, target: 'worker-1' }], ['worker-1'])).toThrow(/field 'target': unknown field/);
    const drawn = (diskFull: boolean): number =>
      Array.from({ length: 40 }, (_, seed) => drawRealPlan(seed, bucketFaultSpace({ workers: 3, windowMs: 3_000, leaseTtlMs: 1_000, diskFull })))
        .flat()
        .filter((fault) => fault.kind === 'disk-full').length;
    expect(drawn(true)).toBeGreaterThan(0);
    expect(drawn(false)).toBe(0);
  });
});

describe.skipIf(unavailable !== undefined)(`a small disk for real${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, () => {
  it('fills to ENOSPC for its span, frees, and unmounts to an ordinary directory holding the files', async () => {
    const dir = join(await freshDir(), 'bucket');
    const disk = await mountSmallDisk(dir, 1024 * 1024);
    try {
      expect(await mountsUnder(dir)).toEqual([dir]);
      await writeFile(join(dir, 'before.txt'), 'kept\n');
      expect(await disk.fill(400)).toBe(true);
      await expect(writeFile(join(dir, 'during.txt'), 'x'.repeat(8192))).rejects.toMatchObject({ code: 'ENOSPC' });
      await new Promise((resolve) => setTimeout(resolve, 700));
      await writeFile(join(dir, 'after.txt'), 'x'.repeat(8192));
    } finally {
      await disk.unmount();
    }
    expect(await mountsUnder(dir)).toEqual([]);
    expect(await readFile(join(dir, 'before.txt'), 'utf8')).toBe('kept\n');
    expect((await readFile(join(dir, 'after.txt'), 'utf8')).length).toBe(8192);
  });

  it('real bucket rides out a full disk: every file committed once, statistics right, nobody dead', async () => {
    const dir = await freshDir();
    const planPath = join(dir, 'plan.json');
    // Full from the first drops on, longer than a lease: drops, fence entries and outputs all fail meanwhile.
    await writeFile(planPath, JSON.stringify([{ at: 50, kind: 'disk-full', ms: 1_500 }]));
    const run = await simrunAsync(['real', 'bucket', '--runs', '1', '--workers', '2', '--files', '8', '--plan', planPath, '--out-dir', join(dir, 'out'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout) as CampaignJson;
    expect(result.status).toBe('passed');
    expect(result.actionsByKind['disk-full']).toBe(1);
    // The statistics lines (however many each incarnation printed) were judged by the statistics checker.
    expect(result.counts).toMatchObject({ files: 8, committed: 8, lost: 0, committedTwice: 0 });
    expect(await mountsUnder(dir)).toEqual([]);
  }, 60_000);

  it('SIGTERM to the campaign while the disk is mounted leaves no mount behind', async () => {
    const dir = await freshDir();
    const planPath = join(dir, 'plan.json');
    await writeFile(planPath, JSON.stringify([{ at: 50, kind: 'disk-full', ms: 5_000 }]));
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'real', 'bucket', '--runs', '1', '--workers', '1', '--files', '4', '--plan', planPath, '--out-dir', join(dir, 'out')], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === null ? null : 128))));
    const deadline = Date.now() + 30_000;
    while ((await mountsUnder(dir)).length === 0) {
      if (Date.now() > deadline) throw new Error('the campaign never mounted its bucket');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).not.toBe(0);
    expect(await mountsUnder(dir)).toEqual([]);
  }, 60_000);
});
