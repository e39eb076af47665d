/**
 * Absurd inputs that once ran away or spoke in several lines, each now refused before any work
 * starts with one line and exit 2.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, simrun } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-repro-'));
const file = join(dir, 'not-json.txt');
writeFileSync(file, 'two\nlines\n');

describe('refused before anything starts: one line, exit 2', () => {
  it.each([
    // Once grew to gigabytes with no output: the scenario declares how many files it can simulate.
    ['scenario', 'bucket', '--seed', '1', '--set', 'files=1e12'],
    ['scenario', 'bucket', '--seed', '1', '--set', 'workers=100000'],
    ['scenario', 'job-runner', '--seed', '1', '--set', 'horizonMs=1e15'],
    ['scenario', 'lock', '--seed', '1', '--set', 'processes=1e9'],
    // A parse error quoting a file's content once printed its lines.
    ['merge', file],
    // A path under a regular file can never be made.
    ['scenario', 'lock', '--seed', '1', '--out-dir', join(file, 'sub')],
    ['jobs', 'certs', '--out', '/proc/x'],
    ['list', '--bogus'],
    ['bucket', 'provider', '--dir', file],
    ['check', 'lock', '--seeds', '1', '--workers', '1e308'],
  ])('%s %s %s %s %s %s', (...args) => {
    const run = simrun(args);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});
