/**
 * A user's own lock backend, as simrun takes it: a lease server the processes reach over the
 * network (failure model `remote`), one record per key holding the owner, a fencing token and the
 * time the lease lapses on the server's own clock (`expiryClock: 'store'`).
 *
 * In simulation the "server" is one object every process shares through `shared`, and its clock is
 * `storeNow` (the world's clock, which no process's skew touches). Nothing here reads `Date`,
 * timers or `Math.random`: everything comes from the factory's context, so a seed replays.
 *
 *   npx simrun lock-contract examples/lock-backend/lease-server.ts
 */
import { defineLockBackend, type Lease, type LockBackend, type LockFactoryContext } from 'simrun';

interface KeyRecord {
  owner: string | null;
  token: number;
  acquiredAt: number;
  expiresAt: number;
}

export interface LeaseServerOptions {
  /** Whether `release` checks that the caller still owns the lease (the broken variant skips it). */
  readonly checkOwnerOnRelease: boolean;
}

/** A lease-server client for one process, over the records every process shares. */
export function leaseServerClient({ shared, storeNow }: LockFactoryContext, options: LeaseServerOptions): LockBackend {
  let keys = shared.get('lease-server') as Map<string, KeyRecord> | undefined;
  if (keys === undefined) shared.set('lease-server', (keys = new Map()));
  const records = keys;
  const owns = (record: KeyRecord | undefined, lease: Lease): record is KeyRecord => record !== undefined && record.owner === lease.owner && record.token === lease.token;

  return {
    name: 'lease-server',
    async tryAcquire(key, owner, ttlMs) {
      const now = storeNow();
      const record = records.get(key);
      if (record !== undefined && record.owner !== null && record.expiresAt > now) return null;
      const next: KeyRecord = { owner, token: (record?.token ?? 0) + 1, acquiredAt: now, expiresAt: now + ttlMs };
      records.set(key, next);
      return { key, owner, token: next.token, acquiredAt: now, expiresAt: next.expiresAt };
    },
    async renew(lease, ttlMs) {
      const now = storeNow();
      const record = records.get(lease.key);
      if (!owns(record, lease) || record.expiresAt <= now) return null;
      record.expiresAt = now + ttlMs;
      return { ...lease, expiresAt: record.expiresAt };
    },
    async release(lease) {
      const record = records.get(lease.key);
      if (options.checkOwnerOnRelease && !owns(record, lease)) return false;
      if (record === undefined) return false;
      // Keep the token, so the next holder gets a higher one.
      record.owner = null;
      record.expiresAt = Math.min(record.expiresAt, storeNow());
      return true;
    },
  };
}

export default defineLockBackend((context) => leaseServerClient(context, { checkOwnerOnRelease: true }), { expiryClock: 'store', failureModel: 'remote' });
