/**
 * `simrun jobs client` killed outright (SIGKILL: nothing it can catch or pass on): its job processes
 * end too rather than run on untracked, and the next run on the same output ends whatever of the dead
 * run still runs, sweeps what it left and then gives a correct result. Real processes, watched
 * through /proc; nothing here is timed except the bound on how long a job process may outlive its
 * supervisor.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { judgeClientOutput } from '../../src/check/client-jobs/output-format.js';
import { simrun } from '../cli/helpers.js';
import { childrenOf, startSimrun, survivorsAfter, waitFor } from '../real/orphans.js';

/** How long a job process may outlive its killed supervisor: reading its lifeline's end takes far less. */
const SURVIVAL_BOUND_MS = 10_000;
/** Each test starts three or four CLI processes and their jobs: generous, for a loaded machine. */
const TEST_TIMEOUT_MS = 400_000;

interface Killed {
  readonly dir: string;
  readonly output: string;
  /** The job processes the supervisor had started when it was killed. */
  readonly jobs: readonly number[];
}

/**
 * Starts `jobs client` with slow jobs, waits until all `jobs` job processes exist and the output holds
 * a text part-way, then SIGKILLs the supervisor. `beforeKill` runs on the job processes first.
 */
async function killSupervisorMidRun(jobs: number, beforeKill: (jobPids: number[]) => void = () => undefined): Promise<Killed> {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-supervisor-killed-'));
  const output = join(dir, 'output.txt');
  const supervisor = startSimrun(['jobs', 'client', '--client', 'acme', '--jobs', String(jobs), '--crash-rate', '0', '--out', output, '--part-work-ms', '150', '--ttl-ms', '2000']);
  const supervisorPid = supervisor.pid as number;
  const jobPids = await waitFor(`${jobs} job processes`, () => {
    const children = childrenOf(supervisorPid);
    return children.length === jobs ? children : undefined;
  });
  await waitFor('a text part-way', () => (existsSync(output) && judgeClientOutput(readFileSync(output, 'utf8')).status === 'malformed' ? true : undefined));
  beforeKill(jobPids);
  const ended = new Promise((resolve) => supervisor.once('exit', resolve));
  supervisor.kill('SIGKILL');
  await ended;
  return { dir, output, jobs: jobPids };
}

function runAgain(output: string, extra: readonly string[]) {
  const run = simrun(['jobs', 'client', '--client', 'acme', '--jobs', '2', '--crash-rate', '0', '--out', output, '--part-work-ms', '5', '--ttl-ms', '2000', ...extra]);
  return { ...run, result: extra.includes('--json') && (run.status === 0 || run.status === 1) ? (JSON.parse(run.stdout) as { ok: boolean; succeeded: number; textsBefore: number; wholeTexts: number; sweptBefore?: { childrenEnded: number; recoveredChars: number; tempFiles: number } }) : undefined };
}

describe.skipIf(process.platform !== 'linux')('simrun jobs client, its supervisor SIGKILLed', () => {
  test('no job process outlives it, and an appending run after it sweeps the half text and counts right', async () => {
    const killed = await killSupervisorMidRun(3);
    expect(await survivorsAfter(killed.jobs, SURVIVAL_BOUND_MS)).toEqual([]);
    // The killed run left its record, its journal and a half-written text behind.
    expect(existsSync(`${killed.output}.run.json`)).toBe(true);
    const left = readFileSync(killed.output, 'utf8');
    expect(judgeClientOutput(left).status).toBe('malformed');

    const again = runAgain(killed.output, ['--append', '--json']);
    expect(again.status).toBe(0);
    const result = again.result!;
    expect(result.sweptBefore).toMatchObject({ childrenEnded: 0 });
    expect(result.sweptBefore!.recoveredChars).toBeGreaterThan(0);
    expect(result).toMatchObject({ ok: true, succeeded: 2 });
    expect(result.wholeTexts).toBe(result.textsBefore + 2);
    const verdict = judgeClientOutput(readFileSync(killed.output, 'utf8'));
    expect(verdict).toMatchObject({ status: 'well-formed', wholeTexts: result.wholeTexts });
    // The sweep and the run cleaned up after themselves.
    expect(existsSync(`${killed.output}.run.json`)).toBe(false);
    expect(existsSync(`${killed.output}.pending`)).toBe(false);
  }, TEST_TIMEOUT_MS);

  test('a job process that could not read its lifeline (stopped) is ended by the next run before it starts', async () => {
    let stopped = 0;
    const killed = await killSupervisorMidRun(2, (jobPids) => {
      stopped = jobPids[0]!;
      process.kill(stopped, 'SIGSTOP');
    });
    const others = killed.jobs.filter((pid) => pid !== stopped);
    expect(await survivorsAfter(others, SURVIVAL_BOUND_MS)).toEqual([]);
    expect(await survivorsAfter([stopped], 200)).toEqual([stopped]);

    // Without --append the run starts from an empty output, so only the process needed ending.
    const again = runAgain(killed.output, []);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^swept first: the run before \(supervisor pid \d+\) died; 1 job process still running ended$/m);
    expect(await survivorsAfter([stopped], SURVIVAL_BOUND_MS)).toEqual([]);
    expect(again.stdout).toContain(`acme: 2 of 2 jobs succeeded; ${killed.output} holds 2 whole texts\n`);
    expect(judgeClientOutput(readFileSync(killed.output, 'utf8'))).toMatchObject({ status: 'well-formed', wholeTexts: 2 });
  }, TEST_TIMEOUT_MS);

  test('a second run on an output a live run is using is refused with one line, and the live run is unharmed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrun-supervisor-busy-'));
    const output = join(dir, 'output.txt');
    const first = startSimrun(['jobs', 'client', '--client', 'acme', '--jobs', '2', '--crash-rate', '0', '--out', output, '--part-work-ms', '150']);
    const firstEnded = new Promise<number | null>((resolve) => first.once('exit', resolve));
    await waitFor('the first run to record itself', () => (existsSync(`${output}.run.json`) ? true : undefined));
    const second = simrun(['jobs', 'client', '--client', 'acme', '--jobs', '1', '--out', output]);
    expect(second.status).toBe(2);
    expect(second.stderr.trim()).toBe(`simrun: --out: another run (pid ${first.pid}) is using ${output}; wait for it to end, or stop it`);
    expect(await firstEnded).toBe(0);
    expect(judgeClientOutput(readFileSync(output, 'utf8'))).toMatchObject({ status: 'well-formed', wholeTexts: 2 });
  }, TEST_TIMEOUT_MS);
});
