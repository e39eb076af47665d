/**
 * Client jobs for real: `simrun jobs client` starts real OS processes that contend for a real lock
 * (a directory of lock files, or a SQLite file) and append to a real output file; `simrun jobs verify`
 * judges the file. Assertions are on outputs and reports, never on durations.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { describe, expect, test, type ExpectStatic } from 'vitest';
import { WHOLE_TEXT } from '../../src/systems/client-jobs/index.js';
import { hasStackTrace, ROOT, simrun, simrunAsync } from '../cli/helpers.js';

interface Outcome {
  readonly status: 'succeeded' | 'failed';
  readonly job: number;
  readonly reason?: string;
  readonly ticket?: number;
  readonly token?: number;
}

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'simrun-client-jobs-'));
}

async function runJobs(dir: string, extra: readonly string[], expect: ExpectStatic): Promise<{ status: number | null; result: { jobs: Outcome[]; succeeded: number; wholeTexts: number; wellFormed: boolean; ok: boolean; ranInQueueOrder: boolean } }> {
  const run = await simrunAsync(['jobs', 'client', '--client', 'acme', '--out', join(dir, 'output.txt'), '--json', ...extra]);
  expect(run.stderr).toBe('');
  return { status: run.status, result: JSON.parse(run.stdout) };
}

// Each run is in its own directory, with its own output and lock store: they run at once, since a
// run mostly waits (on the client's lock, on a dead job's lease).
describe('simrun jobs client, for real', () => {
  test.concurrent.for<[string, string[]]>([
    ['sqlite lock (default)', []],
    ['file lock', ['--lock', 'file:LOCKDB']],
  ])('five jobs started at once on a %s: k whole texts for k successes, every job reported', async ([, lockArgs], { expect }) => {
    const dir = freshDir();
    const args = lockArgs.map((arg) => arg.replace('LOCKDB', join(dir, 'locks.db')));
    const { status, result } = await runJobs(dir, ['--jobs', '5', '--crash-rate', '0.4', ...args], expect);
    expect(status).toBe(0);
    expect(result.jobs.map((job) => job.job).sort()).toEqual([1, 2, 3, 4, 5]);
    const succeeded = result.jobs.filter((job) => job.status === 'succeeded').length;
    expect(readFileSync(join(dir, 'output.txt'), 'utf8')).toBe(WHOLE_TEXT.repeat(succeeded));
    expect(result).toMatchObject({ succeeded, wholeTexts: succeeded, wellFormed: true, ok: true, ranInQueueOrder: true });
    // Every job joined the client's waiting line: five distinct tickets, recorded in the lock store.
    expect(new Set(result.jobs.map((job) => job.ticket)).size).toBe(5);
    const verify = await simrunAsync(['jobs', 'verify', join(dir, 'output.txt')]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain(`OK, ${succeeded} whole text${succeeded === 1 ? '' : 's'} separated`);
  });

  test.concurrent('every job crashing mid-text leaves an empty output, and later jobs still ran', async ({ expect }) => {
    const dir = freshDir();
    const { result } = await runJobs(dir, ['--jobs', '4', '--crash-rate', '1'], expect);
    expect(result.jobs.map((job) => job.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(result.jobs.every((job) => /crashed after part [1-5] of 6/.test(job.reason ?? ''))).toBe(true);
    expect(readFileSync(join(dir, 'output.txt'), 'utf8')).toBe('');
  });

  test.concurrent('job processes killed mid-text: their partial text is rolled back and the others still run', async ({ expect }) => {
    const dir = freshDir();
    const { status, result } = await runJobs(dir, ['--jobs', '3', '--crash-rate', '1', '--crash-mode', 'exit', '--ttl-ms', '1000'], expect);
    expect(status).toBe(0);
    expect(result.jobs.map((job) => job.reason)).toEqual(['its process died mid-text', 'its process died mid-text', 'its process died mid-text']);
    expect(readFileSync(join(dir, 'output.txt'), 'utf8')).toBe('');
    // No journal is left behind: the last one was rolled back by the supervisor's sweep.
    expect(readdirSync(dir).filter((name) => name.includes('.pending'))).toEqual([]);
  });

  test.concurrent('jobs without crashes took the lock in the order of their tickets', async ({ expect }) => {
    const dir = freshDir();
    const { result } = await runJobs(dir, ['--jobs', '5', '--crash-rate', '0', '--part-work-ms', '20'], expect);
    const byStart = [...result.jobs].sort((a, b) => (a.token ?? 0) - (b.token ?? 0)).map((job) => job.ticket ?? 0);
    expect(byStart).toEqual([...byStart].sort((a, b) => a - b));
    expect(result.ranInQueueOrder).toBe(true);
  });

  test.concurrent('each run starts from an empty output; --append adds to it', async ({ expect }) => {
    const dir = freshDir();
    writeFileSync(join(dir, 'output.txt'), 'left over from yesterday, half a Maestro');
    const first = (await runJobs(dir, ['--jobs', '2', '--crash-rate', '0'], expect)).result;
    const second = (await runJobs(dir, ['--jobs', '3', '--crash-rate', '0'], expect)).result;
    const third = await runJobs(dir, ['--jobs', '2', '--crash-rate', '0', '--append'], expect);
    // A job may still fail for real (a lease lost on a loaded machine): what is judged is that each
    // run's output holds one text per job that succeeded, after none (a clean start) or after the
    // texts already there (--append).
    expect([first.wholeTexts, second.wholeTexts]).toEqual([first.succeeded, second.succeeded]);
    expect(second.succeeded).toBeGreaterThan(0);
    expect(third.result.wholeTexts).toBe(second.wholeTexts + third.result.succeeded);
    expect(third.status).toBe(0);
    expect(readFileSync(join(dir, 'output.txt'), 'utf8')).toBe(WHOLE_TEXT.repeat(third.result.wholeTexts));
  });
});

describe('simrun jobs client under SIGTERM', () => {
  test('the supervisor passes the stop on, waits for every job process, sweeps and reports; none is left running', async () => {
    const dir = freshDir();
    const client = `term-${process.pid}`;
    const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'jobs', 'client', '--client', client, '--out', join(dir, 'output.txt'), '--jobs', '3', '--crash-rate', '0', '--part-work-ms', '200', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The stop goes in once the job processes exist: the supervisor has its handler by then.
    while (jobProcesses(client).length === 0) await sleep(100);
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    const result = JSON.parse(stdout) as { jobs: Outcome[]; succeeded: number; wholeTexts: number; ok: boolean };
    expect(result.jobs.map((job) => job.job).sort()).toEqual([1, 2, 3]);
    expect(result).toMatchObject({ wholeTexts: result.succeeded, ok: true });
    expect(readFileSync(join(dir, 'output.txt'), 'utf8')).toBe(WHOLE_TEXT.repeat(result.succeeded));
    expect(jobProcesses(client)).toEqual([]);
  });
});

/** Process ids of the job processes of `client` still running. */
function jobProcesses(client: string): string[] {
  return readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return false; // it ended while we looked
    }
    return args.includes('--job') && args[args.indexOf('--client') + 1] === client;
  });
}

