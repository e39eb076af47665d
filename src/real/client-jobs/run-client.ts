/**
 * One client's jobs for real (`simrun jobs client`): the supervisor starts each job as its own OS
 * process (the same command with `--job N`), like the original program's threads; each process
 * runs the shipped `runClientJob` under the client's shared lock, in the order of the client's
 * waiting line in the same store. Each run starts from an empty output file (as the seed clears
 * `output.txt` between runs) unless `append` is set. Afterwards the supervisor rolls back what a job
 * process that died mid-text left, and judges the output as the simulation does: well-formed, and
 * exactly one whole text per job that succeeded (plus the texts that were there, when appending).
 *
 * A supervisor killed outright (SIGKILL) can neither stop its job processes nor sweep after them.
 * So each job process holds a lifeline to it (`common/lifeline.ts`) and ends as soon as the
 * supervisor has gone, and the supervisor keeps a run record next to the output
 * (`common/run-record.ts`): the next supervisor on that output ends whatever of the dead run still
 * runs, then sweeps what it left (a half-written text, temporary files) before starting its own jobs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { judgeClientOutput } from '../../check/client-jobs/output-format.js';
import { InputError } from '../../env/errors.js';
import { realEnv } from '../../env/real-env.js';
import { openLock, openWaitQueue, withLock } from '../../locks/index.js';
import { errorCode } from '../../env/fs.js';
import { clientJobsMutants, clientLockKey, journalPath, recoverOutput, runClientJob, type ClientJobOptions, type ClientJobOutcome, type ClientJobsMutantName } from '../../systems/client-jobs/index.js';
import { requireDirectory } from '../common/files.js';
import { holdChildLifeline, lifelineSpawnOptions, watchLifeline } from '../common/lifeline.js';
import { RunRecord, type PredecessorSwept } from '../common/run-record.js';
import { checkSharedLockSpec } from '../common/shared-lock.js';

/** Exit code of a job process that was made to die mid-text (`crashMode: 'exit'`). */
const DIED_MID_TEXT = 70;
/** Exit code of a job process that ended because its supervisor had gone. */
const SUPERVISOR_GONE = 71;

export interface ClientJobsOptions {
  readonly client: string;
  /** How many jobs start at once. */
  readonly jobs: number;
  /** Probability in [0, 1] that a job crashes part-way, as typed. */
  readonly crashRate: number | string;
  /** The client's output file; its directory must exist. */
  readonly out: string;
  /** The lock the job processes share; default `sqlite:<out>.locks.db`. */
  readonly lock?: string;
  /** Keep what the output already holds and add to it; by default each run starts from an empty file. */
  readonly append?: boolean;
  /** `throw`: a crashed job cleans up and reports; `exit`: its whole process dies mid-text. */
  readonly crashMode: 'throw' | 'exit';
  /** Work between two parts of the text, ms. */
  readonly partWorkMs: number;
  /** Lease of the client's lock, ms: a dead job blocks the client at most this long. */
  readonly ttlMs: number;
  /** A job process also writes its typed events (`client-job.*`) to standard error as JSON lines (`simrun real client-jobs` reads them). */
  readonly events?: boolean;
  /** A deliberately broken job design (`clientJobsMutants`), for `simrun real client-jobs --mutant`. */
  readonly mutant?: string;
}

export interface ClientJobsResult {
  readonly client: string;
  readonly output: string;
  readonly jobs: readonly ClientJobOutcome[];
  readonly succeeded: number;
  /** Whole texts the output held before the run (0 unless appending). */
  readonly textsBefore: number;
  /** Characters of crashed jobs' partial text the final recovery removed (0 when the jobs cleaned up after themselves). */
  readonly recoveredChars: number;
  readonly wholeTexts: number;
  readonly wellFormed: boolean;
  /** The jobs that reported both took the client's lock in the order of their tickets in its waiting line. */
  readonly ranInQueueOrder: boolean;
  /** Well-formed, in queue order, and `wholeTexts` is `textsBefore` plus one per job that succeeded. */
  readonly ok: boolean;
  /** Why the output is malformed, or its count is wrong, when it is. */
  readonly problem?: string;
  /** What a run that died before this one (its supervisor killed) left, and this run swept first. */
  readonly sweptBefore?: SweptBefore;
}

/** The sweep of a dead run's leftovers, before a run starts. */
export interface SweptBefore extends PredecessorSwept {
  /** Characters of a half-written text rolled back (when appending; otherwise the output starts empty anyway). */
  readonly recoveredChars: number;
  /** Temporary files a job process left mid-rename, removed. */
  readonly tempFiles: number;
}

interface Prepared {
  readonly output: string;
  readonly lockSpec: string;
  readonly crashRate: number;
  readonly job: Omit<ClientJobOptions, 'job'>;
}

