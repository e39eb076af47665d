/**
 * `simrun jobs serve`: the shipped `JobRunner` with the shell executor, behind the mutual-TLS API
 * of `server.ts`, until SIGINT or SIGTERM.
 *
 * Lifecycle:
 * - before serving: the PEM files are checked (`tls-files.ts`), the state directory's lease is taken
 *   (one server per state directory), the process groups a previous server left behind (killed
 *   with SIGKILL, so it could not stop them) are killed, and the jobs it left in the job database
 *   (`jobs.db`) are recovered: executing ones recorded `failed` ("runner restarted"), queued and
 *   scheduled ones queued again;
 * - while serving: each executing job's process group is recorded in the state directory; an ended
 *   job's record and spill files are deleted `keepEndedMs` (`--keep-ended`, a week) after it ended;
 * - on SIGTERM or SIGINT: the listener closes, queued jobs stay queued in the database for the next
 *   server, and executing ones get
 *   SIGTERM on their whole process group, then SIGKILL after a grace period, and end `stopped`, all
 *   with the reason "the server is shutting down"; the server exits 0 within `stopTimeoutMs`. A
 *   second signal skips the grace period: SIGKILL at once.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InputError } from '../../env/errors.js';
import { realEnv } from '../../env/real-env.js';
import { JobRunner } from '../../systems/job-runner/job-runner.js';
import { createJobsServer } from './server.js';
import { createShellExecutor } from './shell-executor.js';
import { SpillFiles } from './spill-files.js';
import { GroupWatchdog } from '../common/group-watchdog.js';
import { SpillingOutput } from './spilling-output.js';
import { SqliteJobStore } from './sqlite-job-store.js';
import { JobsStateDir } from './state-dir.js';
import { loadTlsFiles } from './tls-files.js';

/** How long an ended job's record (status and kept output in `jobs.db`, spill files) is kept: a week. */
export const DEFAULT_KEEP_ENDED_MS = 7 * 86_400_000;

export interface ServeJobsOptions {
  /** PEM files: the server's certificate and key, and the CA whose client certificates are accepted. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** Jobs executing at once, at most. */
  readonly concurrency: number;
  /** The lease, the records of running process groups and the spilled output live here. */
  readonly stateDir: string;
  /** From the first signal to the exit, at most, ms. */
  readonly stopTimeoutMs: number;
  /** Output bytes per job kept in memory; the rest goes to a file in the state directory. */
  readonly outputMemoryBytes: number;
  /** Output bytes per job in all; a job printing more is killed and ends `failed`. */
  readonly maxOutputBytes: number;
  /** The lowest TLS version a client may use. */
  readonly tlsMin: 'TLSv1.2' | 'TLSv1.3';
  /** A deliberately broken server, for real-mode mutant runs (`JOBS_SERVE_MUTANTS`). */
  readonly mutant?: JobsServeMutant;
  /** A finished job leaves the server's memory this long after it ended, ms; its status and output are then read from the state directory. */
  readonly retentionMs: number;
  /** Client CNs that see and stop every user's jobs. */
  readonly admins: readonly string[];
  /** An ended job's record, and its spill files, are deleted this long after it ended, ms (default `DEFAULT_KEEP_ENDED_MS`, 7 days; `--keep-ended`). */
  readonly keepEndedMs?: number;
  /** Called once the server listens, with its URL. */
  readonly onListening: (url: string) => void;
}

export const SHUTDOWN_REASON = 'the server is shutting down';

/** The broken servers `jobs serve --mutant` can run, each with what it gets wrong. */
export const JOBS_SERVE_MUTANTS = {
  'stop-leaves-group': "stopping a job signals only its shell, not the job's process group: what the shell started runs on",
} as const;

export type JobsServeMutant = keyof typeof JOBS_SERVE_MUTANTS;

