/**
 * `simrun real lock`: N `simrun real lock-client` processes taking turns on a few keys through one
 * lock backend (SQLite, PostgreSQL or a file-lock directory), each writing a shared fenced resource
 * with its lease's token, under the real nemesis. Every client is a target.
 *
 * A run: start the clients, start the nemesis once every client has its lock open, heal (start again
 * every client the nemesis left dead) once the plan is over, wait until every abandoned lease has
 * lapsed, let the clients take turns a while longer (the quiet tail), stop them with SIGTERM, then
 * judge the merged trace with the simulation's lock checkers: at most one live lease per key
 * (exactly, on true time for a store-clock backend, on each client's recorded clock for the file
 * lock), tokens that only grow and no expired lease
 * revived, the fence never passing a stale token, every holder's belief within the store's lease,
 * and every key written again in the quiet tail.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callerClocks, checkFencing, checkLeaseBelief, checkLeaseContract, checkLeaseExclusion, checkProgress, fencing, leaseBelief, leaseContract, leaseExclusion, lockHistoryFromTrace, progress } from '../../check/lock/index.js';
import { InputError } from '../../env/errors.js';
import { expiryClockOf, parseLockSpec, type LockSpec } from '../../locks/lock-spec.js';
import { parseProcessId } from '../../sim/process-id.js';
import type { TraceEvent } from '../../sim/trace.js';
import { checkSharedLockSpec, displayLockSpec } from '../common/shared-lock.js';
import { holdSqliteWriteLock, terminatePostgresBackends } from '../common/store-faults.js';
import { describeEarlyExit, runFailed, type RealRunContext, type RealSystem } from './campaign.js';
import { LOCK_CLIENT_START } from './lock-client.js';
import { REAL_LOCK_MUTANT_STORES, REAL_LOCK_MUTANTS } from './lock-mutants.js';
import type { RealFaultSpace } from './plan.js';
import { preflightSharedLock } from './preflight.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RealLockOptions {
  readonly clients: number;
  readonly keys: number;
  /** `sqlite:PATH`, `file:DIR` or `postgres://...`; by default a fresh SQLite file in each run's directory. */
  readonly lock?: string;
  readonly ttlMs: number;
  readonly steps: number;
  readonly stepMs: number;
  readonly thinkMsMax: number;
  /** Nemesis actions land in [0, windowMs) past the moment every client is up. */
  readonly windowMs: number;
  /** The quiet tail: how long the clients go on once every abandoned lease has lapsed. */
  readonly settleMs: number;
  readonly stopGraceMs: number;
  readonly mutant?: string;
}

export const REAL_LOCK_DEFAULTS: Omit<RealLockOptions, 'clients' | 'lock' | 'mutant'> = {
  keys: 2,
  ttlMs: 1_000,
  steps: 5,
  stepMs: 200,
  thinkMsMax: 300,
  windowMs: 4_000,
  settleMs: 2_500,
  stopGraceMs: 5_000,
};

const STARTUP_TIMEOUT_MS = 60_000;
/** Slack for a real process: a late timer, a store call, a log write. */
const REAL_LATENCY_MS = 500;


/** The largest clock offset a `clock` action sets, either way: half a lease. */
const clockOffsetMsMaxOf = (ttlMs: number): number => Math.floor(ttlMs / 2);

/** The kind of store a run uses: the one `--lock` names, else the one its mutant is a flawed copy of, else SQLite. */
function storeKindOf(options: Pick<RealLockOptions, 'lock' | 'mutant'>): LockSpec['kind'] {
  if (options.lock !== undefined) return parseLockSpec(options.lock).kind;
  return (options.mutant === undefined ? undefined : REAL_LOCK_MUTANT_STORES[options.mutant]) ?? 'sqlite';
}

/**
 * What a seed may do to a run: kill, stop, pause and restart clients, set their clocks off, and
 * strike the store the run uses (a SQLite writer holding the file, PostgreSQL connections terminated).
 */
