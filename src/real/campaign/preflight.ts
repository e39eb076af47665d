/**
 * The store check a real campaign makes before it starts any process: the supervisor opens the lock
 * or store a flag names once, with the same opener its children use, and closes it again. A store
 * that cannot be reached (a refused PostgreSQL port, a SQLite path that cannot be a database) is then
 * one `InputError` line naming the flag and the reason, exit 2, instead of N children dying at
 * startup and the campaign reporting a harness error, a startup timeout or a false verdict.
 */
import { access, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../../env/errors.js';
import { realEnv } from '../../env/real-env.js';
import { openLock, type LockSpec } from '../../locks/index.js';
import { openStore } from '../dag/pipeline-store.js';
import { checkSharedLockSpec, displayLockSpec, type SharedLockRequest } from '../common/shared-lock.js';

/** Something opened only to see that it opens. */
interface Closable {
  close?(): Promise<void>;
}

interface PreflightRequest {
  /** `--lock`, `--store`. */
  readonly flag: string;
  /** The spec as it may be printed (a password masked). */
  readonly display: string;
  /** Other names a reason may give the store (its file's path): a reason naming it needs no spec repeated. */
  readonly aliases?: readonly string[];
  /** Files or directories the opener may create; each one that did not exist before is removed if opening fails. */
  readonly mayCreate: readonly string[];
  readonly open: () => Promise<Closable>;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Opens and closes once; a failure becomes one line naming the flag, and leaves nothing behind. */
async function preflight(request: PreflightRequest): Promise<void> {
  const absent = (await Promise.all(request.mayCreate.map(async (path) => ((await exists(path)) ? [] : [path])))).flat();
  let opened: Closable;
  try {
    opened = await request.open();
  } catch (error) {
    await Promise.all(absent.map((path) => rm(path, { recursive: true, force: true }).catch(() => undefined)));
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim() || 'unknown error';
    const named = [request.display, ...(request.aliases ?? [])].some((name) => reason.includes(name));
    throw new InputError(named ? `${request.flag}: ${reason}` : `${request.flag} ${request.display}: ${reason}`, { cause: error });
  }
  await opened.close?.().catch(() => undefined);
}

/** What an opener of `spec` may create on disk: the SQLite file and its companions, the lock directory. */
function filesOf(spec: LockSpec): string[] {
  if (spec.kind === 'sqlite' && spec.path !== ':memory:') return ['', '-wal', '-shm', '-journal'].map((suffix) => resolve(spec.path) + suffix);
  if (spec.kind === 'file') return [resolve(spec.dir)];
  return [];
}

/** Checks a shared lock spec (`--lock`) and opens it once as the children will; see the module comment. */
export async function preflightSharedLock(request: SharedLockRequest): Promise<void> {
  const spec = await checkSharedLockSpec(request);
  const env = realEnv(`supervisor#${process.pid}`, { logLine: () => {} });
  await preflight({ flag: request.flag ?? '--lock', display: displayLockSpec(request.spec), mayCreate: filesOf(spec), aliases: spec.kind === 'sqlite' ? [spec.path] : spec.kind === 'file' ? [spec.dir] : [], open: () => openLock(spec, env) });
}

/** Opens a DAG store (`--store`: sqlite:PATH, postgres://, mysql://) once as the runners will; see the module comment. */
export async function preflightDagStore(spec: string, display: string): Promise<void> {
  const path = spec.startsWith('sqlite:') ? resolve(spec.slice('sqlite:'.length)) : undefined;
  await preflight({ flag: '--store', display, mayCreate: path === undefined ? [] : ['', '-wal', '-shm', '-journal'].map((suffix) => path + suffix), open: () => openStore(spec) });
}
