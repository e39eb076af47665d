/**
 * `dag run` writes a job's process group into the run log before the job's command runs. A runner
 * killed at any moment after it started a job leaves either nothing running or a job its run log
 * names, which the next runner ends before it runs the job again: never a job it can neither end
 * nor tell from one that never started, which it would run a second time beside the first.
 *
 * The job kills its own runner (SIGKILL to its parent) as its first command: the earliest moment a
 * job can act. A runner that let the command run before writing the row naming its group lost that
 * race in some runs (the run log then named no group, and the next runner ran the job beside it);
 * which order the runner keeps is checked deterministically in test/dag/held-start.test.ts, and the
 * held shell itself in test/real/held-shell.test.ts. This is the whole path, end to end.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGroups } from '../../src/real/campaign/job-groups.js';
import { simrunAsync } from '../cli/helpers.js';
import { groupMembers, survivorsAfter } from './orphans.js';

interface Row {
  readonly status: string;
  readonly execution: string | null;
}

describe('a runner killed by its own job the moment the job starts', () => {
  let dir = '';
  const groups = new Set<number>();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simrun-dag-held-'));
  });
  afterAll(async () => {
    killGroups(groups);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('leaves a job the run log names; the next runner ends it, then runs the job once', async () => {
    const once = join(dir, 'killed-once');
    const pipeline = join(dir, 'pipeline.yaml');
    const store = `sqlite:${join(dir, 'dag.db')}`;
    // The first attempt kills its runner, then outlives it; the next attempt only succeeds.
    const command = `if [ ! -e '${once}' ]; then touch '${once}'; kill -9 $PPID; sleep 60; fi`;
    await writeFile(pipeline, ['name: held', 'jobs:', '  extract:', `    command: ${JSON.stringify(command)}`, ''].join('\n'));

    const first = await simrunAsync(['dag', 'run', pipeline, '--store', store, '--verbose']);
    expect(first.status, first.stderr).toBeNull();

    const db = new Database(join(dir, 'dag.db'), { readonly: true });
    const rows = db.prepare("SELECT status, execution FROM dag_run_log WHERE job_key = 'extract' ORDER BY id").all() as Row[];
    db.close();
    // The job ran (it killed the runner), so its group must be in the run log, and still running.
    const execution = rows.at(-1)?.execution;
    expect(rows.at(-1)?.status).toBe('running');
    expect(execution, JSON.stringify(rows)).toMatch(/^\d+$/);
    const pgid = Number(execution);
    groups.add(pgid);
    expect(groupMembers(pgid).length).toBeGreaterThan(0);

    const next = await simrunAsync(['dag', 'run', pipeline, '--store', store, '--verbose']);
    expect(next.status, next.stderr).toBe(0);
    expect(next.stderr).toContain(`"kind":"dag.job.orphan","data":{"job":"extract","execution":"${pgid}"`);
    expect(next.stderr).toMatch(/"kind":"dag\.job\.orphan","data":\{[^}]*"outcome":"ended"\}/);
    expect(next.stdout).toMatch(/extract\s+succeeded/);
    expect(await survivorsAfter([pgid], 5_000)).toEqual([]);
  });
});
