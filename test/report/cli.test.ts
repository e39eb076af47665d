import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { hasStackTrace, simrun } from '../cli/helpers.js';

const fixture = 'test/fixtures/counter-scenario.ts';
const outDir = mkdtempSync(join(tmpdir(), 'simrun-report-cli-'));

describe('simrun scenario --report', () => {
  test('writes the HTML next to the JSON result and prints its path last', () => {
    const run = simrun(['scenario', fixture, '--seed', '9', '--set', 'workers=2', '--report', '--out-dir', outDir]);
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(`report: ${join(outDir, 'counter-9.html')}`);
    expect(lines).toContain(`result: ${join(outDir, 'counter-9.json')}`);
    const html = readFileSync(join(outDir, 'counter-9.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<script type="application/json" id="simrun-data">');
  });

  test('without --report, no HTML', () => {
    const run = simrun(['scenario', fixture, '--seed', '10', '--out-dir', outDir]);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain('report:');
    expect(existsSync(join(outDir, 'counter-10.html'))).toBe(false);
  });
});

describe('simrun report', () => {
  test('renders a run result to the result path with .html, or to --out', () => {
    simrun(['scenario', fixture, '--seed', '11', '--out-dir', outDir]);
    const byDefault = simrun(['report', join(outDir, 'counter-11.json')]);
    expect(byDefault.status).toBe(0);
    expect(byDefault.stdout.trim()).toBe(`report: ${join(outDir, 'counter-11.html')}`);
    const out = join(outDir, 'nested', 'mine.html');
    const chosen = simrun(['report', join(outDir, 'counter-11.json'), '--out', out, '--json']);
    expect(JSON.parse(chosen.stdout)).toEqual({ kind: 'run', reportPath: out });
    expect(readFileSync(out, 'utf8')).toContain('counter seed 11');
  });

  const notJson = join(outDir, 'not-json.json');
  writeFileSync(notJson, '{ "format": ');
  const unknown = join(outDir, 'unknown.json');
  writeFileSync(unknown, JSON.stringify({ format: 'simrun.other/9' }));
  const noFormat = join(outDir, 'no-format.json');
  writeFileSync(noFormat, JSON.stringify([1, 2, 3]));
  const damaged = join(outDir, 'damaged.json');
  writeFileSync(damaged, JSON.stringify({ format: 'simrun.run/1', scenario: 'x', seed: 1 }));
  const badEvent = join(outDir, 'bad-event.json');
  const fields = { format: 'simrun.run/1', scenario: 'x', seed: 1, status: 'passed', traceHash: 'h', replay: 'r', epochMs: 0, simulatedMs: 1, plan: [], violations: [], invariants: [] };
  writeFileSync(badEvent, JSON.stringify({ ...fields, trace: [{ seq: 0, t: 0, pid: 'a#1', kind: 'x' }, { seq: 1, t: 0, pid: 'a#1', kind: 7 }] }));

  test.each([
    ['a missing file', join(outDir, 'missing.json'), /^simrun: cannot read .*missing\.json: ENOENT$/],
    ['a file that is not JSON', notJson, /^simrun: .*not-json\.json is not valid JSON: /],
    ['an unknown format', unknown, /^simrun: .*unknown\.json has an unknown format 'simrun\.other\/9'/],
    ['JSON without a format', noFormat, /^simrun: .*no-format\.json is not a simrun result: no 'format' field/],
    ['a run result missing fields', damaged, /^simrun: .*damaged\.json is a damaged simrun\.run\/1 result: field 'status' should be a string$/],
    ['a run result with a malformed trace event', badEvent, /^simrun: .*bad-event\.json is a damaged simrun\.run\/1 result: trace event 1 is not \{seq, t, pid, kind, data\?\}/],
  ])('%s: one line, exit 2', (_name, path, message) => {
    const run = simrun(['report', path]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(message);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});
