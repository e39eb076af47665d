/**
 * Lock backends for simulated processes, for any scenario with a `lock` parameter. The parameter
 * takes the specs real mode takes (`src/locks/lock-spec.ts`), with `file` and `sqlite` as shorthand:
 * - `memory`: one lock server; expiry judged by the world's clock (the server's, immune to the
 *   processes' skew);
 * - `file`, `file:DIR`: generation files in DIR (default `/locks`) on the world's volume, through
 *   the process's own `env.fs` (so its latency and injected I/O errors apply) and judged by the
 *   process's own clock, as on a real shared filesystem;
 * - `sqlite`, `sqlite:PATH`: one in-memory better-sqlite3 database shared by every process (the
 *   path names a file in real mode only), judged by the database server's clock, which in
 *   simulation is the world's (SQLite's own is the real one: no replay).
 * Each process gets its own backend object over the stores the run shares (`SimLocks`); whose clock
 * judges expiry is the backend's to say (`expiryClockOf`), not the scenario's to guess from a name.
 */
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { Env } from '../env/env.js';
import { createFileLock } from '../locks/file-lock.js';
import type { LockBackend } from '../locks/lock.js';
import { parseSimLockSpec, type ExpiryClock, type SimLockSpec } from '../locks/lock-spec.js';
import { createMemoryLock, MemoryLockState } from '../locks/memory-lock.js';
import { createSqliteLock } from '../locks/sqlite-lock.js';
import type { World } from '../sim/world.js';
import { createMemoryWaitQueue, MemoryQueueState, type WaitQueue } from '../locks/wait-queue.js';
import { createFileWaitQueue } from '../locks/file-wait-queue.js';
import { createSqliteWaitQueue } from '../locks/sql-wait-queue.js';

export { expiryClockOf, SIM_LOCK_BACKENDS } from '../locks/lock-spec.js';

/** Where the file backend keeps its generation files on the world's volume, unless the spec names a directory. */
export const SIM_LOCK_DIR = '/locks';

/** A scenario's `lock` parameter: a lock spec simulation runs (`.default('memory')` it). */
export const simLockParam = z.string().superRefine((spec, context) => {
  try {
    parseSimLockSpec(spec);
  } catch (error) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
  }
});

export interface SimLockOptions {
  /**
   * Whose clock judges expiry on a store that has a clock of its own (memory, SQLite): the store's
   * (default) or each caller's. The file backend is always judged by the caller's.
   */
  readonly expiryClock?: ExpiryClock;
}

/**
 * The lock stores of one run, opened on first use: one memory server and one SQLite database per
 * clock that judges them. A scenario makes one in `setup`, keeps it in its state, and closes it
 * in `teardown`.
 */
export class SimLocks {
  private readonly memory = new Map<ExpiryClock, MemoryLockState>();
  private readonly sqlite = new Map<ExpiryClock, Database.Database>();
  private readonly queues = new Map<ExpiryClock, MemoryQueueState>();

  constructor(private readonly world: World) {}

  /**
   * The backend `spec` names, as process `env` reaches it (the world's own view when `env` is
   * absent: its clock and its latency-free volume).
   */
  create(spec: string | SimLockSpec, env?: Env, options: SimLockOptions = {}): LockBackend {
    const world = this.world;
    const parsed = typeof spec === 'string' ? parseSimLockSpec(spec) : spec;
    const callerNow = env === undefined ? (): number => world.now() : (): number => env.now();
    const byCaller = options.expiryClock === 'caller';
    const clock: ExpiryClock = byCaller ? 'caller' : 'store';
    switch (parsed.kind) {
      case 'memory': {
        let state = this.memory.get(clock);
        if (state === undefined) this.memory.set(clock, (state = new MemoryLockState()));
        return createMemoryLock({ now: byCaller ? callerNow : () => world.now(), state });
      }
      case 'file':
        return createFileLock(env?.fs ?? world.fs, parsed.dir ?? SIM_LOCK_DIR, { now: callerNow });
      case 'sqlite': {
        let database = this.sqlite.get(clock);
        if (database === undefined) this.sqlite.set(clock, (database = new Database(':memory:')));
        return createSqliteLock(database, byCaller ? { clock: 'caller', now: callerNow } : { clock: 'database', now: () => world.now() });
      }
    }
  }

  /**
   * The waiting lines kept in the store `spec` names (`locks/wait-queue.ts`), as process `env`
   * reaches them; expiry judged by the same clock as that store's locks.
   */
  createQueue(spec: string | SimLockSpec, env?: Env, options: SimLockOptions = {}): WaitQueue {
    const world = this.world;
    const parsed = typeof spec === 'string' ? parseSimLockSpec(spec) : spec;
    const callerNow = env === undefined ? (): number => world.now() : (): number => env.now();
    const byCaller = options.expiryClock === 'caller';
    const clock: ExpiryClock = byCaller ? 'caller' : 'store';
    switch (parsed.kind) {
      case 'memory': {
        let state = this.queues.get(clock);
        if (state === undefined) this.queues.set(clock, (state = new MemoryQueueState()));
        return createMemoryWaitQueue({ now: byCaller ? callerNow : () => world.now(), state });
      }
      case 'file':
        return createFileWaitQueue(env?.fs ?? world.fs, parsed.dir ?? SIM_LOCK_DIR, { now: callerNow });
      case 'sqlite': {
        let database = this.sqlite.get(clock);
        if (database === undefined) this.sqlite.set(clock, (database = new Database(':memory:')));
        return createSqliteWaitQueue(database, { now: byCaller ? callerNow : () => world.now() });
      }
    }
  }

  /** Closes what `create` opened (the shared SQLite databases). Safe to call twice. */
  close(): void {
    for (const database of this.sqlite.values()) if (database.open) database.close();
  }
}
