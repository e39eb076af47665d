/**
 * Deliberately broken lock backends. Each has one flaw that real lock code has shipped with; the
 * contract suite and the simulation must catch every one of them, or they prove nothing.
 */
import { errorCode, type FsPromises } from '../env/fs.js';
import { FencedResource } from './fenced-resource.js';
import type { Lease, LockBackend } from './lock.js';

/** What a mutant is built from: the judging clock and, for file mutants, a filesystem and directory. */
export interface MutantContext {
  readonly now: () => number;
  readonly fs: FsPromises;
  readonly dir: string;
}

export interface LockMutant {
  readonly name: string;
  /** The flaw, in one sentence. */
  readonly flaw: string;
  create(context: MutantContext): LockBackend;
}

type MemoryFlaw = 'release-without-owner-check' | 'renew-after-expiry' | 'no-token-bump-on-takeover' | 'late-release-clears-newer-holder';

/** A memory lock with one flaw switched on; otherwise the same as `createMemoryLock`. */
function flawedMemoryLock(flaw: MemoryFlaw, now: () => number): LockBackend {
  const keys = new Map<string, { owner: string | null; token: number; acquiredAt: number; expiresAt: number }>();
  return {
    name: `mutant:${flaw}`,
    async tryAcquire(key, owner, ttlMs) {
      const at = now();
      const state = keys.get(key);
      if (state !== undefined && state.owner !== null && state.expiresAt > at) return null;
      const token = flaw === 'no-token-bump-on-takeover' && state !== undefined ? state.token : (state?.token ?? 0) + 1;
      keys.set(key, { owner, token, acquiredAt: at, expiresAt: at + ttlMs });
      return { key, owner, token, acquiredAt: at, expiresAt: at + ttlMs };
    },
    async renew(lease, ttlMs) {
      const at = now();
      const state = keys.get(lease.key);
      if (state === undefined || state.owner !== lease.owner || state.token !== lease.token) return null;
      if (flaw !== 'renew-after-expiry' && state.expiresAt <= at) return null;
      state.expiresAt = at + ttlMs;
      return { ...lease, expiresAt: state.expiresAt };
    },
    async release(lease) {
      const state = keys.get(lease.key);
      if (state === undefined) return false;
      const ours = state.owner === lease.owner && state.token === lease.token;
      const checked = flaw === 'release-without-owner-check' || (flaw === 'late-release-clears-newer-holder' && state.owner === lease.owner);
      if (!ours && !checked) return false;
      state.owner = null;
      return true;
    },
  };
}

/**
 * The classic file lock: one lock file per key, created with `wx`; an expired or released one is
 * deleted and created again. Release keeps the file (marked free) so the token keeps counting: the
 * only flaw is the takeover. Between reading "expired" and deleting, another contender may already
 * have taken over, and the delete removes that newer holder's lock: two holders, with the same token.
 */
function checkThenCreateFileLock(fs: FsPromises, dir: string, now: () => number): LockBackend {
  const pathOf = (key: string): string => `${dir}/${encodeURIComponent(key)}.lock`;
  const read = async (key: string): Promise<Lease | null> => {
    try {
      return JSON.parse(await fs.readFile(pathOf(key), 'utf8')) as Lease;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
  };
  const create = async (lease: Lease): Promise<boolean> => {
    try {
      await fs.writeFile(pathOf(lease.key), JSON.stringify(lease), { flag: 'wx' });
      return true;
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    }
  };
  return {
    name: 'mutant:check-then-create-file',
    async tryAcquire(key, owner, ttlMs) {
      await fs.mkdir(dir, { recursive: true });
      const current = await read(key);
      const at = now();
      if (current !== null && current.owner !== '' && current.expiresAt > at) return null;
      if (current !== null) await fs.unlink(pathOf(key)).catch(() => undefined);
      const lease: Lease = { key, owner, token: (current?.token ?? 0) + 1, acquiredAt: at, expiresAt: at + ttlMs };
      return (await create(lease)) ? lease : null;
    },
    async renew(lease, ttlMs) {
      const current = await read(lease.key);
      if (current === null || current.owner !== lease.owner || current.token !== lease.token || current.expiresAt <= now()) return null;
      const renewed = { ...lease, expiresAt: now() + ttlMs };
      await fs.writeFile(pathOf(lease.key), JSON.stringify(renewed));
      return renewed;
    },
    async release(lease) {
      const current = await read(lease.key);
      if (current === null || current.owner !== lease.owner || current.token !== lease.token) return false;
      await fs.writeFile(pathOf(lease.key), JSON.stringify({ ...current, owner: '' }));
      return true;
    },
  };
}

const memoryMutant = (flaw: MemoryFlaw, description: string): LockMutant => ({
  name: flaw,
  flaw: description,
  create: ({ now }) => flawedMemoryLock(flaw, now),
});

/** The catalogue of broken backends. */
export const lockMutants: readonly LockMutant[] = [
  memoryMutant('release-without-owner-check', 'release frees the key whoever asks'),
  memoryMutant('renew-after-expiry', 'renew extends a lease that already expired'),
  memoryMutant('no-token-bump-on-takeover', 'a takeover of an expired lease keeps the old fencing token'),
  memoryMutant('late-release-clears-newer-holder', "release checks the owner but not the token, so an old incarnation's late release frees its new one's lease"),
  {
    name: 'check-then-create-file',
    flaw: "an expired lock file is deleted and re-created, which can delete a newer holder's lock",
    create: ({ fs, dir, now }) => checkThenCreateFileLock(fs, dir, now),
  },
];

/**
 * A resource without fencing (the `no-fencing` mutant's): it logs like a `FencedResource` (so the
 * same checker judges it) but admits every token.
 */
export class UnfencedResource extends FencedResource {
  protected override admits(): boolean {
    return true;
  }
}
