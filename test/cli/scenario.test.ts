import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { replayCommand, runScenario } from '../../src/scenario/run.js';
import counter from '../fixtures/counter-scenario.js';
import { commandLine } from '../../src/cli/commands/scenario.js';
import { hasStackTrace, simrun } from './helpers.js';

const fixture = 'test/fixtures/counter-scenario.ts';
const outDir = mkdtempSync(join(tmpdir(), 'simrun-cli-'));

describe('simrun scenario', () => {
  test('the same seed gives the same trace hash in two OS processes and in this one', async () => {
    const runs = [1, 2].map(() => simrun(['scenario', fixture, '--seed', '77', '--set', 'workers=3', '--json', '--out-dir', outDir]));
    const hashes = runs.map((run) => JSON.parse(run.stdout).traceHash as string);
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[1]).toBe(hashes[0]);
    const inProcess = await runScenario(counter, { seed: 77, params: { workers: 3 } });
    expect(inProcess.traceHash).toBe(hashes[0]);
    const other = await runScenario(counter, { seed: 78, params: { workers: 3 } });
    expect(other.traceHash).not.toBe(hashes[0]);
  });

  test('prints the seed and options first, then the verdict, the hash and the replay command', () => {
    const run = simrun(['scenario', fixture, '--seed', '5', '--out-dir', outDir]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`simrun scenario ${fixture} --seed 5`);
    expect(lines[1]).toMatch(/^options: \{"workers":1,/);
    expect(run.stdout).toMatch(/^PASSED: /m);
    expect(run.stdout).toMatch(/^trace hash: [0-9a-f]{64}$/m);
    expect(lines.at(-1)).toBe(`replay: simrun scenario ${fixture} --seed 5`);
  });

  test('a violated invariant exits 1 and names the invariant', () => {
    const run = simrun(['scenario', fixture, '--seed', '5', '--set', 'workers=3', '--out-dir', outDir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^VIOLATED/m);
    expect(run.stdout).toContain('✗ no-lost-update');
    expect(run.stdout).toContain(`replay: simrun scenario ${fixture} --seed 5 --set workers=3`);
  });

  test('a plan file replays exactly, and the replay command names it', () => {
    const planPath = join(outDir, 'plan.json');
    writeFileSync(planPath, JSON.stringify([{ at: 50, kind: 'crash', target: 'worker-1' }]));
    const run = simrun(['scenario', fixture, '--seed', '5', '--plan', planPath, '--json', '--out-dir', outDir]);
    const result = JSON.parse(run.stdout);
    expect(result.plan).toEqual([{ at: 50, kind: 'crash', target: 'worker-1' }]);
    expect(result.planSource).toBe('file');
    expect(result.replay).toBe(`simrun scenario ${fixture} --seed 5 --plan ${planPath}`);
  });
});

describe('the first line is the command as given', () => {
  test('with --set, --lock, --plan and --swarm, pasting it runs the same run again', () => {
    const planPath = join(outDir, 'replay-plan.json');
    writeFileSync(planPath, JSON.stringify([{ at: 50, kind: 'crash', target: 'worker-2' }]));
    const args = ['scenario', fixture, '--seed', '12', '--set', 'workers=2', '--set', 'thinkMsMax=30', '--lock', 'memory', '--plan', planPath, '--swarm'];
    const first = simrun([...args, '--out-dir', outDir]);
    const line = first.stdout.split('\n')[0] as string;
    expect(line).toBe(`simrun scenario ${fixture} --seed 12 --set workers=2 --set thinkMsMax=30 --lock memory --plan ${planPath} --swarm`);
    const pasted = simrun([...line.split(' ').slice(1), '--json', '--out-dir', outDir]);
    const again = simrun([...args, '--json', '--out-dir', outDir]);
    expect(JSON.parse(pasted.stdout).traceHash).toBe(JSON.parse(again.stdout).traceHash);
    expect(first.stdout).toContain(`trace hash: ${JSON.parse(again.stdout).traceHash as string}`);
  });

  test('a seed drawn at random is written into it', () => {
    const run = simrun(['scenario', fixture, '--out-dir', outDir]);
    expect(run.stdout.split('\n')[0]).toMatch(new RegExp(`^simrun scenario ${fixture.replace(/[./]/g, '\\$&')} --seed \\d+$`));
  });

  test('values a shell would split or expand are quoted, and a mutant is named', () => {
    expect(commandLine('my scenario.ts', 3, { set: ['note=two words'], swarm: false, mutant: 'no-fencing' })).toBe(
      "simrun scenario 'my scenario.ts' --seed 3 --set 'note=two words' --mutant no-fencing",
    );
  });

  test('the replay command quotes a scenario path too, and says when a part was given as a value in code', () => {
    expect(replayCommand('my dir/"><b>.ts', 3, { params: { note: 'two words' }, swarm: false })).toBe(
      `simrun scenario 'my dir/"><b>.ts' --seed 3 --set 'note=two words'`,
    );
    const inCode = replayCommand('bucket', 5, { params: { files: 6, worker: () => undefined }, swarm: false });
    expect(inCode).toBe('simrun scenario bucket --seed 5 --set files=6 # not the same run: worker given as a value in code; give it as a module path (--set worker=./module.ts) to replay here');
  });
});

describe('bad input: one clear line, exit 2, never a stack trace', () => {
  const planPath = join(outDir, 'bad-plan.json');
  writeFileSync(planPath, JSON.stringify([{ at: 10, kind: 'pause', target: 'worker-1', ms: -3 }]));
  const notJson = join(outDir, 'not-json.json');
  writeFileSync(notJson, '[{ at: 10');
  const brokenScenario = join(outDir, 'broken-scenario.ts');
  writeFileSync(brokenScenario, 'export default {\n  name: "broken",\n  setup( {\n};\n');

  test.each([
    [['scenario', 'no-such-scenario', '--seed', '1'], "unknown scenario 'no-such-scenario'"],
    [['scenario', fixture, '--seed', '1.5'], "the seed must be a non-negative integer, got '1.5'"],
    [['scenario', fixture, '--seed', '-3'], "the seed must be a non-negative integer, got '-3'"],
    [['scenario', fixture, '--seed', 'abc'], "the seed must be a non-negative integer, got 'abc'"],
    [['scenario', fixture, '--seed', '1', '--plan', planPath], `${planPath}: fault 0 (pause): field 'ms': expected ms > 0`],
    [['scenario', fixture, '--seed', '1', '--plan', notJson], `${notJson} is not valid JSON`],
    [['scenario', fixture, '--seed', '1', '--plan', '/no/such/plan.json'], '--plan: /no/such/plan.json does not exist'],
    [['scenario', fixture, '--seed', '1', '--set', 'wheels=4'], "parameter 'wheels': unknown parameter"],
    [['scenario', fixture, '--seed', '1', '--set', 'workers=-1'], "parameter 'workers'"],
    [['scenario', './missing-scenario.ts', '--seed', '1'], 'scenario file not found: ./missing-scenario.ts'],
    [['scenario', fixture, '--seed', '9007199254740992'], 'the seed must be an integer from 0 to 2^53−1 (9007199254740991), got 9007199254740992'],
    [['scenario', fixture, '--seed', '1', '--mutant', 'nosuch'], "has no mutant 'nosuch'"],
    [['scenario', brokenScenario, '--seed', '1'], `cannot load scenario '${brokenScenario}': ${brokenScenario}:4:1: Expected ")" but found ";"`],
    [['nosuchcmd'], "simrun: unknown command 'nosuchcmd' (simrun --help lists the commands)"],
    [['real', 'nosuch'], "simrun: unknown command 'real nosuch' (simrun real --help lists its commands)"],
  ])('%j', (args, message) => {
    const run = simrun([...args, '--out-dir', outDir]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    // Refused before the run starts: not even its options were printed.
    expect(run.stdout).toBe('');
    expect(hasStackTrace(run.stderr + run.stdout)).toBe(false);
  });
});
