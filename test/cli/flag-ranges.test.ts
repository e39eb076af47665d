/**
 * Durations are positive (or non-negative) whole milliseconds up to 2^31 − 1, declared once in
 * `src/cli/flags.ts`: a value outside is one usage line and exit 2 before anything starts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, simrun } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-flags-'));

describe('duration flags', () => {
  it.each([
    ['bucket', 'worker', '--dir', dir, '--lease-ttl-ms', '0'],
    ['bucket', 'worker', '--dir', dir, '--poll-ms', '-1'],
    ['bucket', 'worker', '--dir', dir, '--settle-ms', '-1'],
    ['bucket', 'worker', '--dir', dir, '--poll-ms', String(2 ** 31)],
    ['cron', 'serve', '--name', 'n', '--schedule', '* * * * *', '--lock', `file:${dir}`, '--server', 's', '--ttl-ms', '1e308'],
    ['cron', 'serve', '--name', 'n', '--schedule', '* * * * *', '--lock', `file:${dir}`, '--server', 's', '--task-ms', String(2 ** 31)],
  ])('refuse %s %s … %s %s %s %s', (...args) => {
    const run = simrun(args);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--help/);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});

describe('real-mode campaigns', () => {
  it.each([
    ['real', 'lock', '--runs', '1', '--lock', `sqlite:${dir}`, '--out-dir', join(dir, 'real')],
    ['real', 'client-jobs', '--runs', '1', '--crash-rate', 'NaN', '--out-dir', join(dir, 'real')],
    ['real', 'dag', '--runs', '1', '--duration', '0s', '--out-dir', join(dir, 'real')],
    ['real', 'bucket', '--runs', '1', '--mutant', 'no-such-mutant', '--out-dir', join(dir, 'real')],
  ])('refuse %s %s … %s %s %s %s before any process starts', (...args) => {
    const run = simrun(args);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--help/);
    // Nothing started: a campaign prints its plan line before its first run.
    expect(run.stdout).toBe('');
  });
});

describe('output paths', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');

  it('refuse a file as scenario --out-dir and a directory as check --junit: exit 2, one line', () => {
    for (const args of [
      ['scenario', 'bucket', '--seed', '1', '--out-dir', file],
      ['check', 'bucket', '--seeds', '1', '--junit', dir],
    ]) {
      const run = simrun(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('cron serve', () => {
  const file = join(dir, 'regular');
  writeFileSync(file, 'x');
  const base = ['cron', 'serve', '--server', 's', '--ticks', '1'];

  it.each([
    ['--name', '', '--schedule', '* * * * *', '--lock', `file:${dir}`],
    ['--name', 'n', '--schedule', '', '--lock', `file:${dir}`],
    ['--name', 'n', '--schedule', '* * * * *', '--lock', `file:${file}`],
    ['--name', 'n', '--schedule', '* * * * *', '--lock', `file:${dir}`, '--task-log', dir],
  ])('refuses %s %j … as one line, exit 2', (...args) => {
    const run = simrun([...base, ...args]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
