/**
 * Real mode against entries that are named like inputs but are not regular files: a directory, a
 * symbolic link out of the bucket, a FIFO. A worker skips each (one `bucket.skip` line), never
 * follows the link nor blocks on the FIFO, processes the valid files around them, and
 * `bucket verify` counts them as skipped, not as "never processed".
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseLogLine } from '../../src/env/log-line.js';
import { realEnv } from '../../src/env/real-env.js';
import { verifyBucket } from '../../src/real/bucket/verify.js';
import { runWorker } from '../../src/real/bucket/worker.js';
import { renderInput } from '../../src/systems/bucket/input-format.js';

let base = '';
afterAll(async () => {
  if (base !== '') await rm(base, { recursive: true, force: true });
});

it('skips a directory, a symlink and a FIFO named like inputs and processes the rest', async () => {
  base = await mkdtemp(join(tmpdir(), 'simrun-odd-'));
  const dir = join(base, 'bucket');
  await mkdir(dir);
  const secret = join(base, 'outside.txt');
  await writeFile(secret, '7\nsecret line\n#end\n');
  await mkdir(join(dir, '2020_08_18_00_15.txt'));
  await symlink(secret, join(dir, '2020_08_18_00_30.txt'));
  execFileSync('mkfifo', [join(dir, '2020_08_18_00_45.txt')]);
  const valid = ['2020_08_18_00_00.txt', '2020_08_18_01_00.txt', '2020_08_18_01_15.txt'];
  for (const name of valid) await writeFile(join(dir, name), renderInput(1, [{ name }]));

  const lines: string[] = [];
  const env = realEnv('worker-odd', { logLine: (line) => lines.push(line), printLine: (line) => lines.push(line) });
  const controller = new AbortController();
  const worker = runWorker({ dir, lock: 'file', secondsInMin: 0.001, pollMs: 20, leaseTtlMs: 2_000, env, signal: controller.signal });
  for (let waited = 0; (await readdir(join(dir, 'processed')).catch(() => [])).length < valid.length; waited += 20) {
    if (waited > 20_000) throw new Error(`gave up waiting for the valid files; log:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // A few more polls, to see that each odd entry is reported once only.
  await new Promise((resolve) => setTimeout(resolve, 200));
  controller.abort();
  await worker;

  expect((await readdir(join(dir, 'processed'))).sort()).toEqual(valid);
  expect(await readdir(join(dir, 'rejected'))).toEqual([]);
  const events = lines.flatMap((line) => {
    const parsed = parseLogLine(line);
    return parsed === undefined ? [] : [{ kind: parsed.kind, ...parsed.data } as Record<string, unknown>];
  });
  expect(events.filter((event) => event.kind === 'bucket.skip').map((event) => [event.file, event.reason])).toEqual([
    ['2020_08_18_00_15.txt', 'a directory, not a file: skipped'],
    ['2020_08_18_00_30.txt', 'a symbolic link: never followed, skipped'],
    ['2020_08_18_00_45.txt', 'not a regular file (a FIFO, socket or device): skipped'],
  ]);
  expect(events.filter((event) => event.kind === 'bucket.error')).toEqual([]);
  expect(lines.join('\n')).not.toContain('secret');

  const verdict = await verifyBucket({ dir });
  expect(verdict.status).toBe('passed');
  expect(verdict.files).toMatchObject({ committed: 3, waiting: 0, skipped: 3 });
  expect(verdict.skipped.map((entry) => entry.file)).toEqual(['2020_08_18_00_15.txt', '2020_08_18_00_30.txt', '2020_08_18_00_45.txt']);
});

it('verify counts a name no worker takes (an impossible date) as foreign, not as never processed', async () => {
  const dir = join(base, 'names');
  await mkdir(dir);
  await writeFile(join(dir, '2020_13_45_99_99.txt'), '1\n#end\n');
  const verdict = await verifyBucket({ dir });
  expect(verdict).toMatchObject({ status: 'passed', files: { waiting: 0, dropped: 0 } });
});
