import { Flags } from '@oclif/core';
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { realEnv } from '../../../env/index.js';
import { judgeClientOutput } from '../../../check/client-jobs/output-format.js';
import { openLock, parseLockSpec, withLock, type LockBackend } from '../../../locks/index.js';
import { InputError } from '../../../env/errors.js';
import { clientLockKey, recoverOutput, runClientJob, type ClientJobOptions, type ClientJobOutcome } from '../../../systems/client-jobs/index.js';
import { EXIT, SimrunCommand } from '../../base.js';
import { plural } from '../../format.js';

/** Exit code of a job process that was made to die mid-text (`--crash-mode exit`). */
const DIED_MID_TEXT = 70;

export interface JobsClientResult {
  readonly client: string;
  readonly output: string;
  readonly jobs: readonly ClientJobOutcome[];
  readonly succeeded: number;
  /** Characters of crashed jobs' partial text the final recovery removed (0 when the jobs cleaned up after themselves). */
  readonly recoveredChars: number;
  readonly wholeTexts: number;
  readonly wellFormed: boolean;
}

export default class JobsClientCommand extends SimrunCommand {
  static override summary = "Run one client's jobs for real: concurrent OS processes, one at a time per client through a lock.";
  static override description =
    "Starts --jobs worker processes at once, like the original program's threads. Each waits for the client's lock (backoff, no spinning), appends the text part by part to --out, and crashes part-way with probability --crash-rate; a crash leaves no partial text and never blocks later jobs. Afterwards every job's outcome is printed and the output is checked as `simrun jobs verify` does (exit 1 when malformed).";
  static override examples = [
    '<%= config.bin %> jobs client --client acme --jobs 5 --crash-rate 0.3 --out output.txt',
    '<%= config.bin %> jobs client --client acme --jobs 5 --out output.txt --lock sqlite:locks.db --crash-mode exit',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    client: Flags.string({ description: 'the client whose jobs run', required: true }),
    jobs: Flags.string({ description: 'how many jobs to start at once (a positive integer)', default: '5' }),
    'crash-rate': Flags.string({ description: 'probability in [0, 1] that a job crashes part-way', default: '0.3' }),
    out: Flags.string({ description: "the client's output file (its directory must exist)", required: true }),
    lock: Flags.string({ description: 'the lock shared by the job processes: file:DIR, sqlite:PATH or postgres://... (default file:<out>.locks)' }),
    'crash-mode': Flags.string({ description: 'throw: a crashed job cleans up and reports; exit: its whole process dies mid-text', options: ['throw', 'exit'], default: 'throw' }),
    'part-work-ms': Flags.string({ description: 'work between two parts of the text, ms', default: '40' }),
    'ttl-ms': Flags.string({ description: "lease of the client's lock, ms: a dead job blocks the client at most this long", default: '3000' }),
    job: Flags.string({ description: 'run only job N in this process (what the started worker processes do)', hidden: true }),
  };