export function lockFaultSpace(options: Pick<RealLockOptions, 'clients' | 'windowMs' | 'ttlMs' | 'lock' | 'mutant'>): RealFaultSpace {
  const store = storeKindOf(options);
  return {
    targets: Array.from({ length: options.clients }, (_, index) => `client-${index + 1}`),
    windowMs: options.windowMs,
    rates: { kill: 1.5, term: 0.5, pause: 1.5, clock: 1, ...(store === 'sqlite' ? { 'sqlite-busy': 1 } : store === 'postgres' ? { 'pg-terminate': 1 } : {}) },
    clockOffsetMsMax: clockOffsetMsMaxOf(options.ttlMs),
    // Up to two leases: a holder's renewal waits behind the writer past its lease in the longer ones.
    busyMsMin: 100,
    busyMsMax: 2 * options.ttlMs,
    // From half a lease to three: in the longer pauses the holder's lease lapses and another takes the key over.
    pauseMsMin: Math.round(options.ttlMs / 2),
    pauseMsMax: 3 * options.ttlMs,
    restartAfterMsMin: 200,
    restartAfterMsMax: 1_500,
  };
}

export async function realLockSystem(options: RealLockOptions): Promise<RealSystem> {
  if (options.mutant !== undefined && !(options.mutant in REAL_LOCK_MUTANTS)) {
    throw new InputError(`--mutant: unknown real lock mutant '${options.mutant}' (known: ${Object.keys(REAL_LOCK_MUTANTS).join(', ')})`);
  }
  if (options.lock !== undefined) await checkSharedLockSpec({ spec: options.lock, sharedBy: 'lock clients' });
  const mutantStore = options.mutant === undefined ? undefined : REAL_LOCK_MUTANT_STORES[options.mutant];
  if (mutantStore !== undefined && options.lock !== undefined && parseLockSpec(options.lock).kind !== mutantStore) {
    throw new InputError(`--mutant ${options.mutant} is a ${mutantStore === 'file' ? 'file lock: leave --lock out or give file:DIR' : 'SQLite store: leave --lock out or give sqlite:PATH'}`);
  }
  if (options.lock !== undefined) await preflightSharedLock({ spec: options.lock, sharedBy: 'lock clients' });
  const space = lockFaultSpace(options);
  return {
    name: 'lock',
    params: {
      clients: options.clients,
      keys: options.keys,
      lock: options.lock === undefined ? (storeKindOf(options) === 'file' ? 'file:<run dir>/locks' : 'sqlite:<run dir>/locks.db') : displayLockSpec(options.lock),
      ttlMs: options.ttlMs,
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    },
    space,
    invariants: [leaseExclusion, leaseContract, fencing, leaseBelief, progress].map(({ name, description }) => ({ name, description })),
    replayFlags: [
      '--clients',
      String(options.clients),
      ...(options.keys === REAL_LOCK_DEFAULTS.keys ? [] : ['--keys', String(options.keys)]),
      ...(options.ttlMs === REAL_LOCK_DEFAULTS.ttlMs ? [] : ['--ttl-ms', String(options.ttlMs)]),
      ...(options.lock === undefined ? [] : ['--lock', displayLockSpec(options.lock)]),
      ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
    ],
    execute: (context) => executeLockRun(context, options, space.targets),
  };
}

/** Waits until every live incarnation of `names` has logged that it is up. */
async function waitUntilUp(context: RealRunContext, names: readonly string[]): Promise<void> {
  const { supervisor } = context;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    const live = names.map((name) => supervisor.running(name)).filter((incarnation) => incarnation !== undefined);
    const up = await Promise.all(live.map(async (incarnation) => (await readFile(incarnation.logPath, 'utf8').catch(() => '')).includes(`"${LOCK_CLIENT_START}"`)));
    if (up.every(Boolean)) return;
    if (Date.now() > deadline) runFailed(`the lock clients did not all start within ${STARTUP_TIMEOUT_MS / 1000} s; see ${join(context.dir, 'logs')}`);
    await sleep(50);
  }
}

