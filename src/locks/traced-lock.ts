/**
 * A lock backend that writes what the store answered into the log, so a checker can judge the lease
 * contract itself from a trace: who held which key with which token, and until when.
 *
 * Put it directly around the store (inside any network model such as `withLockLatency`): it must see
 * the store's real answers, not what a caller made of a timeout. Times are recorded relative to the
 * judging clock's reading when the answer came back: `expiresInMs` (lease left) and `effectAgoMs`
 * (how long ago the store took the decision: the lease's start, `expiresAt - ttlMs`; negative when a
 * caller's clock was stepped back in between), so the checker
 * can place each decision on the trace's one virtual time whatever clock the store judges by, even
 * when the caller was paused between the decision and the answer.
 *
 * Events: `lease.granted`, `lease.refused` (an acquisition the store said no to), `lease.renewed` (with `remainingBeforeMs`: the old lease's time left when
 * the call reached the store, negative when it had already expired), `lease.releasing` (before the
 * call: a release takes effect no earlier than this) and `lease.released` (with the store's answer).
 */
import type { Env } from '../env/env.js';
import type { Lease, LockBackend } from './lock.js';
import { leaseEvents } from './events.js';

/** `judgeNow`: the clock that judges expiry for this backend (the store's, or the caller's own). */
export function tracedLock(backend: LockBackend, env: Env, judgeNow: () => number): LockBackend {
  const idOf = (lease: Lease): string => `${lease.key}\u0000${lease.owner}\u0000${lease.token}`;
  // The store's latest expiry per lease. The caller's copy can be older: a renewal that took effect
  // and then timed out on the way back extended the lease without the caller knowing.
  const latestExpiry = new Map<string, number>();
  // The events' data is written out field by field, without spreading helper objects: a renewal is
  // the commonest lock call of a long run.
  return {
    name: backend.name,
    async tryAcquire(key, owner, ttlMs) {
      const lease = await backend.tryAcquire(key, owner, ttlMs);
      if (lease === null) {
        leaseEvents.emit(env, { kind: 'lease.refused', data: { key, owner } });
        return lease;
      }
      latestExpiry.set(idOf(lease), lease.expiresAt);
      // Negative when the judging clock (a caller's) was stepped back between the decision and the
      // answer: kept as it is, so the checker can tell where the decision lies on true time.
      const nowMs = judgeNow();
      leaseEvents.emit(env, { kind: 'lease.granted', data: { key: lease.key, owner: lease.owner, token: lease.token, expiresInMs: lease.expiresAt - nowMs, effectAgoMs: nowMs - (lease.expiresAt - ttlMs) } });
      return lease;
    },
    async renew(lease, ttlMs) {
      const id = idOf(lease);
      const remainingBeforeMs = Math.max(lease.expiresAt, latestExpiry.get(id) ?? -Infinity) - judgeNow();
      const renewed = await backend.renew(lease, ttlMs);
      if (renewed === null) return renewed;
      // The same lease, unless the store answered with another: its id is then built anew.
      latestExpiry.set(renewed.key === lease.key && renewed.owner === lease.owner && renewed.token === lease.token ? id : idOf(renewed), renewed.expiresAt);
      const nowMs = judgeNow();
      leaseEvents.emit(env, {
        kind: 'lease.renewed',
        data: { key: renewed.key, owner: renewed.owner, token: renewed.token, remainingBeforeMs, expiresInMs: renewed.expiresAt - nowMs, effectAgoMs: nowMs - (renewed.expiresAt - ttlMs) },
      });
      return renewed;
    },
    async release(lease) {
      leaseEvents.emit(env, { kind: 'lease.releasing', data: { key: lease.key, owner: lease.owner, token: lease.token } });
      const released = await backend.release(lease);
      latestExpiry.delete(idOf(lease));
      leaseEvents.emit(env, { kind: 'lease.released', data: { key: lease.key, owner: lease.owner, token: lease.token, released } });
      return released;
    },
    ...(backend.close === undefined ? {} : { close: () => backend.close!() }),
  };
}