async function prepare(options: ClientJobsOptions): Promise<Prepared> {
  const crashRate = parseProbability('--crash-rate', options.crashRate);
  const output = resolve(options.out);
  await requireDirectory(dirname(output), `--out ${options.out}`);
  const lockSpec = options.lock ?? `sqlite:${output}.locks.db`;
  await checkSharedLockSpec({ spec: lockSpec, sharedBy: 'job processes' });
  const { ttlMs, partWorkMs } = options;
  const job = { client: options.client, outputPath: output, crashRate, partWorkMsMin: partWorkMs, partWorkMsMax: partWorkMs * 2, ttlMs, backoff: { minMs: 5, maxMs: Math.max(10, Math.min(500, ttlMs / 4)) } };
  return { output, lockSpec, crashRate, job };
}

/** The supervisor: sweeps what a dead run left, starts every job process, waits for all, recovers, judges. */
export async function runClientJobs(options: ClientJobsOptions): Promise<ClientJobsResult> {
  const prepared = await prepare(options);
  const { record, swept } = await RunRecord.claim(prepared.output, '--out');
  const children = new Set<ChildProcess>();
  try {
    return await superviseRun(options, prepared, record, children, swept);
  } finally {
    // With a job process still running (the run failed part-way) the record stays: the next run ends it and sweeps.
    if (children.size === 0) await record.release();
  }
}

async function superviseRun(options: ClientJobsOptions, prepared: Prepared, record: RunRecord, children: Set<ChildProcess>, swept: PredecessorSwept | undefined): Promise<ClientJobsResult> {
  const { output, lockSpec, crashRate } = prepared;
  const env = realEnv(`${options.client}-supervisor#${process.pid}`, { logLine: () => {} });
  const sweptBefore = swept === undefined ? undefined : await sweepDeadRun(env, prepared, options, swept);
  const textsBefore = options.append === true ? await textsAlreadyThere(env, output) : await startClean(env, output);
  const childArgs = ['jobs', 'client', '--client', options.client, '--jobs', String(options.jobs), '--crash-rate', String(crashRate), '--out', output, '--lock', lockSpec, '--crash-mode', options.crashMode, '--part-work-ms', String(options.partWorkMs), '--ttl-ms', String(options.ttlMs)];
  // A stop (SIGTERM, SIGINT) is passed on to every job process still running, each of which then
  // finishes its one job; the supervisor still waits for all, sweeps and judges, so no job process
  // is left untracked and no partial text is left behind.
  const stopListening =
    env.onStop?.(() => {
      for (const child of children) child.kill('SIGTERM');
    }) ?? ((): void => undefined);
  let outcomes: ClientJobOutcome[];
  try {
    outcomes = await Promise.all(Array.from({ length: options.jobs }, (_, index) => runJobProcess(childArgs, options.client, index + 1, children, record)));
  } finally {
    stopListening();
  }

  // The supervisor's sweep: a job process that died mid-text left a journal; roll it back now.
  const recoveredChars = await recoverUnderLock(env, prepared, options);
  const verdict = judgeClientOutput(await env.fs.readFile(output, 'utf8').catch(() => ''));
  const succeeded = outcomes.filter((outcome) => outcome.status === 'succeeded').length;
  const countRight = verdict.wholeTexts === textsBefore + succeeded;
  const outOfOrder = queueOrderBreach(outcomes);
  const problem =
    verdict.status === 'malformed'
      ? verdict.problem
      : !countRight
        ? `${verdict.wholeTexts} whole texts, but ${succeeded} jobs succeeded${textsBefore > 0 ? ` after ${textsBefore} texts already there` : ''}`
        : outOfOrder;
  return {
    client: options.client,
    output,
    jobs: outcomes,
    succeeded,
    textsBefore,
    recoveredChars,
    wholeTexts: verdict.wholeTexts,
    wellFormed: verdict.status === 'well-formed',
    ranInQueueOrder: outOfOrder === undefined,
    ok: verdict.status === 'well-formed' && countRight && outOfOrder === undefined,
    ...(problem === undefined ? {} : { problem }),
    ...(sweptBefore === undefined ? {} : { sweptBefore }),
  };
}

/** Rolls back a text a dead job process left half-written, under the client's lock (waiting out a dead holder's lease). */
async function recoverUnderLock(env: ReturnType<typeof realEnv>, prepared: Prepared, options: ClientJobsOptions): Promise<number> {
  const lock = await openLock(prepared.lockSpec, env);
  try {
    return await withLock(lock, clientLockKey(options.client), env.id, () => recoverOutput(env, prepared.output), { env, ttlMs: options.ttlMs, backoff: prepared.job.backoff });
  } finally {
    await lock.close?.();
  }
}

/**
 * What a run whose supervisor died left, swept once its processes are all gone (`RunRecord.claim`
 * ended them): the temporary files a job process was renaming into place, and, when this run
 * appends, the half-written text (an empty start drops it with the rest).
 */
