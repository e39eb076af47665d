/**
 * `simrun jobs` end to end, as separate OS processes: certificates from `jobs certs`, a `jobs serve`
 * on loopback, and the client commands as two users.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runScenario } from '../../src/scenario/run.js';
import scenario from '../../scenarios/job-runner.js';
import { hasStackTrace, ROOT, simrun } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-jobs-cli-'));
const certs = join(dir, 'certs');
let server: ChildProcess;
let url: string;

const as = (user: string): string[] => ['--server', url, '--cert', join(certs, `${user}.crt`), '--key', join(certs, `${user}.key`), '--ca', join(certs, 'ca.crt')];

beforeAll(async () => {
  const made = simrun(['jobs', 'certs', '--out', certs, '--users', 'alice,bob']);
  expect(made.status).toBe(0);
  server = spawn(process.execPath, [`${ROOT}bin/run.js`, 'jobs', 'serve', '--cert', join(certs, 'server.crt'), '--key', join(certs, 'server.key'), '--ca', join(certs, 'ca.crt'), '--port', '0', '--state-dir', join(dir, 'state')], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    server.stdout?.setEncoding('utf8');
    server.stdout?.on('data', (text: string) => {
      seen += text;
      const match = /serving jobs on (https:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1] as string);
    });
    server.on('exit', (code) => reject(new Error(`jobs serve exited with ${code}`)));
  });
});

afterAll(() => {
  server.kill('SIGTERM');
});

describe('simrun jobs', () => {
  test('certs writes a CA, a server pair and a pair per user', () => {
    const run = simrun(['jobs', 'certs', '--out', join(dir, 'other'), '--users', 'carol', '--json']);
    expect(JSON.parse(run.stdout).files.map((file: string) => file.slice(dir.length + 7))).toEqual(['ca.crt', 'ca.key', 'server.crt', 'server.key', 'carol.crt', 'carol.key']);
  });

  test('alice starts a job, follows its logs, sees its status; bob cannot see or stop it (exit 2, one line)', () => {
    const started = simrun(['jobs', 'start', 'echo hello; echo world', ...as('alice')]);
    expect(started.status).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const logs = simrun(['jobs', 'logs', id, '--follow', ...as('alice')]);
    expect(logs.stdout).toBe('hello\nworld\n');
    const status = simrun(['jobs', 'status', id, '--json', ...as('alice')]);
    expect(JSON.parse(status.stdout).jobs[0]).toMatchObject({ id, state: 'completed', owner: 'alice', exit: 'exit 0' });
    for (const command of [['status', id], ['stop', id], ['logs', id]]) {
      const refused = simrun(['jobs', ...command, ...as('bob')]);
      expect(refused.status).toBe(2);
      expect(refused.stderr.trim()).toBe(`simrun: ${url}: 404 no job ${id}`);
      expect(hasStackTrace(refused.stderr)).toBe(false);
    }
  });

  test('alice stops her running job', () => {
    const id = simrun(['jobs', 'start', 'sleep 30', ...as('alice')]).stdout.trim();
    const stopped = simrun(['jobs', 'stop', id, ...as('alice')]);
    expect(stopped.status).toBe(0);
    expect(stopped.stdout.trim()).toMatch(new RegExp(`^${id}  (stopping|stopped)$`));
    simrun(['jobs', 'logs', id, '--follow', ...as('alice')]);
    expect(JSON.parse(simrun(['jobs', 'status', id, '--json', ...as('alice')]).stdout).jobs[0].state).toBe('stopped');
  });
});

test('simrun scenario job-runner: the same seed gives the same trace hash in two OS processes and in this one', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'simrun-job-runner-hash-'));
  const hashes = [1, 2].map(() => JSON.parse(simrun(['scenario', 'job-runner', '--seed', '9', '--json', '--out-dir', outDir]).stdout).traceHash as string);
  expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
  expect(hashes[1]).toBe(hashes[0]);
  expect((await runScenario(scenario, { seed: 9 })).traceHash).toBe(hashes[0]);
});

test('bad inputs to jobs certs and jobs serve are one line and exit 2, before anything starts', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  writeFileSync(join(dir, 'garbage.bin'), Buffer.from([0, 1, 2, 255, 254]));
  writeFileSync(join(dir, 'empty.txt'), '');
  const serveWith = (cert: string, key: string): string[] => ['jobs', 'serve', '--cert', cert, '--key', key, '--ca', join(certs, 'ca.crt'), '--port', '0', '--state-dir', join(dir, 'state-bad')];
  for (const args of [
    ['jobs', 'certs', '--out', file],
    serveWith(join(dir, 'garbage.bin'), join(certs, 'server.key')),
    serveWith(join(dir, 'empty.txt'), join(certs, 'server.key')),
    serveWith(join(certs, 'server.crt'), join(certs, 'alice.key')),
  ]) {
    const run = simrun(args);
    expect([args.join(' '), run.status]).toEqual([args.join(' '), 2]);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  }
});

test('jobs client --out DIR is refused: exit 2, one line', () => {
  const run = simrun(['jobs', 'client', '--client', 'acme', '--jobs', '2', '--out', dir]);
  expect(run.status).toBe(2);
  expect(run.stderr.trim().split('\n')).toEqual([`simrun: Parsing --out: ${dir} is a directory, expected a file path (simrun jobs client --help lists the flags)`]);
});
