import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, hasStackTrace, simrun } from './helpers.js';

const fragile = join(ROOT, 'test/fixtures/fragile-scenario.ts');

test('simrun fuzz finds a failure on worker threads, shrinks it, and prints one replay command that reproduces it', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'simrun-fuzz-'));
  const run = simrun(['fuzz', fragile, '--runs', '4', '--workers', '2', '--emit-test'], { cwd });
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/^FAILED: \d+ runs, \d+ failing/m);
  expect(run.stdout).toMatch(/✗ seed 1: no-long-stall/);
  expect(run.stdout).toMatch(/shrunk in \d+ runs .*: \d+ faults → 1,/);
  const planPath = /shrunk plan: (.+)$/m.exec(run.stdout)?.[1];
  const replay = /^ {2}replay: simrun (.+)$/m.exec(run.stdout)?.[1];
  expect(planPath && existsSync(join(cwd, planPath))).toBeTruthy();
  expect(JSON.parse(readFileSync(join(cwd, planPath as string), 'utf8'))).toHaveLength(1);
  // The replay command, run as printed, breaks the same invariant.
  const replayed = simrun((replay as string).split(' ').map((part) => part.replace(/^'(.*)'$/, '$1')), { cwd });
  expect(replayed.status).toBe(1);
  expect(replayed.stdout).toContain('✗ no-long-stall');
  // The captured regression test replays the shrunk plan.
  const regressions = readdirSync(join(cwd, 'scenarios/regressions'));
  expect(regressions).toContain('fragile-seed-1.test.ts');
  const source = readFileSync(join(cwd, 'scenarios/regressions/fragile-seed-1.test.ts'), 'utf8');
  expect(source).toContain('"kind": "pause"');
  expect(source).toContain("from \"simrun\"");
  const campaign = JSON.parse(readFileSync(join(cwd, 'reports/fuzz/fragile-from-1.json'), 'utf8'));
  expect(campaign).toMatchObject({ format: 'simrun.campaign/1', scenario: 'fragile', status: 'failed' });
});

test('simrun merge adds up shards, and simrun check fails on a violation with JUnit output', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'simrun-merge-'));
  const counter = join(ROOT, 'test/fixtures/counter-scenario.ts');
  for (const shard of ['1/2', '2/2']) expect(simrun(['fuzz', counter, '--runs', '3', '--shard', shard, '--workers', '1'], { cwd }).status).toBe(0);
  const merged = simrun(['merge', 'reports/fuzz/counter-from-1-shard-1-of-2.json', 'reports/fuzz/counter-from-1-shard-2-of-2.json', '--out', 'merged.json'], { cwd });
  expect(merged.status).toBe(0);
  expect(JSON.parse(readFileSync(join(cwd, 'merged.json'), 'utf8')).runs).toBe(6);
  const check = simrun(['check', counter, fragile, '--seeds', '3', '--workers', '1', '--junit', 'junit.xml'], { cwd });
  expect(check.status).toBe(1);
  expect(check.stdout).toMatch(/^✓ counter: 3 runs, 0 failing/m);
  expect(check.stdout).toMatch(/^✗ fragile: 3 runs, [1-3] failing/m);
  expect(readFileSync(join(cwd, 'junit.xml'), 'utf8')).toContain('<failure message="no-long-stall');
});

test.each([
  [['fuzz', 'test/fixtures/fragile-scenario.ts', '--duration', 'soon'], '--duration expects a number with a unit'],
  [['fuzz', 'test/fixtures/fragile-scenario.ts', '--shard', '3/2'], "--shard expects i/n with 1 <= i <= n, got '3/2'"],
  [['fuzz', 'nope'], "unknown scenario 'nope'"],
  [['merge', '/no/such.json'], 'cannot read /no/such.json'],
])('bad input to fuzz and merge: %j', (args, message) => {
  const run = simrun(args);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain(message);
  expect(hasStackTrace(run.stderr)).toBe(false);
});
