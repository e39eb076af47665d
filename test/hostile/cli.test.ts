/**
 * Hostile input for every command: each command (read from oclif's own list, so a new command or
 * flag is covered the day it lands) is started with one of its flags set to an absurd value — 0,
 * −1, 1e308, NaN, '', a directory, a regular file where a directory is meant, /proc/self/mem, binary
 * garbage, a 10 KB string. Each run must end within a few seconds with exit 2 and one line on
 * standard error, or with exit 0/1 having printed something; never a stack trace, never exit 3.
 *
 * The (command, flag, value) triples are drawn by fast-check from a fixed seed, a bounded number
 * per command (SIMRUN_HOSTILE_RUNS raises it, SIMRUN_HOSTILE_SEED draws others), two CLI
 * processes at a time.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '@oclif/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROOT, hasStackTrace } from '../cli/helpers.js';

const RUNS_PER_COMMAND = Number(process.env.SIMRUN_HOSTILE_RUNS ?? 1);
const SEED = Number(process.env.SIMRUN_HOSTILE_SEED ?? 18);
// A hang detector, not a timer: generous, since a loaded 2-core machine takes seconds to start Node.
const DEADLINE_MS = 40_000;

const scratch = mkdtempSync(join(tmpdir(), 'simrun-hostile-'));
const dir = join(scratch, 'a-dir');
mkdirSync(dir);
const file = join(scratch, 'a-file');
writeFileSync(file, 'just some text\n');
const garbagePem = join(scratch, 'garbage.pem');
writeFileSync(garbagePem, Buffer.from([0, 255, 1, 254, 10, 0x2d, 0x2d]));
const pipeline = join(scratch, 'pipeline.yaml');
writeFileSync(pipeline, 'name: hostile\njobs:\n  hello:\n    run: echo hello\n');
const bucketDir = join(scratch, 'bucket');
mkdirSync(bucketDir);

/** The absurd values every flag meets. */
const HOSTILE_VALUES: readonly string[] = [
  '0',
  '-1',
  '1e308',
  'NaN',
  '',
  dir,
  file,
  '/proc/self/mem',
  '\u0001\u00ff\ufffd\u0000garbage'.replace('\u0000', ''),
  'x'.repeat(10_240),
];

/**
 * How each command is started so that it ends quickly whatever one flag holds: the other flags are
 * valid and small (one seed, one tick, one file), or, for a command that would otherwise serve
 * until stopped, a second bad input that is still there when one flag is replaced (garbage PEMs).
 */
const BASES: Readonly<Record<string, readonly string[]>> = {
  'bucket:provider': ['--dir', bucketDir, '--files', '1', '--seconds-in-min', '0.001'],
  'bucket:verify': ['--dir', bucketDir],
  // Valid: a worker polling an empty bucket until stopped (see `MUST_REFUSE`).
  'bucket:worker': ['--dir', bucketDir, '--poll-ms', '50'],
  check: ['lock', '--seeds', '1', '--workers', '1'],
  'cron:serve': ['--name', 'n', '--schedule', '* * * * * *', '--lock', `file:${scratch}`, '--server', 's', '--ticks', '1', '--task-ms', '1'],
  'dag:logs': [pipeline, 'hello', '--store', `sqlite:${join(scratch, 'dag.db')}`],
  'dag:restart': [pipeline, 'hello', '--store', `sqlite:${join(scratch, 'dag.db')}`],
  'dag:run': [pipeline, '--store', `sqlite:${join(scratch, 'dag.db')}`, '--poll-ms', '10'],
  'dag:start': [pipeline, 'hello', '--store', `sqlite:${join(scratch, 'dag.db')}`],
  'dag:status': [pipeline, '--store', `sqlite:${join(scratch, 'dag.db')}`],
  'dag:stop': [pipeline, 'hello', '--store', `sqlite:${join(scratch, 'dag.db')}`],
  fuzz: ['lock', '--runs', '1', '--workers', '1', '--out-dir', join(scratch, 'fuzz')],
  'jobs:certs': ['--out', join(scratch, 'certs')],
  'jobs:client': ['--client', 'a', '--jobs', '1', '--out', join(scratch, 'client.txt'), '--part-work-ms', '1', '--crash-rate', '0'],
  'jobs:logs': ['some-id', '--cert', garbagePem, '--key', garbagePem, '--ca', garbagePem],
  'jobs:serve': ['--cert', garbagePem, '--key', garbagePem, '--ca', garbagePem, '--port', '0', '--state-dir', join(scratch, 'jobs-state')],
  'jobs:start': ['true', '--cert', garbagePem, '--key', garbagePem, '--ca', garbagePem],
  'jobs:status': ['some-id', '--cert', garbagePem, '--key', garbagePem, '--ca', garbagePem],
  'jobs:stop': ['some-id', '--cert', garbagePem, '--key', garbagePem, '--ca', garbagePem],
  'jobs:verify': [file],
  list: [],
  'lock-contract': ['memory', '--runs', '0'],
  merge: [file],
  mutants: ['--scenario', 'no-such-scenario', '--bound', '1'],
  // Valid campaigns of one run: what a drawn value is checked against (see `MUST_REFUSE` below).
  'real:bucket': ['--runs', '1', '--out-dir', join(scratch, 'real')],
  'real:client-jobs': ['--runs', '1', '--out-dir', join(scratch, 'real')],
  'real:cron-leader': ['--runs', '1', '--out-dir', join(scratch, 'real')],
  'real:dag': ['--runs', '1', '--out-dir', join(scratch, 'real')],
  'real:job-runner': ['--runs', '1', '--out-dir', join(scratch, 'real')],
  'real:lock': ['--runs', '1', '--out-dir', join(scratch, 'real')],
  report: [file],
  scenario: ['lock', '--seed', '1', '--out-dir', join(scratch, 'scenario')],
};

