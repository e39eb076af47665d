/**
 * `simrun real job-runner`: the real `simrun jobs serve` (mutual TLS, certificates from the same
 * code as `simrun jobs certs`) and API clients starting and stopping shell jobs through the library
 * client, under the real nemesis. The server and every client are targets: a server killed with its
 * jobs executing, stopped gracefully, paused past its clients' patience, restarted; a client killed
 * between a start and its stop.
 *
 * A run: start the server, then the clients; start the nemesis; once its plan is over, heal (a dead
 * server is started again, a client that did not finish is started again), let every client finish
 * its jobs, stop the server with SIGTERM, and judge the merged trace with the simulation's
 * job-runner checkers (legal transitions, no stopped queued job ever runs, the concurrency limit per
 * server) plus what only the operating system can show, read from /proc by the supervisor:
 *
 * - `job-started-once`: no job is executed twice (one `job.execution` per job id);
 * - `no-orphan-job-process`: when a server dies, every job process still alive is in a group the
 *   state directory records (so the next server kills it); once the last server has stopped, no job
 *   process of any server is alive.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { checkConcurrencyLimit, checkLegalTransitions, checkStoppedQueuedNeverRuns, concurrencyLimit, jobRunnerFacts, legalTransitions, stoppedQueuedNeverRuns } from '../../check/job-runner/index.js';
import type { Violation } from '../../check/violation.js';
import { InputError } from '../../env/errors.js';
import { parseLogLine } from '../../env/log-line.js';
import type { TraceEvent } from '../../sim/trace.js';
import { writeDevelopmentCertificates } from '../job-runner/certs.js';
import { JOBS_SERVE_MUTANTS } from '../job-runner/serve.js';
import { runFailed, type RealRunContext, type RealSystem } from './campaign.js';
import { killGroups, liveGroupMembers, type GroupMember } from './job-groups.js';
import type { RealFaultSpace } from './plan.js';
import type { Incarnation, Supervisor } from './supervisor.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RealJobRunnerOptions {
  readonly clients: number;
  /** Jobs each client starts. */
  readonly jobsPerClient: number;
  readonly concurrency: number;
  readonly shortJobMs: number;
  readonly longJobMs: number;
  readonly stopAfterMs: number;
  /** Nemesis actions land in [0, windowMs) past the moment the server and clients are up. */
  readonly windowMs: number;
  /** The server's `--stop-timeout-ms`. */
  readonly stopTimeoutMs: number;
  readonly mutant?: string;
}

export const REAL_JOB_RUNNER_DEFAULTS: Omit<RealJobRunnerOptions, 'mutant'> = {
  clients: 2,
  jobsPerClient: 6,
  concurrency: 2,
  shortJobMs: 300,
  longJobMs: 60_000,
  stopAfterMs: 600,
  windowMs: 4_000,
  stopTimeoutMs: 4_000,
};

export const JOB_STARTED_ONCE = { name: 'job-started-once', description: 'no job is executed twice: one execution per job id, whatever server ran it' };
export const NO_ORPHAN_JOB_PROCESS = {
  name: 'no-orphan-job-process',
  description: "a dead server's live job processes are all recorded for the next server to kill, and none outlives the last server",
};

const SERVER = 'server';
const STARTUP_TIMEOUT_MS = 60_000;
const CLIENTS_TIMEOUT_MS = 90_000;


export function jobRunnerFaultSpace(options: Pick<RealJobRunnerOptions, 'clients' | 'windowMs'>): RealFaultSpace {
  return {
    targets: [SERVER, ...clientNames(options.clients)],
    windowMs: options.windowMs,
    rates: { kill: 1, term: 0.5, pause: 1 },
    pauseMsMin: 300,
    pauseMsMax: 2_000,
    restartAfterMsMin: 200,
    restartAfterMsMax: 1_500,
  };
}

function clientNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `client-${index + 1}`);
}

export function realJobRunnerSystem(options: RealJobRunnerOptions): RealSystem {
  if (options.mutant !== undefined && !Object.hasOwn(JOBS_SERVE_MUTANTS, options.mutant)) {
    throw new InputError(`--mutant: unknown job-runner mutant '${options.mutant}' (known: ${Object.keys(JOBS_SERVE_MUTANTS).join(', ')})`);
  }
  const space = jobRunnerFaultSpace(options);
  return {
    name: 'job-runner',
    params: {
      clients: options.clients,
      jobsPerClient: options.jobsPerClient,
      concurrency: options.concurrency,
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    },
    space,
    invariants: [legalTransitions, stoppedQueuedNeverRuns, concurrencyLimit, JOB_STARTED_ONCE, NO_ORPHAN_JOB_PROCESS].map(({ name, description }) => ({ name, description })),
    replayFlags: ['--clients', String(options.clients), '--jobs', String(options.jobsPerClient), ...(options.mutant === undefined ? [] : ['--mutant', options.mutant])],
    execute: (context) => executeJobRunnerRun(context, options),
  };
}

