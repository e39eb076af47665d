/**
 * Opening the lock several real processes share. `memory` is refused here, once for every command:
 * it lives inside one process and would let every process believe it alone holds the lock. A lock
 * whose files live on disk needs its parent directory to exist, which is checked before opening so
 * the error names the flag.
 */
import { dirname, resolve } from 'node:path';
import type { Env } from '../../env/env.js';
import { InputError } from '../../env/errors.js';
import { openLock, parseLockSpec, type LockBackend, type LockSpec } from '../../locks/index.js';
import { requireDirectory } from './files.js';

export interface SharedLockRequest {
  /** The spec as the user typed it: `file:DIR`, `sqlite:PATH`, `postgres://...`. */
  readonly spec: string;
  /** Who shares it, for the refusal of `memory`: `servers`, `workers`, `job processes`. */
  readonly sharedBy: string;
  /** The flag it came from, for messages; default `--lock`. */
  readonly flag?: string;
}

/** Parses and checks a shared lock spec without opening it. */
export async function checkSharedLockSpec(request: SharedLockRequest): Promise<LockSpec> {
  const flag = request.flag ?? '--lock';
  const spec = parseLockSpec(request.spec);
  if (spec.kind === 'memory') {
    throw new InputError(`${flag} memory lives inside one process and cannot coordinate ${request.sharedBy}: use file:DIR, sqlite:PATH or postgres://...`);
  }
  if (spec.kind === 'file') await requireDirectory(dirname(resolve(spec.dir)), `${flag} ${request.spec}`);
  if (spec.kind === 'sqlite' && spec.path !== ':memory:') await requireDirectory(dirname(resolve(spec.path)), `${flag} ${request.spec}`);
  return spec;
}

/** Checks the spec, then opens the lock; the caller closes it. */
export async function openSharedLock(request: SharedLockRequest, env: Env): Promise<LockBackend> {
  return openLock(await checkSharedLockSpec(request), env);
}

/** The spec as it may be printed: a PostgreSQL URL with its password masked. */
export function displayLockSpec(spec: string): string {
  const parsed = parseLockSpec(spec);
  return parsed.kind === 'postgres' ? parsed.display : spec;
}
