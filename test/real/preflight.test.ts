/**
 * A real campaign opens the lock or store its flag names once before it starts any process: one it
 * cannot reach is one line naming the flag and the reason, exit 2, with nothing left behind. A
 * process that refuses its input mid-campaign (exit 2) is a harness condition of the run (exit 3),
 * never a violation charged to the system under test.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../../src/env/errors.js';
import { runRealCampaign, type RealSystem } from '../../src/real/campaign/campaign.js';
import { hasStackTrace } from '../cli/helpers.js';
import { simrunAsync } from './real-cli.js';

/** Port 1 on the loopback: nothing listens there, so a connection is refused at once. */
const REFUSED_PG = 'postgres://nobody@127.0.0.1:1/x';

describe('simrun real: an unreachable --lock or --store', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simrun-preflight-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['lock', '--lock', /^simrun: --lock: postgres lock: database postgres:\/\/nobody@127\.0\.0\.1:1\/x unavailable: .*ECONNREFUSED/],
    ['cron-leader', '--lock', /^simrun: --lock: postgres lock: database .* unavailable: .*ECONNREFUSED/],
    ['bucket', '--lock', /^simrun: --lock: postgres lock: database .* unavailable: .*ECONNREFUSED/],
    ['client-jobs', '--lock', /^simrun: --lock: postgres lock: database .* unavailable: .*ECONNREFUSED/],
    ['dag', '--store', /^simrun: --store: cannot open the store postgres:\/\/nobody@127\.0\.0\.1:1\/x: .*ECONNREFUSED/],
  ];
  for (const [system, flag, message] of cases) {
    it.concurrent(`real ${system} ${flag} ${REFUSED_PG}: one line, exit 2, nothing started or written`, async ({ expect }) => {
      const out = join(dir, system);
      const run = await simrunAsync(['real', system, '--runs', '1', flag, REFUSED_PG, '--out-dir', out]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
      expect(hasStackTrace(run.stderr)).toBe(false);
      // Refused before the campaign began: no result, no run directory, no logs.
      await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
    });
  }

  it.concurrent('real dag --store mysql://...: refused with one line, exit 2 (the campaign takes sqlite or postgres)', async ({ expect }) => {
    const run = await simrunAsync(['real', 'dag', '--runs', '1', '--store', 'mysql://nobody@127.0.0.1:1/x', '--out-dir', join(dir, 'dag-mysql')]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--store: expected sqlite:PATH or a postgres:\/\/ URL/);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it.concurrent('a SQLite file that is not a database: one line naming the flag, the file untouched, no journal left', async ({ expect }) => {
    const work = join(dir, 'garbage');
    await rm(work, { recursive: true, force: true });
    await mkdir(work);
    const path = join(work, 'garbage.db');
    await writeFile(path, 'not a database\n');
    const [lock, dag] = await Promise.all([
      simrunAsync(['real', 'lock', '--runs', '1', '--lock', `sqlite:${path}`, '--out-dir', join(work, 'out-lock')]),
      simrunAsync(['real', 'dag', '--runs', '1', '--store', `sqlite:${path}`, '--out-dir', join(work, 'out-dag')]),
    ]);
    expect(lock.status).toBe(2);
    expect(lock.stderr.trim()).toBe(`simrun: --lock: sqlite lock: cannot open database ${path}: file is not a database`);
    expect(dag.status).toBe(2);
    expect(dag.stderr.trim()).toBe(`simrun: --store: cannot open the store sqlite:${path}: file is not a database`);
    expect(await readFile(path, 'utf8')).toBe('not a database\n');
    expect(await readdir(work)).toEqual(['garbage.db']);
  });
});

describe('a process that refuses its input mid-campaign', () => {
  it('is a harness error of the run naming the process and its reason, not a violation', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'simrun-refused-'));
    try {
      // A worker started with a flag its command does not know exits 2 at once, as one whose store
      // went away between runs would; the system's own checkers find nothing wrong.
      const system: RealSystem = {
        name: 'refusal',
        params: {},
        space: { targets: ['worker-1'], windowMs: 1, rates: {}, restartAfterMsMin: 1, restartAfterMsMax: 1 },
        invariants: [],
        replayFlags: [],
        async execute({ supervisor }) {
          supervisor.start('worker-1', ['bucket', 'worker', '--no-such-flag']);
          await supervisor.settled();
          return { judge: async () => ({ violations: [], counts: {} }) };
        },
      };
      const campaign = runRealCampaign({ system, seed: 1, runs: 1, outDir });
      await expect(campaign).rejects.toBeInstanceOf(HarnessError);
      await expect(campaign).rejects.toThrow(/^worker-1#1 exited at startup \(code 2\): simrun: Nonexistent flag: --no-such-flag .*; see .*worker-1#1\.log$/);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});
