/**
 * The one lock vocabulary: the specs users type, e.g. `--lock sqlite:/var/lib/app/locks.db`, name a
 * backend in real mode and in simulation alike; this module parses them, says which clock judges
 * each backend's expiry, and opens one in real mode (`scenario/sim-locks.ts` opens one in a world).
 *
 * | spec | backend | expiry judged by |
 * | --- | --- | --- |
 * | `memory` | in-process memory (one process only; in simulation, one lock server) | the store |
 * | `file:DIR` | generation files under DIR | each caller's clock |
 * | `sqlite:PATH`, `sqlite::memory:` | a SQLite database file, or an in-memory one | the store (the database), unless opened with the caller's clock |
 * | `postgres://user:pass@host:port/db` (or `postgresql://`) | a PostgreSQL database | the store (the database), unless opened with the caller's clock |
 *
 * In simulation `file` and `sqlite` without a path are shorthand (a directory on the world's
 * volume, the run's in-memory database); PostgreSQL is not simulated.
 */
import type { Env } from '../env/env.js';
import { LockConfigError, maskUrl } from './errors.js';
import { createFileLock } from './file-lock.js';
import type { LockBackend } from './lock.js';
import { createMemoryLock } from './memory-lock.js';
import { createPostgresLock, validatePostgresUrl } from './postgres-lock.js';
import { createSqliteLock } from './sqlite-lock.js';
import { createFileWaitQueue } from './file-wait-queue.js';
import { createPostgresWaitQueue, createSqliteWaitQueue } from './sql-wait-queue.js';
import { createMemoryWaitQueue, type WaitQueue } from './wait-queue.js';

/** A parsed lock spec, tagged by `kind`. */
export type LockSpec =
  | { readonly kind: 'memory' }
  | { readonly kind: 'file'; readonly dir: string }
  | { readonly kind: 'sqlite'; /** A file path, or `:memory:`. */ readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; /** The URL with its password masked, for messages. */ readonly display: string };

const USAGE = 'expected memory, file:DIR, sqlite:PATH, sqlite::memory: or postgres://user:pass@host:port/db';

/**
 * Whose clock decides that a lease has expired: the store's own (one clock for every caller, so
 * exclusion is exact), or each caller's (exclusion holds only up to the callers' clock disagreement).
 */
export type ExpiryClock = 'store' | 'caller';

/**
 * How a backend fails, which decides the faults a simulation gives it:
 * - `remote`: an out-of-process store reached over a network (a lock server, PostgreSQL). Its calls
 *   are slow, fail before reaching the store, or take effect and lose their answer (`LockCallError`
 *   with `tookEffect`), and a caller may stall with a call in flight.
 * - `in-process`: a library running inside the caller over local storage (generation files, an
 *   embedded database). It has no network: a call cannot take effect and lose its answer, so it gets
 *   no lock-call faults; it gets the filesystem's instead (slow and failing I/O through `env.fs`).
 * Both also get the process's own faults: crash, pause, clock skew.
 */
export type FailureModel = 'remote' | 'in-process';

/** What a backend declares about itself: whose clock judges its expiry, and how it fails. */
export interface LockDeclaration {
  readonly expiryClock: ExpiryClock;
  readonly failureModel: FailureModel;
}

/** What each backend is: one line, the clock that judges its expiry by default, and how it fails. */
export const LOCK_BACKENDS: Readonly<Record<LockSpec['kind'], { readonly summary: string } & LockDeclaration>> = {
  memory: { summary: 'one in-process lock server', expiryClock: 'store', failureModel: 'remote' },
  file: { summary: 'generation files in a shared directory', expiryClock: 'caller', failureModel: 'in-process' },
  sqlite: { summary: 'one row per lock in a SQLite database', expiryClock: 'store', failureModel: 'in-process' },
  postgres: { summary: 'one row per lock in a PostgreSQL database', expiryClock: 'store', failureModel: 'remote' },
};

