/**
 * `simrun real client-jobs`: every job of a few clients as its own `simrun jobs client --job N`
 * process (what `simrun jobs client` starts), all at once, each waiting its turn in its client's
 * line in one lock store and appending the client's text part by part, under the real nemesis.
 * Every job process is a target; a job killed or stopped is restarted (its supervisor reruns it).
 *
 * A run: start every job, start the nemesis once each has joined its client's line, start again
 * every job the nemesis left dead, wait for every job to end, roll back a text a dead job left half
 * written (the sweep `jobs client` does at its end), then judge the merged trace and the outputs
 * with the simulation's client-jobs checkers: one whole text per job that succeeded, every job
 * reported, one job at a time per client, first queued first run, clients in parallel.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attemptsFromTrace, checkClientsInParallel, checkEveryJobReported, checkFirstQueuedFirstRun, checkOneJobPerClient, checkOutputWholeTexts, clientsInParallel, everyJobReported, firstQueuedFirstRun, oneJobPerClient, outputWholeTexts, type ExpectedJob } from '../../check/client-jobs/index.js';
import { InputError } from '../../env/errors.js';
import { realEnv } from '../../env/real-env.js';
import { openLock, parseLockSpec } from '../../locks/lock-spec.js';
import { withLock } from '../../locks/with-lock.js';
import type { TraceEvent } from '../../sim/trace.js';
import { clientJobsMutants, clientLockKey, recoverOutput } from '../../systems/client-jobs/index.js';
import { displayLockSpec } from '../common/shared-lock.js';
import { holdSqliteWriteLock, terminatePostgresBackends } from '../common/store-faults.js';
import { runFailed, type RealRunContext, type RealSystem } from './campaign.js';
import type { RealFaultSpace } from './plan.js';
import { preflightSharedLock } from './preflight.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RealClientJobsOptions {
  readonly clients: number;
  readonly jobs: number;
  /** `sqlite:PATH`, `file:DIR` or `postgres://...`; by default a fresh SQLite file in each run's directory. */
  readonly lock?: string;
  readonly crashRate: number;
  readonly partWorkMs: number;
  readonly ttlMs: number;
  /** Nemesis actions land in [0, windowMs) past the moment every job is queued. */
  readonly windowMs: number;
  /** Every job must have ended this long after the nemesis is over. */
  readonly finishTimeoutMs: number;
  readonly mutant?: string;
}

export const REAL_CLIENT_JOBS_DEFAULTS: Omit<RealClientJobsOptions, 'clients' | 'jobs' | 'lock' | 'mutant'> = {
  crashRate: 0.2,
  partWorkMs: 60,
  ttlMs: 3_000,
  windowMs: 3_000,
  finishTimeoutMs: 90_000,
};

const CLIENT_NAMES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'wonka'];
const STARTUP_TIMEOUT_MS = 60_000;
/** The longest wait between two lock attempts of a job (`jobs client`: a quarter of the lease, at most 500 ms). */
const backoffMaxOf = (ttlMs: number): number => Math.max(10, Math.min(500, ttlMs / 4));


export function clientNamesOf(count: number): string[] {
  return Array.from({ length: count }, (_, index) => CLIENT_NAMES[index] ?? `client-${index + 1}`);
}

function expectedJobs(options: Pick<RealClientJobsOptions, 'clients' | 'jobs'>): ExpectedJob[] {
  return clientNamesOf(options.clients).flatMap((client) => Array.from({ length: options.jobs }, (_, index) => ({ client, job: index + 1, process: `${client}-job-${index + 1}` })));
}

/**
 * What a seed may do to a run: kill, stop, pause and restart job processes, set their clocks off,
 * and strike the lock store the run uses (a SQLite writer holding the file, PostgreSQL connections
 * terminated; a file lock has no store to strike).
 */
