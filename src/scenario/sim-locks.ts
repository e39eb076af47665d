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
 * - a module path (`./my-lock.ts`, `/abs/lock.js`), or in the library API the function itself: a
 *   user's `LockBackendFactory` (`locks/lock-spec.ts`), called once per process with that process's
 *   `Env`, its fs, the store's clock and a map the run's processes share.
 * Each process gets its own backend object over the stores the run shares (`SimLocks`); whose clock
 * judges expiry and how it fails are the backend's to say (`lockDeclarationOf`), not the scenario's
 * to guess from a name.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Env } from '../env/env.js';
import { createFileLock } from '../locks/file-lock.js';
import type { LockBackend } from '../locks/lock.js';
import { LockConfigError } from '../locks/errors.js';
import { declarationOf, LOCK_BACKENDS, parseSimLockSpec, type ExpiryClock, type LockBackendFactory, type LockDeclaration, type LockFactoryContext, type SimLockSpec } from '../locks/lock-spec.js';
import { createMemoryLock, MemoryLockState } from '../locks/memory-lock.js';
import { createSqliteLock, sqliteDriver } from '../locks/sqlite-lock.js';
import type { World } from '../sim/world.js';
import { createMemoryWaitQueue, MemoryQueueState, type WaitQueue } from '../locks/wait-queue.js';
import { createFileWaitQueue } from '../locks/file-wait-queue.js';
import { createSqliteWaitQueue } from '../locks/sql-wait-queue.js';
import { isModuleReference, partOf, preparePart, refineModulePath, type PartKind } from './parts.js';

export { expiryClockOf, SIM_LOCK_BACKENDS } from '../locks/lock-spec.js';

/** Where the file backend keeps its generation files on the world's volume, unless the spec names a directory. */
export const SIM_LOCK_DIR = '/locks';

/** A user's lock backend as a part: a module whose default export is a `LockBackendFactory`. */
export const LOCK_PART: PartKind<LockBackendFactory> = {
  label: 'lock backend',
  accepts: (value): value is LockBackendFactory => typeof value === 'function',
  expected: 'a function making a LockBackend from { env, fs, name, storeNow, shared, mode } (see defineLockBackend)',
};

/** What a scenario's `lock` parameter holds: a spec or module path (the CLI), or a factory (the library API). */
export type SimLockParam = string | LockBackendFactory;

/** Whether `lock` names a built-in backend spec rather than a user's module. */
function isBuiltInSpec(lock: string): boolean {
  return /^(memory|file|sqlite)(:|$)|^postgres(ql)?:/.test(lock.trim()) || !isModuleReference(lock);
}

const lockReference = z.string().superRefine((spec, context) => {
  if (!isBuiltInSpec(spec)) return refineModulePath(LOCK_PART)(spec, context);
  try {
    parseSimLockSpec(spec);
  } catch (error) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: `${(error as Error).message}, or the path of a lock backend module` });
  }
});

/**
 * A scenario's `lock` parameter (`.default('memory')` it): a lock spec simulation runs, the path of
 * a module whose default export is a `LockBackendFactory`, or (library API) the factory itself.
 * A scenario with one calls `prepareSimLock(p.lock)` in its `prepare`.
 */
export const simLockParam: z.ZodType<SimLockParam, z.ZodTypeDef, unknown> = z.union([
  lockReference,
  z.custom<LockBackendFactory>((value) => typeof value === 'function', { message: 'expected a lock spec, a module path or a lock factory function' }),
]);

/** Loads the user's lock module `lock` names, if it names one (a scenario's `prepare` calls this). */
export async function prepareSimLock(lock: SimLockParam): Promise<void> {
  if (typeof lock === 'string' && !isBuiltInSpec(lock)) await preparePart(lock, LOCK_PART);
}

/** The user's factory `lock` names or is, or `undefined` for a built-in spec. */
export function userLockFactory(lock: SimLockParam): LockBackendFactory | undefined {
  if (typeof lock === 'function') return lock;
  return isBuiltInSpec(lock) ? undefined : partOf(lock, LOCK_PART);
}

/** What the backend `lock` names declares about itself: whose clock judges its expiry, and how it fails. */
export function lockDeclarationOf(lock: SimLockParam): LockDeclaration {
  const factory = userLockFactory(lock);
  if (factory !== undefined) return declarationOf(factory);
  const { expiryClock, failureModel } = LOCK_BACKENDS[parseSimLockSpec(lock as string).kind];
  return { expiryClock, failureModel };
}