/** How the backend `spec` names fails (`LOCK_BACKENDS`). */
export function failureModelOf(spec: string | LockSpec): FailureModel {
  const parsed = typeof spec === 'string' ? parseSimLockSpec(spec) : spec;
  return LOCK_BACKENDS[parsed.kind].failureModel;
}

/**
 * What the simulation (or real mode) gives a user's lock factory, once per process. Everything the
 * backend touches must come from here: time from `env.now`, waiting from `env.sleep`, randomness
 * from `env.random`, files from `fs`; never `Date`, timers, `Math.random` or `node:fs`, or a seed
 * stops replaying.
 */
export interface LockFactoryContext {
  /** The calling process's environment: its id (`client-1#2`), its clock with its skew, its timers, its fs. */
  readonly env: Env;
  /** The process's view of the shared filesystem (`env.fs`): latency and injected I/O errors apply. */
  readonly fs: Env['fs'];
  /**
   * A name for the store, the same for every process of a run (`simrun`): a directory name, a table
   * name, a lock-server name.
   */
  readonly name: string;
  /**
   * A directory every process of the run shares, for a backend that keeps its state in files: `/locks`
   * on the simulated volume in simulation, a fresh temporary directory in real mode.
   */
  readonly dir: string;
  /**
   * The store's own clock, ms: in simulation the world's (one clock for every caller, immune to
   * the processes' skew), in real mode the machine's. A backend declared `expiryClock: 'store'`
   * judges expiry by this one.
   */
  readonly storeNow: () => number;
  /**
   * Objects shared by every process of one run (one map per run): an in-memory store that stands
   * for a server keeps itself here, e.g. `shared.get('keys') ?? shared.set('keys', new Map())...`.
   */
  readonly shared: Map<string, unknown>;
  /** `simulation` under `simrun scenario`/`fuzz`/`lock-contract`; `real` under `lock-contract --real`, in separate OS processes. */
  readonly mode: 'simulation' | 'real';
}

/**
 * A user's lock backend: the default export of a module given as `--lock ./my-lock.ts`, or
 * `params: { lock: factory }` in the library API. Called once per simulated process (incarnation);
 * may return a promise. Optional properties declare whose clock judges expiry (default `store`:
 * exclusion must then be exact under any skew) and how it fails (default `remote`); set them with
 * `defineLockBackend`.
 */
export interface LockBackendFactory {
  (context: LockFactoryContext): LockBackend | Promise<LockBackend>;
  readonly expiryClock?: ExpiryClock;
  readonly failureModel?: FailureModel;
}

/** Types a lock factory and declares its expiry clock and failure model: `export default defineLockBackend(create, { failureModel: 'in-process' })`. */
export function defineLockBackend(create: (context: LockFactoryContext) => LockBackend | Promise<LockBackend>, declaration: Partial<LockDeclaration> = {}): LockBackendFactory {
  const factory = (context: LockFactoryContext): LockBackend | Promise<LockBackend> => create(context);
  return Object.assign(factory, declaration);
}

/** What a user's factory declares, defaults filled in. */
export function declarationOf(factory: LockBackendFactory): LockDeclaration {
  return { expiryClock: factory.expiryClock ?? 'store', failureModel: factory.failureModel ?? 'remote' };
}

/** The clock that judges expiry for `spec`, opened with `options` (SQL backends may be told to trust the caller's). */
export function expiryClockOf(spec: string | LockSpec, options: OpenLockOptions = {}): ExpiryClock {
  const parsed = typeof spec === 'string' ? parseSimLockSpec(spec) : spec;
  if ((parsed.kind === 'sqlite' || parsed.kind === 'postgres') && options.sqlClock === 'caller') return 'caller';
  return LOCK_BACKENDS[parsed.kind].expiryClock;
}

/** The backends simulation runs, as specs (`--lock all` runs each seed against each). */
export const SIM_LOCK_BACKENDS = ['memory', 'file', 'sqlite'] as const;

/** A spec simulation can run: the real-mode spec, with the path optional. */
export type SimLockSpec = { readonly kind: 'memory' } | { readonly kind: 'file'; readonly dir?: string } | { readonly kind: 'sqlite'; readonly path?: string };

