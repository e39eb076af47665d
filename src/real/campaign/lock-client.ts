/**
 * One real lock client (`simrun real lock-client`, started by `simrun real lock`): takes turns with
 * the other clients on a few keys through one shared lock backend, with the library's own `withLock`
 * (acquire with backoff, renew every third of the lease, give up a lost lease), and in each critical
 * section writes a fenced resource every step with the lease's token. Every store answer
 * (`tracedLock`: `lease.*`), every holder belief and loss (`lock.*`) and every verdict of the fence
 * (`resource.write`) is one JSON line on standard error, for the supervisor to merge and judge.
 *
 * SIGTERM or SIGINT ends the section under way, releases the lease and exits 0.
 */
import type { Env, LogData } from '../../env/env.js';
import { InputError } from '../../env/errors.js';
import { clockOffsetFromEnv, realEnv } from '../../env/real-env.js';
import { LockLostError, LockTimeoutError } from '../../locks/errors.js';
import { resourceEvents } from '../../locks/events.js';
import { expiryClockOf, parseLockSpec } from '../../locks/lock-spec.js';
import type { LockBackend } from '../../locks/lock.js';
import { tracedLock } from '../../locks/traced-lock.js';
import { withLock } from '../../locks/with-lock.js';
import { openSharedLock } from '../common/shared-lock.js';
import { aborted, untilInterrupted } from '../common/signals.js';
import { openSqliteFence } from '../common/sqlite-fence.js';
import { processEvents } from '../../sim/events.js';
import { openRealLockMutant, REAL_LOCK_MUTANT_STORES, REAL_LOCK_MUTANTS } from './lock-mutants.js';

export interface LockClientOptions {
  /** `client-1`; the lock owner is `NAME#pid`, unique per incarnation. */
  readonly name: string;
  /** `sqlite:PATH`, `file:DIR` or `postgres://...`. */
  readonly lock: string;
  /** The fenced resource's SQLite file, shared by every client. */
  readonly fence: string;
  /** Keys `key-1` ... `key-K`; each section picks one at random. */
  readonly keys: number;
  readonly ttlMs: number;
  /** Fenced writes per section, and the time between them. */
  readonly steps: number;
  readonly stepMs: number;
  /** Rest up to this long between sections. */
  readonly thinkMsMax: number;
  readonly mutant?: string;
}

export interface LockClientResult {
  readonly owner: string;
  readonly sections: number;
  readonly writes: number;
}

/** The event a client logs once its lock is open: from here it takes part. */
export const LOCK_CLIENT_START = 'lock.client.start';

/**
 * The real `Env` with one change to its log lines: a line whose data carries a clock reading is
 * stamped with the true time of that reading, not of the write a moment later. A store answer
 * (`lease.granted`, `lease.renewed`) takes the reading it was timed by; a holder's belief
 * (`lock.belief`, whose `nowMs` is the last `env.now()` before it) takes that one. The checkers place
 * a lease's end and a belief's end from the line's time and the reading together: a process
 * descheduled between the two (tens of ms on a busy machine) would otherwise stretch either.
 *
 * It also records its clock, so the checkers can judge a caller-clock store exactly: every offset it
 * reads that differs from the one before (the nemesis's `clock` action, or the offset an incarnation
 * starts with) is a `process.skew` line stamped with the true time of the first reading it moved.
 * Every reading is then `t + offset` by the trace. Two readings in one millisecond with different
 * offsets could not be told apart on the trace's millisecond time, so a reading that finds the offset
 * changed waits for the next millisecond first (the file is replaced atomically, so the offset never
 * flips back and forth).
 */