export function clientJobsFaultSpace(options: Pick<RealClientJobsOptions, 'clients' | 'jobs' | 'windowMs' | 'ttlMs' | 'lock'>): RealFaultSpace {
  const store = options.lock === undefined ? 'sqlite' : parseLockSpec(options.lock).kind;
  return {
    targets: expectedJobs(options).map((job) => job.process),
    windowMs: options.windowMs,
    rates: { kill: 1.5, term: 1, pause: 1.5, clock: 1, ...(store === 'sqlite' ? { 'sqlite-busy': 1 } : store === 'postgres' ? { 'pg-terminate': 1 } : {}) },
    // A job's clock off by up to a sixth of the lease, as in simulation: with a file lock, whose
    // expiry each caller judges by its own clock, two jobs then disagree by at most a third of it.
    clockOffsetMsMax: Math.floor(options.ttlMs / 6),
    // Shorter than a third of the lease, as in simulation: a lease lock on a plain output file cannot
    // fence a writer that wakes after its lease was taken over (see docs/systems/client-jobs.md). A
    // writer holding the SQLite file delays a holder's renewal the same way, so it is held as long.
    pauseMsMin: 100,
    pauseMsMax: Math.floor(options.ttlMs / 3),
    busyMsMin: 100,
    busyMsMax: Math.floor(options.ttlMs / 3),
    restartAfterMsMin: 200,
    restartAfterMsMax: 1_500,
  };
}

export async function realClientJobsSystem(options: RealClientJobsOptions): Promise<RealSystem> {
  if (options.mutant !== undefined && !Object.hasOwn(clientJobsMutants, options.mutant)) {
    throw new InputError(`--mutant: unknown client-jobs mutant '${options.mutant}' (known: ${Object.keys(clientJobsMutants).join(', ')})`);
  }
  if (options.lock !== undefined) await preflightSharedLock({ spec: options.lock, sharedBy: 'job processes' });
  const space = clientJobsFaultSpace(options);
  return {
    name: 'client-jobs',
    params: {
      clients: options.clients,
      jobs: options.jobs,
      lock: options.lock === undefined ? 'sqlite:<run dir>/locks.db' : displayLockSpec(options.lock),
      crashRate: options.crashRate,
      ttlMs: options.ttlMs,
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    },
    space,
    invariants: [outputWholeTexts, everyJobReported, oneJobPerClient, firstQueuedFirstRun, clientsInParallel].map(({ name, description }) => ({ name, description })),
    replayFlags: [
      '--clients',
      String(options.clients),
      '--jobs',
      String(options.jobs),
      ...(options.crashRate === REAL_CLIENT_JOBS_DEFAULTS.crashRate ? [] : ['--crash-rate', String(options.crashRate)]),
      ...(options.partWorkMs === REAL_CLIENT_JOBS_DEFAULTS.partWorkMs ? [] : ['--part-work-ms', String(options.partWorkMs)]),
      ...(options.lock === undefined ? [] : ['--lock', displayLockSpec(options.lock)]),
      ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
    ],
    execute: (context) => executeClientJobsRun(context, options),
  };
}