/**
 * Parses a spec for simulation: a real-mode spec, or `file` / `sqlite` without a path. Throws
 * `LockConfigError` for anything else, PostgreSQL included (it is not simulated).
 */
export function parseSimLockSpec(spec: string): SimLockSpec {
  const trimmed = spec.trim();
  if (trimmed === 'file') return { kind: 'file' };
  if (trimmed === 'sqlite') return { kind: 'sqlite' };
  if (/^postgres(ql)?:/.test(trimmed)) throw new LockConfigError('spec', `lock spec "${maskUrl(trimmed)}": PostgreSQL is not simulated; simulation runs ${SIM_LOCK_BACKENDS.join(', ')} (file:DIR and sqlite:PATH too)`);
  try {
    return parseLockSpec(trimmed) as SimLockSpec;
  } catch (error) {
    if (error instanceof LockConfigError) throw new LockConfigError('spec', `unknown lock spec "${maskUrl(trimmed)}": simulation runs ${SIM_LOCK_BACKENDS.join(', ')}, file:DIR or sqlite:PATH`);
    throw error;
  }
}

/** Parses a CLI lock spec; throws `LockConfigError` (password masked) for anything else. */
export function parseLockSpec(spec: string): LockSpec {
  const trimmed = spec.trim();
  if (trimmed === 'memory') return { kind: 'memory' };
  if (trimmed.startsWith('file:')) {
    const dir = trimmed.slice('file:'.length);
    if (dir === '') throw new LockConfigError('spec', `lock spec "${trimmed}": file: needs a directory; ${USAGE}`);
    return { kind: 'file', dir };
  }
  if (trimmed.startsWith('sqlite:')) {
    const path = trimmed.slice('sqlite:'.length);
    if (path === '') throw new LockConfigError('spec', `lock spec "${trimmed}": sqlite: needs a path; ${USAGE}`);
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:/.test(trimmed)) {
    validatePostgresUrl(trimmed);
    return { kind: 'postgres', url: trimmed, display: maskUrl(trimmed) };
  }
  throw new LockConfigError('spec', `unknown lock spec "${maskUrl(trimmed)}": ${USAGE}`);
}

export interface OpenLockOptions {
  /** Which clock judges expiry on SQL backends, default `database` (immune to skew between callers). */
  readonly sqlClock?: 'caller' | 'database';
}

/**
 * Opens the backend a spec names, for real mode: time from `env.now`, files through `env.fs`. The
 * memory backend lives in this process only, so it coordinates nothing across processes.
 */
export async function openLock(spec: string | LockSpec, env: Env, options: OpenLockOptions = {}): Promise<LockBackend> {
  const parsed = typeof spec === 'string' ? parseLockSpec(spec) : spec;
  const now = (): number => env.now();
  const clock = options.sqlClock === 'caller' ? ({ clock: 'caller', now } as const) : ({ clock: 'database' } as const);
  switch (parsed.kind) {
    case 'memory':
      return createMemoryLock({ now });
    case 'file':
      return createFileLock(env.fs, parsed.dir, { now });
    case 'sqlite':
      return createSqliteLock(parsed.path, clock);
    case 'postgres':
      return createPostgresLock(parsed.url, clock);
  }
}

/**
 * Opens the waiting lines (`wait-queue.ts`) kept in the store a spec names, for real mode, beside
 * the locks `openLock` opens on the same spec: a `lock_queue` table in the SQL stores, `queue-*`
 * directories in a lock directory.
 */
export async function openWaitQueue(spec: string | LockSpec, env: Env): Promise<WaitQueue> {
  const parsed = typeof spec === 'string' ? parseLockSpec(spec) : spec;
  switch (parsed.kind) {
    case 'memory':
      return createMemoryWaitQueue({ now: () => env.now() });
    case 'file':
      return createFileWaitQueue(env.fs, parsed.dir, { now: () => env.now() });
    case 'sqlite':
      return createSqliteWaitQueue(parsed.path);
    case 'postgres':
      return createPostgresWaitQueue(parsed.url);
  }
}