export async function serveJobs(options: ServeJobsOptions): Promise<void> {
  const pems = await loadTlsFiles(options, 'the server');
  const env = realEnv('jobs-server');
  const state = new JobsStateDir(options.stateDir);
  state.takeLease();
  // Listening for signals before anything is announced: a supervisor that sends SIGTERM the moment
  // it reads "serving jobs on" must get a graceful stop, not Node's default death.
  const signals = watchSignals();
  let store: SqliteJobStore | undefined;
  let watchdog: GroupWatchdog | undefined;
  try {
    for (const orphan of state.killOrphans()) env.log('jobs.orphan', { ...orphan });
    store = new SqliteJobStore(join(state.dir, 'jobs.db'));
    const jobs = store;
    // Half the stop bound for SIGTERM's grace, so SIGKILL still comes well inside it.
    const killGraceMs = Math.max(1, Math.min(5_000, Math.floor(options.stopTimeoutMs / 2)));
    // A server killed outright cannot stop its jobs: the watchdog ends their groups when it is gone.
    watchdog = GroupWatchdog.start(killGraceMs);
    const groups = watchdog;
    const executor = createShellExecutor({
      killGraceMs,
      onGroupStarted: (pgid, command) => {
        groups.watch(pgid);
        state.recordGroup(pgid, { command });
      },
      onGroupEnded: (pgid) => {
        groups.forget(pgid);
        state.forgetGroup(pgid);
      },
      ...(options.mutant === 'stop-leaves-group' ? { signalLeaderOnly: true } : {}),
    });
    const spill = new SpillFiles(state.outputDir);
    // `runner` is assigned before any job can print: outputs are made by `start`.
    const runner: JobRunner<SpillingOutput> = new JobRunner<SpillingOutput>({
      env,
      executor,
      concurrencyLimit: options.concurrency,
      newId: () => randomUUID(),
      store: jobs,
      retentionMs: options.retentionMs,
      keepEndedMs: options.keepEndedMs ?? DEFAULT_KEEP_ENDED_MS,
      // A pruned job's spill files go with its record; any left by a server that died in between go now.
      outputFiles: spill,
      createOutput: (id, reopen) =>
        reopen
          ? SpillingOutput.reopen(spill.pathOf(id), jobs.keptOutput(id))
          : new SpillingOutput({
              path: spill.pathOf(id),
              memoryBytes: options.outputMemoryBytes,
              maxBytes: options.maxOutputBytes,
              onLimit: () => runner.fail(id, `printed more than ${options.maxOutputBytes} bytes of output (the limit); output kept up to it`),
              onKeep: (kept) => jobs.keepOutput(id, kept),
            }),
    });
    for (const job of runner.recovered) env.log('jobs.recovered', { ...job });
    // No access log: one line per request (a list's line naming every job) would outgrow the
    // server's other logging by far; the decisions are the policy's, which the simulation judges.
    const server = createJobsServer({ runner, ...pems, minVersion: options.tlsMin, admins: options.admins });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new InputError(`cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`)));
      server.listen(options.port, options.host, resolve);
    });
    const address = server.address() as AddressInfo;
    options.onListening(`https://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`);
    const signal = await signals.first;
    env.log('jobs.shutdown', { signal, stopTimeoutMs: options.stopTimeoutMs });
    await stopServing(server, runner, options.stopTimeoutMs, signals, env.log.bind(env));
  } finally {
    watchdog?.close();
    signals.dispose();
    store?.close();
    state.releaseLease();
  }
}

/**
 * Closes the listener, stops every job and waits for them, within `stopTimeoutMs` of being called:
 * a second signal, or the bound drawing near, sends SIGKILL to every job's group at once.
 */
async function stopServing(server: ReturnType<typeof createJobsServer>, runner: JobRunner<SpillingOutput>, stopTimeoutMs: number, signals: SignalWatch, log: (kind: string, data?: Record<string, unknown>) => void): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let forced = false;
  const force = (why: string): void => {
    if (forced) return;
    forced = true;
    log('jobs.shutdown-forced', { why });
    void runner.shutdown(SHUTDOWN_REASON, true);
  };
  signals.onAgain(() => force('a second signal'));
  // SIGKILL a little before the bound, so the jobs' ends are recorded before the exit.
  const forceTimer = setTimeout(() => force('the stop timeout'), Math.max(0, stopTimeoutMs - Math.min(1_000, stopTimeoutMs / 4)));
  let giveUp: NodeJS.Timeout | undefined;
  try {
    const ended = await Promise.race([
      runner.shutdown(SHUTDOWN_REASON).then(() => true),
      new Promise<false>((resolve) => (giveUp = setTimeout(() => resolve(false), stopTimeoutMs))),
    ]);
    // A job whose group ignored even SIGKILL's effect on its pipes (it escaped the group) stays
    // recorded in the state directory: the next server kills what is left of it.
    if (!ended) log('jobs.shutdown-incomplete', { jobs: runner.list().filter((job) => job.state === 'executing').map((job) => job.id) });
  } finally {
    clearTimeout(forceTimer);
    clearTimeout(giveUp);
  }
  server.closeAllConnections();
  await closed;
}

interface SignalWatch {
  /** The first SIGINT or SIGTERM's name. */
  readonly first: Promise<NodeJS.Signals>;
  /** What every later signal does. */
  onAgain(action: () => void): void;
  dispose(): void;
}

/**
 * One listener for the server's whole life, so no signal ever falls in a gap between handlers: the
 * first asks for a graceful stop, each later one runs what `onAgain` set (until then, nothing more).
 */
function watchSignals(): SignalWatch {
  let resolveFirst: (signal: NodeJS.Signals) => void = () => {};
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  let seen = 0;
  let again = (): void => {};
  const on = (signal: NodeJS.Signals): void => {
    seen += 1;
    if (seen === 1) resolveFirst(signal);
    else again();
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    first,
    onAgain: (action) => (again = action),
    dispose: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}