  async run(): Promise<JobsClientResult | ClientJobOutcome> {
    const { flags } = await this.parse(JobsClientCommand);
    const jobs = parseCount('--jobs', flags.jobs);
    const crashRate = parseProbability('--crash-rate', flags['crash-rate']);
    const partWorkMs = parseNonNegative('--part-work-ms', flags['part-work-ms']);
    const ttlMs = parseCount('--ttl-ms', flags['ttl-ms']);
    const output = resolve(flags.out);
    await requireDirectory(dirname(output), `--out ${flags.out}`);
    const lockSpec = flags.lock ?? `file:${output}.locks`;
    const spec = parseLockSpec(lockSpec);
    if (spec.kind === 'memory') throw new InputError('--lock memory lives inside one process and cannot coordinate job processes: use file:DIR, sqlite:PATH or postgres://...');
    if (spec.kind === 'file') await requireDirectory(dirname(resolve(spec.dir)), `--lock ${lockSpec}`);
    if (spec.kind === 'sqlite' && spec.path !== ':memory:') await requireDirectory(dirname(resolve(spec.path)), `--lock ${lockSpec}`);
    const options = { client: flags.client, outputPath: output, crashRate, partWorkMsMin: partWorkMs, partWorkMsMax: partWorkMs * 2, ttlMs, backoff: { minMs: 5, maxMs: Math.max(10, Math.min(500, ttlMs / 4)) } };

    if (flags.job !== undefined) return this.runOneJob(parseCount('--job', flags.job), options, lockSpec, flags['crash-mode'] === 'exit');

    const childArgs = ['jobs', 'client', '--client', flags.client, '--jobs', String(jobs), '--crash-rate', String(crashRate), '--out', output, '--lock', lockSpec, '--crash-mode', flags['crash-mode'], '--part-work-ms', String(partWorkMs), '--ttl-ms', String(ttlMs)];
    const outcomes = await Promise.all(Array.from({ length: jobs }, (_, index) => runJobProcess(childArgs, flags.client, index + 1)));
    for (const outcome of outcomes) this.log(`job ${outcome.job}: ${outcome.status === 'succeeded' ? 'succeeded' : `failed (${outcome.reason})`}`);

    // The supervisor's sweep: a job process that died mid-text left a journal; roll it back now.
    const env = realEnv(`${flags.client}-supervisor#${process.pid}`, { logLine: () => {} });
    const lock = await openLock(spec, env);
    let recoveredChars: number;
    try {
      recoveredChars = await withLock(lock, clientLockKey(flags.client), env.id, () => recoverOutput(env, output), { env, ttlMs, backoff: options.backoff });
    } finally {
      await lock.close?.();
    }
    if (recoveredChars > 0) this.log(`recovered: removed ${plural(recoveredChars, 'character')} of partial text left by a job process that died`);
    const content = await env.fs.readFile(output, 'utf8').catch(() => '');
    const verdict = judgeClientOutput(content);
    const succeeded = outcomes.filter((outcome) => outcome.status === 'succeeded').length;
    this.log(`${flags.client}: ${succeeded} of ${plural(jobs, 'job')} succeeded; ${flags.out} holds ${plural(verdict.wholeTexts, 'whole text')}${verdict.status === 'malformed' ? `, then: ${verdict.problem}` : ''}`);
    if (verdict.status === 'malformed') process.exitCode = EXIT.violated;
    return { client: flags.client, output, jobs: outcomes, succeeded, recoveredChars, wholeTexts: verdict.wholeTexts, wellFormed: verdict.status === 'well-formed' };
  }

  /** Inside a worker process: one job, its outcome as one JSON line on stdout. */
  private async runOneJob(job: number, base: Omit<ClientJobOptions, 'job'>, lockSpec: string, dieOnCrash: boolean): Promise<ClientJobOutcome> {
    const env = realEnv(`${base.client}-job-${job}#${process.pid}`, { logLine: () => {} });
    const lock: LockBackend = await openLock(lockSpec, env);
    const onCrash = dieOnCrash ? async (): Promise<void> => process.exit(DIED_MID_TEXT) : undefined;
    try {
      const outcome = await runClientJob(env, lock, { ...base, job, ...(onCrash === undefined ? {} : { onCrash }) });
      this.log(JSON.stringify(outcome));
      return outcome;
    } finally {
      await lock.close?.();
    }
  }
}

/** Starts job `job` as its own OS process and turns its exit into an outcome (the supervisor's report). */
function runJobProcess(args: readonly string[], client: string, job: number): Promise<ClientJobOutcome> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [process.argv[1] ?? 'bin/run.js', ...args, '--job', String(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const reported = stdout.trim().split('\n').at(-1);
      if (code === 0 && reported) {
        resolvePromise(JSON.parse(reported) as ClientJobOutcome);
      } else if (code === DIED_MID_TEXT) {
        resolvePromise({ status: 'failed', client, job, reason: 'its process died mid-text', partsWritten: -1 });
      } else {
        const why = signal === null ? `exit code ${code}` : `signal ${signal}`;
        resolvePromise({ status: 'failed', client, job, reason: `its process ended with ${why}${stderr.trim() ? ': ' + stderr.trim().split('\n').at(-1) : ''}`, partsWritten: -1 });
      }
    });
  });
}

function parseCount(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new InputError(`${flag} must be a positive integer, got '${text}'`);
  return value;
}

function parseNonNegative(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value)) throw new InputError(`${flag} must be a non-negative integer, got '${text}'`);
  return value;
}

function parseProbability(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) throw new InputError(`${flag} must be a probability between 0 and 1, got '${text}'`);
  return value;
}

async function requireDirectory(dir: string, what: string): Promise<void> {
  const isDirectory = await stat(dir).then((stats) => stats.isDirectory(), () => false);
  if (!isDirectory) throw new InputError(`${what}: directory ${dir} does not exist`);
}