async function executeClientJobsRun(context: RealRunContext, options: RealClientJobsOptions) {
  const { supervisor } = context;
  const lock = options.lock ?? `sqlite:${join(context.dir, 'locks.db')}`;
  const spec = parseLockSpec(lock);
  // The jobs' PostgreSQL connections carry the run's name, so `pg-terminate` ends theirs and nobody else's.
  const applicationName = `simrun-real-client-jobs-${context.seed}-${process.pid}`;
  supervisor.childEnv.PGAPPNAME = applicationName;
  supervisor.storeFaults = {
    ...(spec.kind === 'sqlite' ? { sqliteBusy: (ms: number) => holdSqliteWriteLock(spec.path, ms) } : {}),
    ...(spec.kind === 'postgres' ? { pgTerminate: () => terminatePostgresBackends(spec.url, applicationName) } : {}),
  };
  const expected = expectedJobs(options);
  const outputOf = (client: string): string => join(context.dir, `${client}.txt`);
  for (const client of clientNamesOf(options.clients)) await writeFile(outputOf(client), '');
  for (const job of expected) {
    supervisor.start(job.process, [
      'jobs', 'client', '--client', job.client, '--jobs', String(options.jobs), '--job', String(job.job), '--events',
      '--crash-rate', String(options.crashRate), '--crash-mode', 'throw', '--out', outputOf(job.client), '--lock', lock,
      '--part-work-ms', String(options.partWorkMs), '--ttl-ms', String(options.ttlMs),
      ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
    ]);
  }
  // The plan's clock starts once every job has been queued (or already ended): starting Node can take seconds.
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const up = await Promise.all(supervisor.incarnations.map(async (incarnation) => incarnation.exit !== undefined || (await readFile(incarnation.logPath, 'utf8').catch(() => '')).includes('"client-job.queued"')));
    if (up.every(Boolean)) break;
    if (Date.now() > deadline) runFailed(`the job processes did not all start within ${STARTUP_TIMEOUT_MS / 1000} s; see ${join(context.dir, 'logs')}`);
    await sleep(50);
  }
  const nemesis = context.startNemesis();
  await nemesis.done;
  // A job whose process the nemesis left dead is run again, as its supervisor would.
  for (const job of expected) {
    const last = supervisor.incarnations.filter((incarnation) => incarnation.name === job.process).at(-1);
    if (supervisor.running(job.process) === undefined && last?.exit?.signal != null) supervisor.start(job.process);
  }
  // The give-up timer is cancelled once the jobs settle: left running it would hold the process open.
  const giveUp = new AbortController();
  const finished = await Promise.race([supervisor.settled().then(() => true), sleep(options.finishTimeoutMs, false, { signal: giveUp.signal }).catch(() => false)]);
  giveUp.abort();
  const endAtMs = Date.now();
  if (!finished) await supervisor.stopAll(5_000);

  // The sweep `jobs client` does once its jobs have ended: roll back a text a dead job left half written.
  const env = realEnv(`supervisor#${process.pid}`, { logLine: () => {} });
  const store = await openLock(lock, env);
  try {
    for (const client of clientNamesOf(options.clients)) {
      await withLock(store, clientLockKey(client), env.id, () => recoverOutput(env, outputOf(client)), { env, ttlMs: options.ttlMs, backoff: { minMs: 5, maxMs: backoffMaxOf(options.ttlMs) } });
    }
  } finally {
    await store.close?.();
  }
  const outputs = await Promise.all(clientNamesOf(options.clients).map(async (client) => ({ client, path: outputOf(client), content: await readFile(outputOf(client), 'utf8') })));
  const backoffMaxMs = backoffMaxOf(options.ttlMs);
  // How long a client may sit idle while another runs: a lease and two backoffs, plus per crashed
  // job a lease to lapse and the seconds a restarted Node process takes to start on a busy machine.
  const parallelism = { baseToleranceMs: options.ttlMs + 2 * backoffMaxMs, perCrashToleranceMs: options.ttlMs + backoffMaxMs + 10_000 };
  return {
    async judge(trace: readonly TraceEvent[]) {
      const history = { expected, attempts: attemptsFromTrace(trace, expected), outputs };
      const violations = [
        ...checkOutputWholeTexts(history),
        ...checkEveryJobReported(history),
        ...checkOneJobPerClient(history),
        ...checkFirstQueuedFirstRun(history),
        ...checkClientsInParallel(history, parallelism, endAtMs),
      ];
      const outcome = (kind: string): number => history.attempts.filter((attempt) => attempt.outcome === kind).length;
      return { violations, counts: { jobs: expected.length, attempts: history.attempts.length, succeeded: outcome('succeeded'), failed: outcome('failed'), killed: outcome('crashed') } };
    },
  };
}
