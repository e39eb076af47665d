/**
 * The lease contract every lock backend keeps.
 *
 * - `token` is a fencing token: it strictly increases per key over every acquisition on a backend,
 *   takeovers after expiry included. A resource that refuses tokens lower than the highest it has
 *   seen stays safe when a holder pauses past its lease.
 * - Only the current owner may renew, and only while its lease is unexpired.
 * - Only the current owner may release; a late release never removes or shortens a newer holder's lease.
 * - Owner ids are unique per process incarnation (an `Env.id` such as `"worker-1#2"`), never a host name.
 */
export interface Lease {
  readonly key: string;
  readonly owner: string;
  readonly token: number;
  /** When this acquisition happened, in ms on the clock that judges expiry. */
  readonly acquiredAt: number;
  /** When the lease lapses unless renewed, in ms on the clock that judges expiry. */
  readonly expiresAt: number;
}

export interface LockBackend {
  /** A short name for reports: `memory`, `file`, `sqlite`, `postgres`. */
  readonly name: string;
  /** Takes `key` if it is free or its lease expired; `null` when someone else holds it. */
  tryAcquire(key: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extends a lease we still hold; `null` when it was lost (expired or taken over). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
  /** Gives a lease back; `false` when it was no longer ours (nothing was changed then). */
  release(lease: Lease): Promise<boolean>;
  /** Frees connections and handles; the lock state itself stays. */
  close?(): Promise<void>;
}
