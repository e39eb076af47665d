/**
 * Lock specs as the CLI takes them, e.g. `--lock sqlite:/var/lib/app/locks.db`, and the factory that
 * opens one in real mode.
 *
 * | spec | backend |
 * | --- | --- |
 * | `memory` | in-process memory (one process only) |
 * | `file:DIR` | generation files under DIR |
 * | `sqlite:PATH`, `sqlite::memory:` | a SQLite database file, or an in-memory one |
 * | `postgres://user:pass@host:port/db` (or `postgresql://`) | a PostgreSQL database |
 */
import type { Env } from '../env/env.js';
import { LockConfigError, maskUrl } from './errors.js';
import { createFileLock } from './file-lock.js';
import type { LockBackend } from './lock.js';
import { createMemoryLock } from './memory-lock.js';
import { createPostgresLock, validatePostgresUrl } from './postgres-lock.js';
import { createSqliteLock } from './sqlite-lock.js';

/** A parsed lock spec, tagged by `kind`. */
export type LockSpec =
  | { readonly kind: 'memory' }
  | { readonly kind: 'file'; readonly dir: string }
  | { readonly kind: 'sqlite'; /** A file path, or `:memory:`. */ readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; /** The URL with its password masked, for messages. */ readonly display: string };

const USAGE = 'expected memory, file:DIR, sqlite:PATH, sqlite::memory: or postgres://user:pass@host:port/db';

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