/** A port free now, for every incarnation of the server: clients keep their address across restarts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function executeJobRunnerRun(context: RealRunContext, options: RealJobRunnerOptions) {
  const { supervisor } = context;
  const clients = clientNames(options.clients);
  const certs = join(context.dir, 'certs');
  await writeDevelopmentCertificates(certs, clients);
  const stateDir = join(context.dir, 'state');
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  supervisor.start(SERVER, [
    'jobs', 'serve', '--cert', join(certs, 'server.crt'), '--key', join(certs, 'server.key'), '--ca', join(certs, 'ca.crt'),
    '--port', String(port), '--concurrency', String(options.concurrency), '--state-dir', stateDir,
    '--stop-timeout-ms', String(options.stopTimeoutMs),
    ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
  ]);
  const watch = watchServerExits(supervisor, stateDir);
  try {
    await waitForLine(supervisor, SERVER, 'serving jobs on', context.dir);
    for (const client of clients) {
      supervisor.start(client, [
        'real', 'job-runner', '--as-client', client, '--server', url, '--certs', certs, '--jobs', String(options.jobsPerClient),
        '--seed', String(context.seed), '--short-job-ms', String(options.shortJobMs), '--long-job-ms', String(options.longJobMs), '--stop-after-ms', String(options.stopAfterMs),
      ]);
    }
    for (const client of clients) await waitForLine(supervisor, client, '"jobs-client.ready"', context.dir);
    const nemesis = context.startNemesis();
    await nemesis.done;
    // Heal: the server back if the nemesis left it dead; a client back if it did not finish its jobs.
    if (supervisor.running(SERVER) === undefined) supervisor.start(SERVER);
    for (const client of clients) if (supervisor.running(client) === undefined && lastExit(supervisor, client)?.code !== 0) supervisor.start(client);
    const deadline = Date.now() + CLIENTS_TIMEOUT_MS;
    for (;;) {
      if (clients.every((client) => supervisor.running(client) === undefined)) break;
      if (Date.now() > deadline) runFailed(`the job clients did not finish within ${CLIENTS_TIMEOUT_MS / 1000} s; see ${join(context.dir, 'logs')}`);
      await sleep(100);
    }
    // The last short jobs end on their own before the server is asked to stop.
    await sleep(options.shortJobMs + 500);
    await supervisor.stopAll(options.stopTimeoutMs + 2_000);
  } finally {
    await watch.stop();
  }
  // Every job group any server ran, from the servers' logs and from the state directory's records.
  const groups = new Set<number>([...supervisor.incarnations.filter((incarnation) => incarnation.name === SERVER).flatMap((incarnation) => groupsInLog(incarnation.logPath)), ...recordedGroups(stateDir)]);
  const outlived = liveGroupMembers(groups);
  supervisor.record('jobs.groups-at-end', { alive: outlived.map(describeMember) });
  killGroups(groups);

  return {
    async judge(trace: readonly TraceEvent[]) {
      const facts = jobRunnerFacts(trace);
      const servers = [...new Set(trace.filter((event) => event.kind === 'job-runner.open').map((event) => event.pid))];
      const violations: Violation[] = [
        ...checkLegalTransitions(facts),
        ...checkStoppedQueuedNeverRuns(facts),
        // Each server counts its own jobs: one killed with jobs executing does not lend them to the next.
        ...servers.flatMap((server) => checkConcurrencyLimit(jobRunnerFacts(trace.filter((event) => event.pid === server)))),
        ...checkJobStartedOnce(trace),
        ...checkNoOrphanJobProcess(trace),
      ];
      const ends = facts.transitions.filter((transition) => transition.from === 'executing');
      return {
        violations,
        counts: {
          jobs: facts.jobs.size,
          executed: facts.transitions.filter((transition) => transition.to === 'executing').length,
          completed: ends.filter((transition) => transition.to === 'completed').length,
          stopped: facts.transitions.filter((transition) => transition.to === 'stopped').length,
          orphansKilled: trace.filter((event) => event.kind === 'jobs.orphan' && event.data?.outcome === 'killed').length,
          outlived: outlived.length,
        },
      };
    },
  };
}

function lastExit(supervisor: Supervisor, name: string): Incarnation['exit'] {
  return supervisor.incarnations.filter((incarnation) => incarnation.name === name).at(-1)?.exit;
}

async function waitForLine(supervisor: Supervisor, name: string, text: string, dir: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const incarnation = supervisor.incarnations.filter((candidate) => candidate.name === name).at(-1);
    if (incarnation === undefined) runFailed(`${name} was never started`);
    if (readText(incarnation.logPath).includes(text)) return;
    if (incarnation.exit !== undefined) runFailed(`${incarnation.pid} exited at startup (code ${incarnation.exit.code}); see ${incarnation.logPath}`);
    if (Date.now() > deadline) runFailed(`${name} did not start within ${STARTUP_TIMEOUT_MS / 1000} s; see ${join(dir, 'logs')}`);
    await sleep(50);
  }
}

/**
 * At each server incarnation's exit, which of its job groups are still alive, and which of those the
 * state directory does not record (no later server would kill them): `jobs.groups-at-exit`.
 */
