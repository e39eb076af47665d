/**
 * The npm library `proper-lockfile` (4.x), unmodified, as a simrun lock backend. It is loaded with
 * `load()`, so each simulated process gets its own instance of it (as each OS process would), and
 * its own `require('graceful-fs')` → `require('fs')` reaches the process's simulated filesystem: its
 * `mkdir`, `stat`, `utimes` and `rmdir` are traced, slowed and failed like any other file call. Its
 * `Date.now()` and its `setTimeout` (the timer that refreshes the lock's mtime) are the process's
 * own: a pause defers them, a crash drops them, a skew moves its clock. No `fs` option is passed.
 *
 * The library's model: a lock is a directory `<file>.lock`; the holder refreshes its mtime every
 * `update` ms; anyone who finds it older than `stale` ms (by its own clock) removes it and takes
 * over. It has no fencing token, so this adapter keeps one: a counter file per key, bumped by each
 * new holder while it holds the lock.
 *
 *   npx simrun fuzz lock --lock examples/npm-lock-library/proper-lockfile.ts --set ttlMs=3000 --runs 50
 */
import { defineLockBackend, load, type Env, type Lease, type LockBackend } from 'simrun';
import type * as ProperLockfile from 'proper-lockfile';

/** proper-lockfile's floor for `stale`: a shorter one is raised to this. */
const MIN_STALE_MS = 2_000;

interface Held {
  readonly lease: Lease;
  readonly release: () => Promise<void>;
  /** Set by the library's `onCompromised`: its refresh found the lock taken or gone. */
  compromised: boolean;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}

export default defineLockBackend(
  ({ env, dir }): LockBackend => {
    const lockfile = load<typeof ProperLockfile>('proper-lockfile', { env, from: import.meta.url });
    const held = new Map<string, Held>();
    // Keys may hold slashes (`bucket/2020_08_18_02_15.txt`): one flat file name per key.
    const fileOf = (key: string): string => `${dir}/${encodeURIComponent(key)}`;
    const tokenFile = (key: string): string => `${fileOf(key)}.token`;

    async function nextToken(fs: Env['fs'], key: string): Promise<number> {
      const previous = await fs.readFile(tokenFile(key), 'utf8').then(Number, (error: unknown) => (errorCode(error) === 'ENOENT' ? 0 : Promise.reject(error)));
      const token = previous + 1;
      await fs.writeFile(tokenFile(key), String(token));
      return token;
    }

    return {
      name: 'proper-lockfile',
      async tryAcquire(key, owner, ttlMs) {
        const stale = Math.max(ttlMs, MIN_STALE_MS);
        // Each call makes sure the directory exists: an I/O error then fails this call, not the process.
        await env.fs.mkdir(dir, { recursive: true });
        let release: () => Promise<void>;
        const entry: { compromised: boolean } = { compromised: false };
        try {
          release = await lockfile.lock(fileOf(key), {
            stale,
            update: Math.floor(stale / 2),
            retries: 0,
            realpath: false,
            onCompromised: () => {
              entry.compromised = true;
            },
          });
        } catch (error) {
          if (errorCode(error) === 'ELOCKED') return null;
          throw error;
        }
        let token: number;
        try {
          token = await nextToken(env.fs, key);
        } catch (error) {
          await release().catch(() => undefined);
          throw error;
        }
        const now = env.now();
        const lease: Lease = { key, owner, token, acquiredAt: now, expiresAt: now + stale };
        held.set(key, Object.assign(entry, { lease, release }));
        return lease;
      },
      async renew(lease, ttlMs) {
        // The library refreshes the lock itself; a renewal only asks whether it still holds.
        const entry = held.get(lease.key);
        if (entry === undefined || entry.lease.token !== lease.token || entry.compromised) return null;
        const now = env.now();
        return { ...lease, expiresAt: now + Math.max(ttlMs, MIN_STALE_MS) };
      },
      async release(lease) {
        const entry = held.get(lease.key);
        if (entry === undefined || entry.lease.token !== lease.token) return false;
        held.delete(lease.key);
        if (entry.compromised) return false;
        // The library's unlock lets go first (it stops refreshing the mtime and forgets the lock),
        // then removes the directory. When that removal fails (an I/O error), the lease was ours and
        // has been given up all the same: the directory lapses once it is `stale`. That is a release
        // whose effect is in doubt, so the error is passed on; `false` would claim the lease was no
        // longer ours and nothing changed, and the store would be judged as still keeping it.
        await entry.release();
        return true;
      },
    };
  },
  // Expiry is judged by each caller's clock (mtime against its own Date.now()); a library in the
  // caller's process over local files, so it gets filesystem faults, not lock-call faults.
  { expiryClock: 'caller', failureModel: 'in-process' },
);