async function sweepDeadRun(env: ReturnType<typeof realEnv>, prepared: Prepared, options: ClientJobsOptions, swept: PredecessorSwept): Promise<SweptBefore> {
  const prefix = `${basename(prepared.output)}.`;
  const directory = dirname(prepared.output);
  const temps = (await readdir(directory)).filter((name) => name.startsWith(prefix) && name.endsWith('.tmp'));
  for (const name of temps) await unlink(join(directory, name)).catch(() => undefined);
  const recoveredChars = options.append === true ? await recoverUnderLock(env, prepared, options) : 0;
  return { ...swept, recoveredChars, tempFiles: temps.length };
}

/** Where the order of start (lock tokens) broke the order of arrival (tickets); `undefined` when it did not. */
function queueOrderBreach(outcomes: readonly ClientJobOutcome[]): string | undefined {
  const started = outcomes.filter((o) => o.ticket !== undefined && o.token !== undefined).sort((a, b) => (a.token as number) - (b.token as number));
  for (let index = 1; index < started.length; index += 1) {
    const [before, after] = [started[index - 1]!, started[index]!];
    if ((after.ticket as number) < (before.ticket as number)) return `job ${after.job} (ticket ${after.ticket}) ran after job ${before.job} (ticket ${before.ticket}), out of queue order`;
  }
  return undefined;
}

/**
 * Empties the output and drops a journal a crashed earlier run left (its text goes with the rest):
 * each run is judged on its own texts. Returns 0, the texts before the run.
 */
async function startClean(env: ReturnType<typeof realEnv>, output: string): Promise<number> {
  await env.fs.writeFile(output, '');
  await env.fs.unlink(journalPath(output)).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT') throw error;
  });
  return 0;
}

/** When appending: the whole texts already in the output; one that is malformed already is refused. */
async function textsAlreadyThere(env: ReturnType<typeof realEnv>, output: string): Promise<number> {
  const before = judgeClientOutput(await env.fs.readFile(output, 'utf8').catch(() => ''));
  if (before.status === 'malformed') throw new InputError(`--append: ${output} is already malformed: ${before.problem}`);
  return before.wholeTexts;
}

/** Inside a job process: job `job` alone; with `crashMode: 'exit'` a crash ends the process mid-text. */
export async function runOneClientJob(options: ClientJobsOptions, jobNumber: number): Promise<ClientJobOutcome> {
  const { lockSpec, job } = await prepare(options);
  const mutant = options.mutant !== undefined && Object.hasOwn(clientJobsMutants, options.mutant) ? clientJobsMutants[options.mutant as ClientJobsMutantName] : undefined;
  if (options.mutant !== undefined && mutant === undefined) throw new InputError(`--mutant: unknown client-jobs mutant '${options.mutant}' (known: ${Object.keys(clientJobsMutants).join(', ')})`);
  const env = realEnv(`${options.client}-job-${jobNumber}#${process.pid}`, options.events === true ? {} : { logLine: () => {} });
  // A stop lets the job finish: it writes one short text and leaves the line once its turn comes, so
  // finishing is what leaves the output whole (a job killed mid-text needs the supervisor's rollback).
  // The simulated job processes (scenarios/client-jobs.ts) stop the same way.
  const finishOnStop = env.onStop?.(() => undefined) ?? ((): void => undefined);
  // With its supervisor gone nobody collects this job's outcome or sweeps after it: end now. A text
  // cut short is rolled back by whoever holds the client's lock next (the next supervisor sweeps).
  const dropLifeline = watchLifeline(() => process.exit(SUPERVISOR_GONE));
  const stores = { lock: await openLock(lockSpec, env), queue: await openWaitQueue(lockSpec, env) };
  const onCrash = options.crashMode === 'exit' ? async (): Promise<void> => process.exit(DIED_MID_TEXT) : undefined;
  try {
    const jobOptions = { ...job, job: jobNumber, ...(onCrash === undefined ? {} : { onCrash }) };
    return await runClientJob(env, stores, jobOptions, mutant?.design(env, stores, jobOptions));
  } finally {
    await stores.lock.close?.();
    await stores.queue.close?.();
    finishOnStop();
    dropLifeline();
  }
}

/** Starts job `job` as its own OS process and turns its exit into an outcome (the supervisor's report). */
function runJobProcess(args: readonly string[], client: string, job: number, running: Set<ChildProcess>, record: RunRecord): Promise<ClientJobOutcome> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [process.argv[1] ?? 'bin/run.js', ...args, '--job', String(job)], lifelineSpawnOptions());
    holdChildLifeline(child);
    running.add(child);
    child.on('exit', () => running.delete(child));
    child.on('error', () => running.delete(child));
    if (child.pid !== undefined) record.addChild(child.pid).catch(reject);
    if (child.stdout === null || child.stderr === null) throw new Error('a job process was started without pipes for its output');
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

function parseProbability(flag: string, value: number | string): number {
  const probability = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(probability) || probability < 0 || probability > 1) throw new InputError(`${flag} must be a probability between 0 and 1, got '${value}'`);
  return probability;
}