/** How reports name the backend `lock` gives: the spec, or the module path, or the factory's own name. */
export function lockLabel(lock: SimLockParam): string {
  return typeof lock === 'string' ? lock : lock.name || 'lock factory';
}

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
  /** What a user's factory keeps for every process of this run. */
  private readonly shared = new Map<string, unknown>();
  private readonly opened: LockBackend[] = [];

  constructor(private readonly world: World) {}

  /**
   * The backend `spec` names, as process `env` reaches it (the world's own view when `env` is
   * absent: its clock and its latency-free volume).
   */
  create(spec: SimLockParam | SimLockSpec, env?: Env, options: SimLockOptions = {}): LockBackend {
    const world = this.world;
    if (typeof spec === 'function') return this.createUser(spec, lockLabel(spec), env);
    const factory = typeof spec === 'string' ? userLockFactory(spec) : undefined;
    if (factory !== undefined) return this.createUser(factory, lockLabel(spec as string), env);
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
        if (database === undefined) this.sqlite.set(clock, (database = new (sqliteDriver())(':memory:')));
        return createSqliteLock(database, byCaller ? { clock: 'caller', now: callerNow } : { clock: 'database', now: () => world.now() });
      }
    }
  }

  /**
   * The waiting lines kept in the store `spec` names (`locks/wait-queue.ts`), as process `env`
   * reaches them; expiry judged by the same clock as that store's locks.
   */
  createQueue(spec: SimLockParam | SimLockSpec, env?: Env, options: SimLockOptions = {}): WaitQueue {
    const world = this.world;
    // A user's lock backend keeps no waiting line of its own: the line is then the simulation's own store's.
    const parsed = typeof spec === 'function' || (typeof spec === 'string' && userLockFactory(spec) !== undefined) ? parseSimLockSpec('memory') : typeof spec === 'string' ? parseSimLockSpec(spec) : spec;
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
        if (database === undefined) this.sqlite.set(clock, (database = new (sqliteDriver())(':memory:')));
        return createSqliteWaitQueue(database, { now: byCaller ? callerNow : () => world.now() });
      }
    }
  }

  /**
   * A user's backend for process `env`. A factory that returns a promise gets a backend whose calls
   * wait for it, so `create` stays synchronous for every scenario.
   */
  private createUser(factory: LockBackendFactory, label: string, env: Env | undefined): LockBackend {
    if (env === undefined) throw new LockConfigError('spec', `lock backend '${label}': a user's backend is made per process; pass the process's env`);
    const world = this.world;
    const context: LockFactoryContext = { env, fs: env.fs, name: 'simrun', dir: SIM_LOCK_DIR, storeNow: () => world.now(), shared: this.shared, mode: 'simulation' };
    const made = factory(context);
    if (!isPromiseLike(made)) {
      const backend = checkedBackend(made, label);
      this.opened.push(backend);
      return backend;
    }
    const ready = Promise.resolve(made).then((backend) => {
      const checked = checkedBackend(backend, label);
      this.opened.push(checked);
      return checked;
    });
    return {
      name: label,
      tryAcquire: async (key, owner, ttlMs) => (await ready).tryAcquire(key, owner, ttlMs),
      renew: async (lease, ttlMs) => (await ready).renew(lease, ttlMs),
      release: async (lease) => (await ready).release(lease),
      close: async () => (await ready).close?.(),
    };
  }

  /** Closes what `create` opened (the shared SQLite databases, users' backends). Safe to call twice. */
  async close(): Promise<void> {
    for (const database of this.sqlite.values()) if (database.open) database.close();
    const opened = this.opened.splice(0);
    for (const backend of opened) await backend.close?.();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** `backend` if it has the three calls of a `LockBackend`; a `LockConfigError` naming what is missing otherwise. */
function checkedBackend(backend: LockBackend, label: string): LockBackend {
  const missing = (['tryAcquire', 'renew', 'release'] as const).filter((call) => typeof (backend as Partial<LockBackend> | undefined)?.[call] !== 'function');
  if (missing.length > 0) throw new LockConfigError('spec', `lock backend '${label}': the factory returned no LockBackend (missing ${missing.join(', ')})`);
  if (typeof backend.name === 'string' && backend.name !== '') return backend;
  return {
    name: label,
    tryAcquire: (key, owner, ttlMs) => backend.tryAcquire(key, owner, ttlMs),
    renew: (lease, ttlMs) => backend.renew(lease, ttlMs),
    release: (lease) => backend.release(lease),
    close: async () => backend.close?.(),
  };
}
