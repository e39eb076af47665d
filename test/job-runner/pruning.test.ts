/**
 * Old rows go: with `keepEndedMs` the runner deletes ended jobs' records from its store once they
 * are that old, in the real SQLite store (`jobs.db`) as in the simulated one; running and recent
 * jobs stay. `pruned-only-when-due` is fed a history that deletes too early.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { checkPrunedOnlyWhenDue } from '../../src/check/job-runner/index.js';
import { SqliteJobStore } from '../../src/real/job-runner/sqlite-job-store.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { World } from '../../src/sim/world.js';
import { JobRunner, UnknownJob } from '../../src/systems/job-runner/job-runner.js';
import { MemoryJobStore, type JobStore } from '../../src/systems/job-runner/job-store.js';
import { createSimExecutor, SimExecutionRegistry } from '../../src/systems/job-runner/sim-executor.js';

const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A job at t=0 (1 s long), another at day 6 and one at day 8 that runs for two days; state read at day 9. */
async function weekOfJobs(store: JobStore): Promise<{ ids: string[]; known: boolean[] }> {
  const world = new World({ seed: 1, horizonMs: 10 * DAY });
  const ids: string[] = [];
  const known: boolean[] = [];
  world.spawn('server', async (env) => {
    const behaviour = (command: string) => ({ chunks: 1, chunkBytes: 20, everyMs: command === 'long' ? 2 * DAY : 1_000, tailMs: 0, exitCode: 0 });
    const runner = new JobRunner({ env, executor: createSimExecutor(env, new SimExecutionRegistry(), behaviour), concurrencyLimit: 4, store, retentionMs: 60_000, keepEndedMs: 7 * DAY });
    ids.push(runner.start({ command: 'old' }));
    await env.sleep(6 * DAY);
    ids.push(runner.start({ command: 'recent' }));
    await env.sleep(2 * DAY);
    ids.push(runner.start({ command: 'long' }));
    await env.sleep(DAY);
    for (const id of ids) {
      try {
        runner.status(id);
        known.push(true);
      } catch (error) {
        if (!(error instanceof UnknownJob)) throw error;
        known.push(false);
      }
    }
    runner.shutdown();
  });
  await world.run();
  return { ids, known };
}

describe('keepEndedMs', () => {
  test('the SQLite store (jobs.db) loses the job that ended over a week ago, with its output rows, and keeps the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-prune-'));
    dirs.push(dir);
    const path = join(dir, 'jobs.db');
    const store = new SqliteJobStore(path);
    store.keepOutput('job-1', { stream: 'stdout', bytes: Buffer.from('kept\n') });
    const { ids, known } = await weekOfJobs(store);
    expect(known).toEqual([false, true, true]);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT id FROM jobs ORDER BY seq').all()).toEqual([{ id: ids[1] }, { id: ids[2] }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_output WHERE job = ?').get(ids[0])).toEqual({ n: 0 });
    db.close();
  });

  test('the simulated store prunes the same way', async () => {
    const store = new MemoryJobStore();
    const { known } = await weekOfJobs(store);
    expect(known).toEqual([false, true, true]);
    expect(store.load().map((job) => job.command)).toEqual(['recent', 'long']);
  });
});

describe('pruned-only-when-due', () => {
  const event = (seq: number, kind: string, data: Record<string, unknown>): TraceEvent => ({ seq, t: seq, pid: 'runner#1', kind, data });

  test('deleting a job an hour after it ended, or one that never ended, is a violation; after its keep period it is right', () => {
    const trace = [
      event(0, 'job.transition', { job: 'a', from: 'executing', to: 'completed', clockMs: 0 }),
      event(1, 'job.transition', { job: 'b', from: 'queued', to: 'executing', clockMs: 0 }),
      event(2, 'job.pruned', { jobs: ['a', 'b'], cutoffMs: 0, clockMs: 3_600_000 }),
      event(3, 'job.pruned', { jobs: ['a'], cutoffMs: 0, clockMs: 7 * DAY }),
    ];
    expect(checkPrunedOnlyWhenDue({ trace, keepEndedMs: 7 * DAY }).map((violation) => violation.message)).toEqual([
      'job a was deleted from the store 3600000 ms after it ended, short of its keep period of 604800000 ms',
      'job b was deleted from the store before it ended',
    ]);
  });
});
