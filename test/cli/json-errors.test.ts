/**
 * With `--json`, a failing command still speaks JSON: one error object on standard output, exit 2
 * for bad input, nothing on standard error. Every command that has `--json` is covered.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { hasStackTrace, simrun } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-json-errors-'));
const fixture = 'test/fixtures/counter-scenario.ts';
const damagedCampaign = join(dir, 'damaged-campaign.json');
writeFileSync(damagedCampaign, JSON.stringify({ format: 'simrun.campaign/1' }));
const badServer = ['--server', 'https://127.0.0.1:1', '--cert', 'a.crt', '--key', 'a.key', '--ca', 'ca.crt'];

describe('--json input errors: one JSON object on stdout, exit 2', () => {
  test.each([
    [['scenario', 'no-such-scenario', '--seed', '1', '--out-dir', dir], "unknown scenario 'no-such-scenario'"],
    [['scenario', fixture, '--seed', 'abc', '--out-dir', dir], "the seed must be a non-negative integer, got 'abc'"],
    [['fuzz', fixture, '--runs', '3', '--duration', '1s', '--out-dir', dir], 'give --runs or --duration, not both'],
    [['check', 'no-such-scenario', '--seeds', '1'], "unknown scenario 'no-such-scenario'"],
    [['merge', join(dir, 'missing.json')], 'cannot read'],
    [['merge', damagedCampaign], "is a damaged simrun.campaign/1 result: field 'scenario' should be a string"],
    [['mutants', '--check', '--only', 'no-such-mutant'], 'no such mutant'],
    [['mutants', '--check', '--scenario', fixture], `${fixture} declares no mutants: nothing to check`],
    [['report', join(dir, 'missing.json')], 'cannot read'],
    [['list', '--no-such-flag'], 'Nonexistent flag: --no-such-flag'],
    [['bucket', 'verify', '--dir', join(dir, 'no-such-bucket')], 'does not exist'],
    [['cron', 'serve', '--name', 'backup', '--schedule', 'not a schedule', '--lock', `sqlite:${join(dir, 'locks.db')}`, '--server', 's1'], ''],
    [['cron', 'serve', '--name', 'backup', '--schedule', '* * * * *', '--lock', 'memory', '--server', 's1'], 'cannot coordinate'],
    [['jobs', 'certs', '--out', join(dir, 'certs'), '--users', 'ca'], "'ca' is not a usable user name"],
    [['jobs', 'client', '--client', 'acme', '--out', join(dir, 'no-such-dir', 'out.txt')], 'does not exist'],
    [['jobs', 'client', '--client', 'acme', '--out', join(dir, 'out.txt'), '--jobs', '0'], 'Expected an integer greater than or equal to 1'],
    [['jobs', 'start', 'true', ...badServer], 'does not exist'], // oclif checks the --cert, --key and --ca files at once: any may answer first
    [['jobs', 'status', ...badServer], 'does not exist'], // oclif checks the --cert, --key and --ca files at once: any may answer first
    [['jobs', 'stop', 'job-1', ...badServer], 'does not exist'], // oclif checks the --cert, --key and --ca files at once: any may answer first
    [['jobs', 'verify', join(dir, 'missing.txt')], 'cannot read'],
    [['dag', 'run', join(dir, 'missing.yaml')], 'cannot read the pipeline file'],
    [['dag', 'status', join(dir, 'missing.yaml')], 'cannot read the pipeline file'],
    [['dag', 'start', join(dir, 'missing.yaml')], 'cannot read the pipeline file'],
    [['dag', 'stop', join(dir, 'missing.yaml')], 'cannot read the pipeline file'],
    [['dag', 'restart', join(dir, 'missing.yaml'), 'load'], 'cannot read the pipeline file'],
  ])('%j', (args, message) => {
    const run = simrun([...args, '--json']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('');
    expect(hasStackTrace(run.stdout)).toBe(false);
    const parsed = JSON.parse(run.stdout) as { error: { kind: string; name: string; message: string } };
    expect(parsed.error.kind).toBe('input');
    expect(parsed.error.message).toContain(message);
    expect(parsed.error.message.split('\n')).toHaveLength(1);
  });
});

describe('mutants --check --only', () => {
  test('a name that matches no mutant exits 2 naming it and the known ones, and checks nothing', () => {
    const run = simrun(['mutants', '--check', '--only', 'nosuch', '--scenario', 'lock']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toMatch(/^simrun: --only nosuch: no such mutant in lock \(known: .*no-fencing.*\)$/);
  });

  test('one unknown name among known ones is still an error', () => {
    const run = simrun(['mutants', '--only', 'no-fencing', '--only', 'no-fencin']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--only no-fencin: no such mutant');
  });

  test('a known name lists only that mutant', () => {
    const run = simrun(['mutants', '--only', 'stats-last-5', '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).mutants).toEqual([{ scenario: 'bucket', mutant: 'stats-last-5', description: expect.any(String) }]);
  });
});
