/**
 * Old rows go: with `keepEndedMs` the runner deletes ended jobs' records from its store once they
 * are that old, in the real SQLite store (`jobs.db`) as in the simulated one; running and recent
 * jobs stay. A pruned job's spill files go with its record (real files in the real layout, and the
 * simulated ones), and files of a job the store no longer has go when a runner opens.
 * `pruned-only-when-due` is fed a history that deletes too early, `no-output-without-record` one
 * that keeps a pruned job's files.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { checkNoOutputWithoutRecord, checkPrunedOnlyWhenDue } from '../../src/check/job-runner/index.js';
import { SpillFiles } from '../../src/real/job-runner/spill-files.js';
import { SpillingOutput } from '../../src/real/job-runner/spilling-output.js';
import { SqliteJobStore } from '../../src/real/job-runner/sqlite-job-store.js';
import type { TraceEvent } from '../../src/sim/trace.js';
import { World } from '../../src/sim/world.js';
import { JobRunner, UnknownJob, type JobRunnerOptions } from '../../src/systems/job-runner/job-runner.js';
import { MemoryJobStore, type JobStore } from '../../src/systems/job-runner/job-store.js';
import { jobRunnerFlawsOf } from '../../src/systems/job-runner/mutants.js';
import { MemoryOutputFiles } from '../../src/systems/job-runner/output-files.js';
import type { JobOutputSink } from '../../src/systems/job-runner/job-output.js';
import { createSimExecutor, SimExecutionRegistry } from '../../src/systems/job-runner/sim-executor.js';

const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A job at t=0 (1 s long), another at day 6 and one at day 8 that runs for two days; state read at day 9. */
async function weekOfJobs(store: JobStore, more: Partial<JobRunnerOptions<JobOutputSink>> = {}): Promise<{ ids: string[]; known: boolean[]; trace: readonly TraceEvent[] }> {
  const world = new World({ seed: 1, horizonMs: 10 * DAY });
  const ids: string[] = [];
  const known: boolean[] = [];
  world.spawn('server', async (env) => {
    const behaviour = (command: string) => ({ chunks: 1, chunkBytes: 20, everyMs: command === 'long' ? 2 * DAY : 1_000, tailMs: 0, exitCode: 0 });
    const runner = new JobRunner<JobOutputSink>({ env, executor: createSimExecutor(env, new SimExecutionRegistry(), behaviour), concurrencyLimit: 4, store, retentionMs: 60_000, keepEndedMs: 7 * DAY, ...more });
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
  return { ids, known, trace: world.trace.events };
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

describe('spill files go with the record', () => {
  test("real layout: the pruned job's spill files (output/ID.out, .stdout, .stderr) are deleted, the others' kept; a stray file with no record goes when the runner opens", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-prune-spill-'));
    dirs.push(dir);
    const store = new SqliteJobStore(join(dir, 'jobs.db'));
    const spill = new SpillFiles(dir);
    writeFileSync(spill.pathOf('stray'), 'left by a server that died between the record and its files\n');
    const { ids, known, trace } = await weekOfJobs(store, {
      outputFiles: spill,
      createOutput: (id, reopen) => (reopen ? SpillingOutput.reopen(spill.pathOf(id), store.keptOutput(id)) : new SpillingOutput({ path: spill.pathOf(id), memoryBytes: 5, maxBytes: 1_000, onKeep: (kept) => store.keepOutput(id, kept) })),
    });
    store.close();
    expect(known).toEqual([false, true, true]);
    // The recent job printed past its 5 bytes kept with the record: its files stay; the old one's went with its record.
    expect(readdirSync(dir).filter((name) => name.includes('.out')).sort()).toEqual([`${ids[1]}.out`, `${ids[1]}.out.stdout`]);
    expect(trace.find((event) => event.kind === 'job.orphan-output')?.data).toEqual({ jobs: ['stray'] });
  });

  test("simulated layout: the same, and with prune-keeps-spill the pruned job's files stay, which no-output-without-record reports", async () => {
    const run = async (mutant?: string) => {
      const spill = new MemoryOutputFiles();
      const store = new MemoryJobStore({ recordBytes: 5, spill });
      const week = await weekOfJobs(store, { outputFiles: spill, flaws: jobRunnerFlawsOf(mutant) });
      return { ...week, spill, store };
    };
    const shipped = await run();
    expect(shipped.spill.jobsWithFiles()).toEqual([shipped.ids[1]]);
    expect(checkNoOutputWithoutRecord({ trace: shipped.trace, jobsWithFiles: shipped.spill.jobsWithFiles(), storedJobs: shipped.store.load().map((job) => job.id) })).toEqual([]);
    const broken = await run('prune-keeps-spill');
    expect(broken.spill.jobsWithFiles().sort()).toEqual([broken.ids[0], broken.ids[1]].sort());
    const violations = checkNoOutputWithoutRecord({ trace: broken.trace, jobsWithFiles: broken.spill.jobsWithFiles(), storedJobs: broken.store.load().map((job) => job.id) });
    expect(violations.map((violation) => violation.message)).toEqual([expect.stringMatching(new RegExp(`^job ${broken.ids[0]}'s spill files are still on disk at the end of the run, after its record was pruned at \\d+ ms$`))]);
  });
});

describe('a spill file that cannot be deleted', () => {
  test('is logged (job.output-not-deleted) and left for the next runner; pruning carries on', async () => {
    class StubbornFiles extends MemoryOutputFiles {
      override discard(id: string): void {
        throw Object.assign(new Error(`EACCES: permission denied, unlink '${id}.out'`), { code: 'EACCES' });
      }
    }
    const spill = new StubbornFiles();
    const store = new MemoryJobStore({ recordBytes: 5, spill });
    const { ids, known, trace } = await weekOfJobs(store, { outputFiles: spill });
    expect(known).toEqual([false, true, true]);
    expect(trace.filter((event) => event.kind === 'job.output-not-deleted').map((event) => event.data)).toEqual([{ job: ids[0], error: `EACCES: permission denied, unlink '${ids[0]}.out'` }]);
    expect(spill.jobsWithFiles().sort()).toEqual([ids[0], ids[1]].sort());
  });
});

describe('no-output-without-record', () => {
  test('files of a pruned job, and files of a job never recorded, are violations; files of a stored job are not', () => {
    const trace: TraceEvent[] = [{ seq: 0, t: 5, pid: 'runner#1', kind: 'job.pruned', data: { jobs: ['a'], cutoffMs: 0, clockMs: 5 } }];
    expect(checkNoOutputWithoutRecord({ trace, jobsWithFiles: ['c', 'a', 'b'], storedJobs: ['c'] }).map((violation) => violation.message)).toEqual([
      "job a's spill files are still on disk at the end of the run, after its record was pruned at 5 ms",
      "job b's spill files are still on disk at the end of the run, though the store has no record of it",
    ]);
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
