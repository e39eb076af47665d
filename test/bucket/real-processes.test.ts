/**
 * Real mode end to end: the compiled CLI's provider and two worker OS processes share a temporary
 * directory and a file lock. One worker is killed with SIGKILL in the middle of a long file; the
 * other takes the file over once the dead worker's lease runs out, and `simrun bucket verify`
 * finds every file committed exactly once and every statistics line right. The assertions depend on
 * what happened, never on how long it took.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseLogLine } from '../../src/env/log-line.js';
import bucket from '../../scenarios/bucket.js';
import { runScenario } from '../../src/scenario/run.js';
import { ROOT, simrun } from '../cli/helpers.js';

/** Processing minutes of each file; the sixth (01:30) is long enough to be killed in. */
const SCHEDULE = [8, 3, 12, 5, 9, 40, 4, 7, 6, 10, 2, 11];
const LONG_FILE = '2020_08_18_01_30.txt';
const SECONDS_IN_MIN = '0.05';

let base = '';
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (base !== '') await rm(base, { recursive: true, force: true });
});

function start(args: string[], logPath: string): ChildProcess {
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), ...args], { stdio: ['ignore', log, log], env: { ...process.env, NODE_ENV: 'production' } });
  closeSync(log);
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** Checks `condition` every 50 ms until it holds; fails with `what` after `limitMs`. */
async function until(what: string, condition: () => Promise<boolean>, limitMs = 25_000): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 50) {
    if (waited > limitMs) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const events = async (path: string): Promise<Array<Record<string, unknown>>> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .flatMap((line) => {
      // The event's fields flattened beside its kind, for short assertions.
      const parsed = parseLogLine(line);
      return parsed === undefined ? [] : [{ kind: parsed.kind, pid: parsed.pid, ...parsed.data } as Record<string, unknown>];
    });

it('two worker processes, one SIGKILLed mid-file: every file committed exactly once', { timeout: 60_000 }, async () => {
  base = await mkdtemp(join(tmpdir(), 'simrun-bucket-'));
  const dir = join(base, 'bucket');
  await mkdir(dir);
  await writeFile(join(base, 'schedule.txt'), SCHEDULE.join('\n') + '\n');
  const logs = [join(base, 'w1.log'), join(base, 'w2.log')];
  const workerArgs = ['bucket', 'worker', '--dir', dir, '--lock', 'file', '--seconds-in-min', SECONDS_IN_MIN, '--poll-ms', '50', '--lease-ttl-ms', '1000'];
  const workers = logs.map((log) => start(workerArgs, log));
  const provider = start(['bucket', 'provider', '--dir', dir, '--seconds-in-min', SECONDS_IN_MIN, '--schedule', join(base, 'schedule.txt')], join(base, 'provider.log'));

  // Kill whichever worker starts the long file, while it is processing it.
  let victim = -1;
  await until(`a worker starting ${LONG_FILE}`, async () => {
    for (const [index, log] of logs.entries()) {
      if ((await events(log)).some((event) => event.kind === 'bucket.process.start' && event.file === LONG_FILE)) victim = index;
    }
    return victim >= 0;
  });
  workers[victim]?.kill('SIGKILL');
  const survivor = 1 - victim;

  expect(await exited(provider)).toBe(0);
  await until('all 12 files processed', async () => (await readdir(join(dir, 'processed'))).length === SCHEDULE.length);
  workers[survivor]?.kill('SIGTERM');
  expect(await exited(workers[survivor] as ChildProcess)).toBe(0);

  // The survivor took the long file over with a newer lease, and it was committed once, by the survivor.
  const victimClaims = (await events(logs[victim] as string)).filter((event) => event.kind === 'bucket.claim' && event.file === LONG_FILE);
  const survivorEvents = await events(logs[survivor] as string);
  const takeover = survivorEvents.find((event) => event.kind === 'bucket.claim' && event.file === LONG_FILE);
  expect(Number(takeover?.token)).toBeGreaterThan(Math.max(...victimClaims.map((event) => Number(event.token))));
  expect(survivorEvents.filter((event) => event.kind === 'bucket.commit' && event.file === LONG_FILE)).toHaveLength(1);
  expect((await events(logs[victim] as string)).filter((event) => event.kind === 'bucket.commit' && event.file === LONG_FILE)).toEqual([]);

  const verdict = simrun(['bucket', 'verify', '--dir', dir, '--logs', ...logs, join(base, 'provider.log')]);
  expect(verdict.stdout).toContain(`PASSED: ${SCHEDULE.length} files dropped, ${SCHEDULE.length} committed, 0 waiting, 0 rejected`);
  expect(verdict.stdout).toContain(`logs: ${SCHEDULE.length} commits`);
  expect(verdict.status).toBe(0);
});

it("the seed's own format: two workers and a provider writing number-only files in place, with lags and uneven sizes", { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'simrun-bucket-seed-format-'));
  try {
    const dir = join(root, 'bucket');
    const files = 10;
    const logs = [join(root, 'w1.log'), join(root, 'w2.log')];
    // The workers start first and wait for the directory the provider has not made yet.
    const workerArgs = ['bucket', 'worker', '--dir', dir, '--seconds-in-min', '0.02', '--poll-ms', '50', '--lease-ttl-ms', '1000', '--settle-ms', '300'];
    const workers = logs.map((log) => start(workerArgs, log));
    await mkdir(dir);
    const providerLog = join(root, 'provider.log');
    const provider = start(
      ['bucket', 'provider', '--dir', dir, '--seconds-in-min', '0.02', '--files', String(files), '--format', 'number-only', '--non-atomic', '--lag-probability', '0.3', '--lag-mean-min', '3', '--lag-max-min', '10'],
      providerLog,
    );
    expect(await exited(provider)).toBe(0);
    await until(`all ${files} files processed`, async () => (await readdir(join(dir, 'processed')).catch(() => [])).length === files);
    for (const worker of workers) worker.kill('SIGTERM');
    for (const worker of workers) expect(await exited(worker)).toBe(0);

    // Each file held only its minutes, and was committed with exactly those minutes.
    const commits = (await Promise.all(logs.map(events))).flat().filter((event) => event.kind === 'bucket.commit');
    expect(commits).toHaveLength(files);
    for (const commit of commits) {
      const text = await readFile(join(dir, 'processed', String(commit.file)), 'utf8');
      expect(text).toMatch(/^\d+$/);
      expect(commit.minutes).toBe(Number(text));
    }
    expect(new Set(commits.map((commit) => commit.minutes)).size).toBeGreaterThan(1);

    const verdict = simrun(['bucket', 'verify', '--dir', dir, '--logs', ...logs, providerLog]);
    expect(verdict.stdout).toContain(`PASSED: ${files} files dropped, ${files} committed, 0 waiting, 0 rejected`);
    expect(verdict.stdout).toContain(`logs: ${files} commits`);
    expect(verdict.status).toBe(0);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

it('verify fails a directory with a file committed twice in the logs, and one left waiting', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'simrun-bucket-bad-'));
  try {
    for (const sub of ['output', 'processed']) await mkdir(join(dir, sub));
    await writeFile(join(dir, 'processed/2020_08_18_00_15.txt'), '3\n{"a":1}\n#end\n');
    await writeFile(join(dir, 'output/2020_08_18_00_15.tsv'), '1\n');
    await writeFile(join(dir, '2020_08_18_00_30.txt'), '4\n#end\n');
    const commit = (pid: string, token: number) => JSON.stringify({ t: '2026-01-01T00:00:00.000Z', pid, kind: 'bucket.commit', file: '2020_08_18_00_15.txt', token, minutes: 3 });
    await writeFile(join(dir, 'w.log'), commit('worker-1', 1) + '\n' + commit('worker-2', 2) + '\n');
    const verdict = simrun(['bucket', 'verify', '--dir', dir, '--logs', join(dir, 'w.log')]);
    expect(verdict.status).toBe(1);
    expect(verdict.stdout).toContain('✗ exactly-once: 2020_08_18_00_15.txt was committed 2 times: by worker-1 (token 1), worker-2 (token 2)');
    expect(verdict.stdout).toContain('✗ liveness: 2020_08_18_00_30.txt is still waiting');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('verify refuses a log with no simrun log line in it (exit 2) rather than judging without its commits; an empty log is an idle worker', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'simrun-bucket-logs-'));
  try {
    for (const sub of ['output', 'processed']) await mkdir(join(dir, sub));
    await writeFile(join(dir, 'processed/2020_08_18_00_15.txt'), '3\n{"a":1}\n#end\n');
    await writeFile(join(dir, 'output/2020_08_18_00_15.tsv'), 'a\t1\n');
    await writeFile(join(dir, 'junk.log'), 'garbage\n{"not":"a log line"}\n');
    await writeFile(join(dir, 'idle.log'), '');
    const junk = simrun(['bucket', 'verify', '--dir', dir, '--logs', join(dir, 'junk.log')]);
    expect(junk.status).toBe(2);
    expect(junk.stderr.trim()).toBe(`simrun: --logs: ${join(dir, 'junk.log')} holds no simrun log lines: give each worker's captured output (simrun bucket worker ... >w1.log 2>&1)`);
    const idle = simrun(['bucket', 'verify', '--dir', dir, '--logs', join(dir, 'idle.log')]);
    expect(idle.stderr).toBe('');
    expect(idle.stdout).toContain('logs: 0 commits');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('the provider and verify refuse a missing directory with one line and exit code 2 (a worker waits for it)', () => {
  for (const args of [
    ['bucket', 'provider', '--dir', '/nonexistent/bucket', '--seconds-in-min', '0.01'],
    ['bucket', 'verify', '--dir', '/nonexistent/bucket'],
  ]) {
    const run = simrun(args);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^simrun: Parsing --dir: directory \/nonexistent\/bucket does not exist \(create it first\) \(simrun bucket \w+ --help lists the flags\)$/);
  }
});

it('one seed gives one trace hash in this process and in two CLI processes', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'simrun-bucket-hash-'));
  try {
    const hashes = [1, 2].map(() => {
      const run = simrun(['scenario', 'bucket', '--seed', '42', '--lock', 'file', '--json', '--out-dir', outDir]);
      expect(run.status).toBe(0);
      return (JSON.parse(run.stdout) as { traceHash: string }).traceHash;
    });
    const here = await runScenario(bucket, { seed: 42, params: { lock: 'file' } });
    expect(hashes).toEqual([here.traceHash, here.traceHash]);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
