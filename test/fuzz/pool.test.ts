/**
 * The worker-thread pool of a campaign, run from the compiled library (`dist/`, rebuilt by the test
 * setup): under a TypeScript test runner the pool would run seeds in this thread instead.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import type { PoolMessage, SeedRunner, WorkerMessage } from '../../src/scenario/pool.js';
import { runSeedTask, type SeedTask } from '../../src/scenario/seed-run.js';
import { ROOT } from '../cli/helpers.js';

const DIST = join(ROOT, 'dist/src/scenario');
const { createSeedRunner } = (await import(pathToFileURL(join(DIST, 'pool.js')).href)) as { createSeedRunner(workers: number): SeedRunner };

const task = (seed: number): SeedTask => ({ scenario: 'lock', seed, params: {}, swarm: false, traceHash: true });

describe('fuzz pool', () => {
  test('every task settles once, with the run this thread gives for the same seed', async () => {
    const runner = createSeedRunner(3);
    try {
      const seeds = Array.from({ length: 12 }, (_, k) => k + 1);
      // More tasks at once than the pool holds: it queues the rest and gives back what waits at the tail.
      const runs = await Promise.all(seeds.map((seed) => runner.run(task(seed))));
      expect(runs.map((run) => run.seed)).toEqual(seeds);
      for (const run of runs) {
        const here = await runSeedTask(task(run.seed));
        expect({ status: run.status, traceHash: run.traceHash, events: run.events }).toEqual({ status: here.status, traceHash: here.traceHash, events: here.events });
      }
    } finally {
      await runner.close();
    }
  }, 120_000);

  test('a task one worker gives back because another fell idle still settles once, with its own run', async () => {
    const runner = createSeedRunner(2);
    try {
      // Handed out in turn: the first worker gets the bucket day and job-runner seed 2, the second
      // job-runner seeds 1 and 3, which are short: it falls idle while seed 2 waits behind the day.
      const tasks: SeedTask[] = [
        { scenario: 'bucket', seed: 1, params: {}, swarm: false, traceHash: true },
        { scenario: 'job-runner', seed: 1, params: {}, swarm: false, traceHash: true },
        { scenario: 'job-runner', seed: 2, params: {}, swarm: false, traceHash: true },
        { scenario: 'job-runner', seed: 3, params: {}, swarm: false, traceHash: true },
      ];
      const runs = await Promise.all(tasks.map((each) => runner.run(each)));
      for (const [index, run] of runs.entries()) {
        const here = await runSeedTask(tasks[index] as SeedTask);
        expect({ seed: run.seed, status: run.status, traceHash: run.traceHash }).toEqual({ seed: here.seed, status: here.status, traceHash: here.traceHash });
      }
    } finally {
      await runner.close();
    }
  }, 120_000);

  test('a worker gives back a task it has not started, and only such a task', async () => {
    const worker = new Worker(join(DIST, 'fuzz-worker.js'));
    try {
      const replies: WorkerMessage[] = [];
      const done = new Promise<void>((resolve) => {
        worker.on('message', (message: WorkerMessage) => {
          replies.push(message);
          if (replies.length === 2) resolve();
        });
      });
      // Task 1 starts at once; task 2 waits behind it when asked back; task 1 is already running, and 7 was never sent.
      for (const message of [{ id: 1, task: task(1) }, { id: 2, task: task(2) }, { giveBack: 2 }, { giveBack: 1 }, { giveBack: 7 }] satisfies PoolMessage[]) worker.postMessage(message);
      await done;
      expect(replies[0]).toEqual({ id: 2, givenBack: true });
      expect(replies[1]).toMatchObject({ id: 1, run: { seed: 1 } });
      // Nothing more comes: task 2 was not run after all.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(replies).toHaveLength(2);
    } finally {
      await worker.terminate();
    }
  }, 60_000);

  test('a worker thread running simulated seeds loads no database driver nor mail client', async () => {
    // The drivers are loaded at first use (env/lazy-require.ts): loading them with the lock backends
    // made every worker thread of a campaign pay for PostgreSQL's client, which a simulated run never opens.
    const probe = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { createRequire } = require('node:module');
      import(workerData).then(async ({ runSeedTask }) => {
        for (const scenario of ['lock', 'bucket', 'cron-leader']) await runSeedTask({ scenario, seed: 1, params: {}, swarm: false });
        parentPort.postMessage(Object.keys(createRequire(workerData).cache));
      });`;
    const worker = new Worker(probe, { eval: true, workerData: pathToFileURL(join(DIST, 'seed-run.js')).href });
    try {
      const loaded = await new Promise<string[]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const packages = new Set(loaded.map((file) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file)?.[1]).filter((name) => name !== undefined));
      expect(packages.has('memfs')).toBe(true);
      for (const driver of ['pg', 'mysql2', 'nodemailer', 'better-sqlite3']) expect(packages.has(driver), driver).toBe(false);
    } finally {
      await worker.terminate();
    }
  }, 60_000);
});