/**
 * Commands whose valid invocation runs for many seconds or until stopped (a real campaign starts OS
 * processes for each run; a worker polls): their base is valid, so the drawn value is what decides,
 * and only values the flag must refuse are drawn — each must end as exit 2 and one line, having
 * started nothing (no output).
 */
const MUST_REFUSE = (id: string): boolean => id.startsWith('real:') || id === 'bucket:worker';

/**
 * Hostile values that a flag of those commands takes as valid (the command would then run): not
 * drawn for it. `--out-dir` and `--dir` take almost any name (the directory is made), and the same
 * flag types are drawn on `scenario`, `fuzz` and `jobs certs`, which end by themselves.
 */
const VALID_IN_LONG_RUNS: Readonly<Record<string, readonly string[] | 'any'>> = {
  seed: ['0'],
  'part-work-ms': ['0'],
  'crash-rate': ['0'],
  'settle-ms': ['0'],
  'out-dir': 'any',
  dir: 'any',
};

/** Flags left out, with the reason (none today: every option flag of every listed command is drawn). */
const SKIPPED: Readonly<Record<string, string>> = {};

interface Invocation {
  readonly command: string;
  readonly flag: string;
  readonly value: string;
}

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly hung: boolean;
}

function runCli(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, ...args], {
      cwd: scratch,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A hang is a failure: kill the whole group (a command's own children too) and say so.
    const timer = setTimeout(() => {
      hung = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, DEADLINE_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    });
  });
}