function watchServerExits(supervisor: Supervisor, stateDir: string): { stop(): Promise<void> } {
  const seen = new Set<Incarnation>();
  const pending: Promise<void>[] = [];
  const look = (): void => {
    for (const incarnation of supervisor.incarnations) {
      if (incarnation.name !== SERVER || seen.has(incarnation)) continue;
      seen.add(incarnation);
      pending.push(
        incarnation.exited.then(() => {
          const alive = liveGroupMembers(new Set(groupsInLog(incarnation.logPath)));
          const tracked = new Set(recordedGroups(stateDir));
          const untracked = alive.filter((member) => !tracked.has(member.pgid));
          supervisor.record('jobs.groups-at-exit', { server: incarnation.pid, alive: alive.map(describeMember), untracked: untracked.map(describeMember) });
        }),
      );
    }
  };
  look();
  const timer = setInterval(look, 20);
  return {
    async stop() {
      clearInterval(timer);
      look();
      await Promise.all(pending);
    },
  };
}

function describeMember(member: GroupMember): { pid: number; pgid: number; command: string } {
  return { pid: member.pid, pgid: member.pgid, command: member.command };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The process groups a server's log names: each job's execution id is its shell's pid, the group's id. */
function groupsInLog(logPath: string): number[] {
  const groups: number[] = [];
  for (const line of readText(logPath).split('\n')) {
    const parsed = parseLogLine(line);
    if (parsed?.kind !== 'job.execution') continue;
    const pgid = Number(parsed.data?.execution);
    if (Number.isSafeInteger(pgid) && pgid > 1) groups.push(pgid);
  }
  return groups;
}

/** The groups the state directory records as executing (`groups/PGID.json`). */
function recordedGroups(stateDir: string): number[] {
  try {
    return readdirSync(join(stateDir, 'groups'))
      .map((name) => Number(name.replace(/\.json$/, '')))
      .filter((pgid) => Number.isSafeInteger(pgid) && pgid > 1);
  } catch {
    return [];
  }
}

/** No job id is executed twice. */
export function checkJobStartedOnce(trace: readonly TraceEvent[]): Violation[] {
  const first = new Map<string, TraceEvent>();
  const violations: Violation[] = [];
  for (const event of trace) {
    if (event.kind !== 'job.execution') continue;
    const job = String(event.data?.job);
    const earlier = first.get(job);
    if (earlier === undefined) first.set(job, event);
    else violations.push({ invariant: JOB_STARTED_ONCE.name, message: `job ${job} was executed twice: by ${earlier.pid} and again by ${event.pid}`, eventSeq: event.seq, pid: event.pid, operation: 'execution' });
  }
  return violations;
}

/** The supervisor's /proc readings: untracked survivors of a dead server, and anything alive at the end. */
export function checkNoOrphanJobProcess(trace: readonly TraceEvent[]): Violation[] {
  const violations: Violation[] = [];
  const list = (members: readonly GroupMember[]): string => members.map((member) => `pid ${member.pid} in group ${member.pgid} (${member.command || '?'})`).join(', ');
  for (const event of trace) {
    if (event.kind === 'jobs.groups-at-exit') {
      const untracked = (event.data?.untracked ?? []) as GroupMember[];
      if (untracked.length > 0) {
        violations.push({ invariant: NO_ORPHAN_JOB_PROCESS.name, message: `${String(event.data?.server)} exited leaving job processes no state directory records, so no later server kills them: ${list(untracked)}`, eventSeq: event.seq, pid: String(event.data?.server), operation: 'exit' });
      }
    } else if (event.kind === 'jobs.groups-at-end') {
      const alive = (event.data?.alive ?? []) as GroupMember[];
      if (alive.length > 0) {
        violations.push({ invariant: NO_ORPHAN_JOB_PROCESS.name, message: `after the last server stopped, job processes were still alive: ${list(alive)}`, eventSeq: event.seq, operation: 'stop' });
      }
    }
  }
  return violations;
}