function stampedEnv(base: Env): { env: Env; judgeNow: (callerClock: boolean) => number } {
  const offset = clockOffsetFromEnv();
  let judgedAt: number | undefined;
  let readAt = Date.now();
  let lastOffset: number | undefined;
  const env: Env = {
    ...base,
    now: () => {
      const previousReadAt = readAt;
      const current = offset();
      readAt = Date.now();
      if (current !== lastOffset) {
        if (lastOffset !== undefined) while (readAt === previousReadAt) readAt = Date.now();
        lastOffset = current;
        processEvents.emit(env, { kind: 'process.skew', data: { skewMs: current } });
      }
      return readAt + current;
    },
    log(kind: string, data?: LogData): void {
      const t =
        (kind === 'lease.granted' || kind === 'lease.renewed') && judgedAt !== undefined ? judgedAt : kind === 'lock.belief' || kind === 'process.skew' ? readAt : Date.now();
      if (kind === 'lease.granted' || kind === 'lease.renewed') judgedAt = undefined;
      const line = { t: new Date(t).toISOString(), pid: base.id, kind, ...(data === undefined ? {} : { data }) };
      process.stderr.write(JSON.stringify(line) + '\n');
    },
  };
  return {
    env,
    // The clock that judges expiry: the caller's own (through `env.now`, offset and all) or this machine's (the store's).
    judgeNow: (callerClock) => {
      if (callerClock) {
        const reading = env.now();
        judgedAt = readAt;
        return reading;
      }
      judgedAt = Date.now();
      return judgedAt;
    },
  };
}

export async function runLockClient(options: LockClientOptions): Promise<LockClientResult> {
  const spec = parseLockSpec(options.lock);
  if (options.mutant !== undefined && !(options.mutant in REAL_LOCK_MUTANTS)) {
    throw new InputError(`--mutant: unknown real lock mutant '${options.mutant}' (known: ${Object.keys(REAL_LOCK_MUTANTS).join(', ')})`);
  }
  const mutantStore = options.mutant === undefined ? undefined : REAL_LOCK_MUTANT_STORES[options.mutant];
  if (mutantStore !== undefined && spec.kind !== mutantStore) throw new InputError(`--mutant ${options.mutant} is a ${mutantStore === 'file' ? 'file lock: give --lock file:DIR' : 'SQLite store: give --lock sqlite:PATH'}`);
  const owner = `${options.name}#${process.pid}`;
  const { env, judgeNow } = stampedEnv(realEnv(owner));
  const backend: LockBackend =
    options.mutant !== undefined ? openRealLockMutant(options.mutant, spec, env, options.ttlMs) : await openSharedLock({ spec: options.lock, sharedBy: 'lock clients' }, env);
  // The clock the trace judges each grant by: the store's (this machine's, for SQLite and a local
  // PostgreSQL), or the caller's own for the file lock, offset and all.
  const callerClock = expiryClockOf(spec) === 'caller';
  const lock = tracedLock(backend, env, () => judgeNow(callerClock));
  const fence = openSqliteFence(options.fence);
  const keys = Array.from({ length: options.keys }, (_, index) => `key-${index + 1}`);
  let sections = 0;
  let writes = 0;
  try {
    await untilInterrupted(async (stop) => {
      // Announced once the signal handlers are in place: a SIGTERM sent on reading it stops gracefully.
      env.log(LOCK_CLIENT_START, { owner, backend: backend.name });
      const stopped = aborted(stop);
      while (!stop.aborted) {
        await Promise.race([env.sleep(Math.floor(env.random() * (options.thinkMsMax + 1))), stopped]);
        if (stop.aborted) break;
        const key = keys[Math.floor(env.random() * keys.length)] as string;
        try {
          await withLock(
            lock,
            key,
            owner,
            async (lost, lease) => {
              sections += 1;
              for (let step = 0; step < options.steps && !lost.aborted && !stop.aborted; step += 1) {
                const verdict = fence.write(key, lease.token, owner);
                writes += 1;
                resourceEvents.emit(env, { kind: 'resource.write', data: { key, token: lease.token, owner, accepted: verdict.accepted, highestBefore: verdict.highestBefore } });
                if (!verdict.accepted) return;
                await Promise.race([env.sleep(options.stepMs, lost).catch(() => undefined), stopped]);
              }
            },
            // No new attempt once stopping: the wait then ends at the timeout, and the process exits.
            { env, ttlMs: options.ttlMs, acquireTimeoutMs: 2 * options.ttlMs, backoff: { minMs: 5, maxMs: Math.max(5, Math.floor(options.ttlMs / 4)) }, mayAttempt: async () => !stop.aborted },
          );
        } catch (error) {
          // Losing a lease or waiting too long is part of taking turns; anything else is a bug.
          if (!(error instanceof LockTimeoutError || error instanceof LockLostError)) throw error;
        }
      }
    });
  } finally {
    fence.close();
    await backend.close?.();
  }
  return { owner, sections, writes };
}