/** Runs `tasks` two at a time, in order of the list. */
async function twoAtATime<T, R>(tasks: readonly T[], run: (task: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(tasks.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await run(tasks[index] as T);
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}

/** What is wrong with an outcome, or undefined when it is one of the allowed endings. */
function judge(outcome: Outcome, mustRefuse: boolean): string | undefined {
  if (outcome.hung) return `still running after ${DEADLINE_MS} ms`;
  if (hasStackTrace(outcome.stderr) || hasStackTrace(outcome.stdout)) return 'printed a stack trace';
  if (mustRefuse && outcome.code !== 2) return `exit ${String(outcome.code)} where a refusal (exit 2) was due`;
  if (mustRefuse && outcome.stdout.trim() !== '') return `refused after starting: ${outcome.stdout.trim().split('\n')[0]}`;
  if (outcome.code === 2) {
    const lines = outcome.stderr.trim().split('\n');
    return lines.length === 1 && lines[0] !== '' ? undefined : `exit 2 with ${lines.length} lines on stderr`;
  }
  if (outcome.code === 0 || outcome.code === 1) return outcome.stdout.trim() === '' && outcome.stderr.trim() === '' ? `exit ${outcome.code} having printed nothing` : undefined;
  return `exit ${String(outcome.code)}`;
}

// vitest sets NODE_ENV=test, which sends oclif looking for TypeScript sources; list the built commands as users get them.
process.env.NODE_ENV = 'production';
const config = await Config.load({ root: ROOT });
const commands = config.commands.filter((command) => !command.hidden).sort((a, b) => a.id.localeCompare(b.id));

function optionFlags(id: string): string[] {
  const command = commands.find((candidate) => candidate.id === id);
  if (command === undefined) return [];
  return Object.entries(command.flags)
    .filter(([name, flag]) => flag.type === 'option' && !flag.hidden && SKIPPED[`${id} --${name}`] === undefined)
    .map(([name]) => name);
}

/** Replaces `--flag VALUE` in the base (or appends it), so the flag holds the hostile value. */
function withFlag(base: readonly string[], flag: string, value: string): string[] {
  const at = base.indexOf(`--${flag}`);
  if (at === -1) return [...base, `--${flag}`, value];
  return [...base.slice(0, at), `--${flag}`, value, ...base.slice(at + 2)];
}

/** The (flag, value) pairs drawn for a command that must refuse them: those its flags cannot take. */
function refusedPairs(flags: readonly string[]): { flag: string; value: string }[] {
  return flags.flatMap((flag) => {
    const valid = VALID_IN_LONG_RUNS[flag] ?? [];
    return valid === 'any' ? [] : HOSTILE_VALUES.filter((value) => !valid.includes(value)).map((value) => ({ flag, value }));
  });
}

function draws(): Invocation[] {
  const invocations: Invocation[] = [];
  for (const command of commands) {
    const flags = optionFlags(command.id);
    if (flags.length === 0) continue;
    const arbitrary = MUST_REFUSE(command.id)
      ? fc.constantFrom(...refusedPairs(flags))
      : fc.record({ flag: fc.constantFrom(...flags), value: fc.constantFrom(...HOSTILE_VALUES) });
    for (const drawn of fc.sample(arbitrary, { seed: SEED + command.id.length, numRuns: RUNS_PER_COMMAND })) invocations.push({ command: command.id, ...drawn });
  }
  return invocations;
}

describe('hostile input on every command', () => {
  it('every command has a base invocation here (a new command gets one)', () => {
    expect(commands.map((command) => command.id).filter((id) => BASES[id] === undefined)).toEqual([]);
  });

  it('each drawn (command, flag, absurd value) ends in time with exit 2 and one line, or 0/1 with output; never a trace or exit 3', async () => {
    const invocations = draws();
    const outcomes = await twoAtATime(invocations, (invocation) => runCli([...invocation.command.split(':'), ...withFlag(BASES[invocation.command] ?? [], invocation.flag, invocation.value)]));
    const failures = invocations.flatMap((invocation, index) => {
      const outcome = outcomes[index] as Outcome;
      const problem = judge(outcome, MUST_REFUSE(invocation.command));
      const shown = invocation.value.length > 40 ? `${invocation.value.slice(0, 20)}…(${invocation.value.length} chars)` : invocation.value;
      return problem === undefined ? [] : [`${invocation.command.replace(/:/g, ' ')} --${invocation.flag} ${JSON.stringify(shown)}: ${problem}\n${outcome.stderr.slice(0, 500)}`];
    });
    expect(failures).toEqual([]);
  }, 300_000);

  it('an unknown flag is one line and a pointer to --help on every command, exit 2', async () => {
    const outcomes = await twoAtATime(commands, (command) => runCli([...command.id.split(':'), '--no-such-flag']));
    const failures = commands.flatMap((command, index) => {
      const outcome = outcomes[index] as Outcome;
      const lines = outcome.stderr.trim().split('\n');
      return outcome.code === 2 && lines.length === 1 && /--help/.test(outcome.stderr) ? [] : [`${command.id}: exit ${String(outcome.code)}, ${lines.length} lines: ${outcome.stderr.slice(0, 300)}`];
    });
    expect(failures).toEqual([]);
  }, 300_000);
});
