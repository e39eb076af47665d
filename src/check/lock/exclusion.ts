/**
 * Lease exclusion: at any moment at most one unexpired lease per key, as the store granted them.
 *
 * A lease lives from the store's decision to grant it until its last known expiry, or until its
 * owner's successful release began. A grant or a renewal while another lease on the key is still alive is a violation, whatever
 * the holders then did with it. `toleranceMs` is the clock disagreement the store's design accepts:
 * 0 when one clock judges every expiry (a server's, the database's); twice the largest skew when
 * each caller judges by its own clock (the file lock), which is exclusive only up to that.
 */
import type { Violation } from '../violation.js';
import type { StoreAnswer, LockHistory } from './history.js';
import type { Checker } from '../checker.js';

const LEASE_EXCLUSION = 'lease-exclusion';

interface LiveLease {
  readonly owner: string;
  readonly token: number;
  /** Position of its grant among the store's decisions. */
  readonly grantOrder: number;
  endMs: number;
  releasingAt?: number;
  /** When the store granted it (true time). */
  readonly startT: number;
}

/** A true instant as the time of day in UTC, `00:01:12.004`, the way a person reads a trace. */
const timeOfDay = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

const idOf = (event: StoreAnswer): string => `${event.key}\u0000${event.owner}\u0000${event.token}`;

export function checkLeaseExclusion(history: LockHistory, options: { readonly toleranceMs: number }): Violation[] {
  const violations: Violation[] = [];
  const live = new Map<string, Map<string, LiveLease>>();
  const reported = new Set<string>();
  /** The latest successful release on each key: a release by one lease that ends another is the cause of what follows. */
  const lastRelease = new Map<string, StoreAnswer>();
  const report = (event: StoreAnswer, other: LiveLease, what: 'granted' | 'renewed'): void => {
    const pair = `${idOf(event)}\u0001${other.owner}\u0000${other.token}`;
    if (reported.has(pair)) return;
    reported.add(pair);
    const leftMs = other.endMs - event.effectT;
    const release = lastRelease.get(event.key);
    // A release by someone else's lease, after the live one began, freed it: that release is the cause.
    const freedBy = release !== undefined && (release.owner !== other.owner || release.token !== other.token) && release.effectT >= other.startT ? release : undefined;
    const cause =
      freedBy === undefined
        ? ''
        : ` (the release by ${freedBy.owner} of token ${freedBy.token} at ${timeOfDay(freedBy.effectT)} freed token ${other.token} held by ${other.owner})`;
    violations.push({
      invariant: LEASE_EXCLUSION,
      operation: freedBy !== undefined ? 'release of a lease not held' : what === 'granted' ? 'grant over a live lease' : 'renewal over a newer lease',
      message: `key "${event.key}": ${what} token ${event.token} for ${event.owner} while token ${other.token} of ${other.owner} still had ${leftMs} ms left${cause}`,
      atMs: event.effectT,
      eventSeq: event.seq,
      pid: event.pid,
    });
  };

  for (const [order, event] of history.leases.entries()) {
    let leases = live.get(event.key);
    if (leases === undefined) live.set(event.key, (leases = new Map()));
    const id = idOf(event);
    for (const [otherId, other] of leases) if (other.endMs + options.toleranceMs <= event.effectT && otherId !== id) leases.delete(otherId);

    switch (event.kind) {
      case 'granted': {
        for (const [otherId, other] of leases) if (otherId !== id && other.endMs > event.effectT + options.toleranceMs) report(event, other, 'granted');
        leases.set(id, { owner: event.owner, token: event.token, grantOrder: order, endMs: event.t + (event.expiresInMs ?? 0), startT: event.effectT });
        break;
      }
      case 'renewed': {
        const lease = leases.get(id);
        // A renewal of a lease someone else was granted after: the store let an old holder back in.
        for (const [otherId, other] of leases) {
          if (otherId !== id && (lease === undefined || other.grantOrder > lease.grantOrder) && other.endMs > event.effectT + options.toleranceMs) report(event, other, 'renewed');
        }
        const endMs = event.t + (event.expiresInMs ?? 0);
        if (lease === undefined) leases.set(id, { owner: event.owner, token: event.token, grantOrder: order, endMs, startT: event.effectT });
        else lease.endMs = endMs;
        break;
      }
      case 'releasing': {
        const lease = leases.get(id);
        if (lease !== undefined) lease.releasingAt = event.t;
        break;
      }
      case 'released': {
        const lease = leases.get(id);
        if (event.released === true) lastRelease.set(event.key, event);
        if (lease !== undefined && event.released === true) lease.endMs = Math.min(lease.endMs, lease.releasingAt ?? event.t);
        break;
      }
    }
  }
  return violations;
}

export const leaseExclusion: Checker<{ readonly history: LockHistory; readonly toleranceMs: number }> = {
  name: LEASE_EXCLUSION,
  description: 'at most one live lease per key at any moment, as the store granted them (up to the clock disagreement when callers judge expiry)',
  check: ({ history, toleranceMs }) => checkLeaseExclusion(history, { toleranceMs }),
};