/**
 * The trace with each client's clock as the client itself recorded it. The supervisor also records
 * every offset it sets (`process.skew` under the client's name, no incarnation), stamped just after it
 * replaced the offset file; a client reading in that same millisecond, just before the replacement,
 * read the old offset, which the supervisor's record would contradict. The clients record the offset
 * they start with and every change at the first reading it moved, so theirs alone are exact.
 */
function ownClockRecords(trace: readonly TraceEvent[]): TraceEvent[] {
  return trace.filter((event) => event.kind !== 'process.skew' || parseProcessId(event.pid).incarnation !== undefined);
}

async function executeLockRun(context: RealRunContext, options: RealLockOptions, clients: readonly string[]) {
  const { supervisor } = context;
  const lock = options.lock ?? (storeKindOf(options) === 'file' ? `file:${join(context.dir, 'locks')}` : `sqlite:${join(context.dir, 'locks.db')}`);
  const spec = parseLockSpec(lock);
  // The clients' PostgreSQL connections carry the run's name, so `pg-terminate` ends theirs and nobody else's.
  const applicationName = `simrun-real-lock-${context.seed}-${process.pid}`;
  supervisor.childEnv.PGAPPNAME = applicationName;
  supervisor.storeFaults = {
    ...(spec.kind === 'sqlite' ? { sqliteBusy: (ms: number) => holdSqliteWriteLock(spec.path, ms) } : {}),
    ...(spec.kind === 'postgres' ? { pgTerminate: () => terminatePostgresBackends(spec.url, applicationName) } : {}),
  };
  for (const client of clients) {
    supervisor.start(client, [
      'real', 'lock-client', '--name', client, '--lock', lock, '--fence', join(context.dir, 'fence.db'),
      '--keys', String(options.keys), '--ttl-ms', String(options.ttlMs), '--steps', String(options.steps),
      '--step-ms', String(options.stepMs), '--think-ms', String(options.thinkMsMax),
      ...(options.mutant === undefined ? [] : ['--mutant', options.mutant]),
    ]);
  }
  // The plan's clock starts once every client is up: starting Node can take seconds on a busy machine.
  await waitUntilUp(context, clients);
  const failedEarly = supervisor.incarnations.find((incarnation) => incarnation.exit !== undefined);
  if (failedEarly !== undefined) runFailed(await describeEarlyExit(failedEarly));
  const nemesis = context.startNemesis();
  await nemesis.done;
  for (const client of clients) if (supervisor.running(client) === undefined) supervisor.start(client);
  await waitUntilUp(context, clients);
  // Every lease a fault abandoned has lapsed from here on: each key must be written again.
  const quietFrom = Date.now() + options.ttlMs + REAL_LATENCY_MS;
  await sleep(Math.max(0, quietFrom + options.settleMs - Date.now()));
  const endMs = Date.now();
  await supervisor.stopAll(options.stopGraceMs);

  // The SQL stores judge expiry by the database's clock: judged on true time, exactly, whatever the
  // clients' clocks read. The file lock judges by each caller's clock: judged exactly on those
  // clocks, as the simulation does, from the offsets every client recorded as it read them.
  const expiryClock = expiryClockOf(spec);
  const keys = Array.from({ length: options.keys }, (_, index) => `key-${index + 1}`);
  return {
    async judge(fullTrace: readonly TraceEvent[]) {
      const trace = ownClockRecords(fullTrace);
      const history = lockHistoryFromTrace(trace, { expiryClock });
      const judging = expiryClock === 'caller' ? { judgingClock: callerClocks(trace) } : {};
      const violations = [
        ...checkLeaseExclusion(history, judging),
        ...checkLeaseContract(history, judging),
        ...checkFencing(history),
        ...checkLeaseBelief(trace),
        ...checkProgress(history, { keys, fromMs: quietFrom, endMs }),
      ];
      const count = (kind: string): number => history.leases.filter((lease) => lease.kind === kind).length;
      return {
        violations,
        counts: {
          grants: count('granted'),
          renewals: count('renewed'),
          writes: history.writes.filter((write) => write.accepted).length,
          fenced: history.writes.filter((write) => !write.accepted).length,
          lost: trace.filter((event) => event.kind === 'lock.lost').length,
        },
      };
    },
  };
}
