/**
 * A real bucket worker started before its bucket exists waits for the directory, as it waits for
 * files, instead of exiting; a path that exists but is not a directory is still refused.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { realEnv } from '../../src/env/real-env.js';
import { runWorker } from '../../src/real/bucket/worker.js';

it('a worker on a missing directory waits, then runs once it appears, and stops when told', async () => {
  const root = await mkdtemp(join(tmpdir(), 'simrun-bucket-wait-'));
  const dir = join(root, 'bucket');
  const lines: string[] = [];
  const stop = new AbortController();
  const env = realEnv('worker-wait#1', { logLine: (line) => lines.push(line), printLine: () => {} });
  const running = runWorker({ dir, lock: 'file', secondsInMin: 0.01, pollMs: 20, env, signal: stop.signal });
  await expect.poll(() => lines.some((line) => line.includes('bucket.waiting-for-directory')), { timeout: 10_000 }).toBe(true);
  await mkdir(dir);
  // Once the directory is there the worker gets as far as its lock directory inside it.
  await expect.poll(async () => (await import('node:fs/promises')).readdir(dir).then((names) => names.length > 0), { timeout: 10_000 }).toBe(true);
  stop.abort();
  await expect(running).resolves.toBeUndefined();
});

it('a path that is a file is refused at once', async () => {
  const root = await mkdtemp(join(tmpdir(), 'simrun-bucket-wait-'));
  const path = join(root, 'not-a-dir');
  await writeFile(path, 'x');
  await expect(runWorker({ dir: path, lock: 'file', secondsInMin: 0.01, pollMs: 20, env: realEnv('w#1', { logLine: () => {} }) })).rejects.toThrow('is not a directory');
});
