/**
 * What the lock-scenario invariants judge, read from the trace: the store's answers as `tracedLock`
 * logged them, and the protected resource's verdicts. Pure functions of the trace, so a test can
 * feed the checkers a hand-made bad history.
 */
import type { TraceEvent } from '../../sim/trace.js';

/**
 * One answer of the store. `t` is when the caller heard it; `effectT` when the store decided (earlier
 * when the caller was slow or paused in between), both on the trace's true virtual time. Lease
 * events are listed in the order of `effectT`.
 */
export interface LeaseEvent {
  readonly kind: 'granted' | 'renewed' | 'releasing' | 'released';
  readonly t: number;
  readonly effectT: number;
  readonly seq: number;
  readonly pid: string;
  readonly key: string;
  readonly owner: string;
  readonly token: number;
  /** Granted and renewed: the lease's time left on the judging clock when the store answered. */
  readonly expiresInMs?: number;
  /** Renewed: the old lease's time left when the call reached the store (negative: already expired). */
  readonly remainingBeforeMs?: number;
  /** Released: the store's answer. */
  readonly released?: boolean;
}

/** One verdict of the protected resource on a write. */
export interface ResourceWrite {
  readonly t: number;
  readonly seq: number;
  readonly pid: string;
  readonly key: string;
  readonly token: number;
  readonly owner: string;
  readonly accepted: boolean;
  /** The highest token the resource had accepted for the key before this write. */
  readonly highestBefore: number;
}

export interface LockHistory {
  readonly leases: readonly LeaseEvent[];
  readonly writes: readonly ResourceWrite[];
}

const LEASE_KINDS: Readonly<Record<string, LeaseEvent['kind']>> = {
  'lease.granted': 'granted',
  'lease.renewed': 'renewed',
  'lease.releasing': 'releasing',
  'lease.released': 'released',
};

export function lockHistoryFromTrace(trace: readonly TraceEvent[]): LockHistory {
  const leases: LeaseEvent[] = [];
  const writes: ResourceWrite[] = [];
  for (const event of trace) {
    const data = event.data ?? {};
    const leaseKind = LEASE_KINDS[event.kind];
    if (leaseKind !== undefined) {
      leases.push({
        kind: leaseKind,
        t: event.t,
        effectT: event.t - (typeof data.effectAgoMs === 'number' ? data.effectAgoMs : 0),
        seq: event.seq,
        pid: event.pid,
        key: String(data.key),
        owner: String(data.owner),
        token: Number(data.token),
        ...(typeof data.expiresInMs === 'number' ? { expiresInMs: data.expiresInMs } : {}),
        ...(typeof data.remainingBeforeMs === 'number' ? { remainingBeforeMs: data.remainingBeforeMs } : {}),
        ...(typeof data.released === 'boolean' ? { released: data.released } : {}),
      });
    } else if (event.kind === 'resource.write') {
      writes.push({
        t: event.t,
        seq: event.seq,
        pid: event.pid,
        key: String(data.key),
        token: Number(data.token),
        owner: String(data.owner),
        accepted: data.accepted === true,
        highestBefore: Number(data.highestBefore),
      });
    }
  }
  leases.sort((a, b) => a.effectT - b.effectT || a.seq - b.seq);
  return { leases, writes };
}