describe('simrun jobs verify', () => {
  test('interleaved texts fail with exit 1 and say where', () => {
    const path = join(freshDir(), 'output.txt');
    writeFileSync(path, WHOLE_TEXT + 'Maestro isMaestro the best...... is the best......\n\n\n\n');
    const run = simrun(['jobs', 'verify', path]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('MALFORMED after 1 whole text: text 2 (at character 27) is interleaved or partial text');
  });

  test('a partial text at the end fails', () => {
    const path = join(freshDir(), 'output.txt');
    writeFileSync(path, WHOLE_TEXT + 'Maestro is the');
    expect(simrun(['jobs', 'verify', path]).status).toBe(1);
  });

  test('fewer texts than --expected-min fail; enough pass', () => {
    const path = join(freshDir(), 'output.txt');
    writeFileSync(path, WHOLE_TEXT.repeat(2));
    expect(simrun(['jobs', 'verify', path, '--expected-min', '3']).status).toBe(1);
    expect(simrun(['jobs', 'verify', path, '--expected-min', '2']).status).toBe(0);
  });
});

describe('bad input: one line on stderr, exit 2, no stack trace', () => {
  const dir = freshDir();
  const out = join(dir, 'output.txt');
  test.each([
    ['a negative job count', ['jobs', 'client', '--client', 'acme', '--out', out, '--jobs', '-3'], 'Parsing --jobs: Expected an integer greater than or equal to 1 but received: -3'],
    ['a negative crash rate', ['jobs', 'client', '--client', 'acme', '--out', out, '--crash-rate', '-0.1'], "--crash-rate must be a probability between 0 and 1, got '-0.1'"],
    ['an output path in a missing directory', ['jobs', 'client', '--client', 'acme', '--out', join(dir, 'missing', 'output.txt')], `directory ${join(dir, 'missing')} does not exist`],
    ['a memory lock across processes', ['jobs', 'client', '--client', 'acme', '--out', out, '--lock', 'memory'], '--lock memory lives inside one process'],
    ['a missing file to verify', ['jobs', 'verify', join(dir, 'nope.txt')], `cannot read the output file ${join(dir, 'nope.txt')}: ENOENT`],
  ])('%s', (_name, args, message) => {
    const run = simrun(args);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});

describe('simrun scenario client-jobs / cron-leader', () => {
  test.each([
    ['client-jobs', ['--set', 'clients=2', '--lock', 'file']],
    ['cron-leader', ['--set', 'hours=2', '--lock', 'sqlite']],
  ])('%s: one seed gives one trace hash in two OS processes', (scenario, extra) => {
    const outDir = freshDir();
    const hashes = [1, 2].map(() => {
      const run = simrun(['scenario', scenario, '--seed', '31', ...extra, '--json', '--out-dir', outDir]);
      expect(run.status).toBe(0);
      return JSON.parse(run.stdout).traceHash as string;
    });
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[1]).toBe(hashes[0]);
  });
});
