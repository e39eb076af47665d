/**
 * What the lock-scenario invariants judge, read from the trace: the store's answers as `tracedLock`
 * logged them, and the protected resource's verdicts. Pure functions of the trace, so a test can
 * feed the checkers a hand-made bad history.
 */
import { leaseEvents, resourceEvents, type LeaseEvent } from '../../locks/events.js';
import type { ExpiryClock } from '../../locks/lock-spec.js';
import { processName } from '../../sim/process-id.js';
import type { TraceEvent } from '../../sim/trace.js';
import { clockChangesOf } from '../clock-changes.js';

/**
 * One answer of the store. `t` is when the caller heard it; `effectT` when the store decided (earlier
 * when the caller was slow or paused in between), both on the trace's true virtual time. Lease
 * events are listed in the order of `effectT`.
 */
export interface StoreAnswer {
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

/** A client asking the store for a key, whatever the answer (a grant or a refusal). */
export interface KeyAsk {
  readonly t: number;
  readonly key: string;
}

export interface LockHistory {
  readonly leases: readonly StoreAnswer[];
  readonly writes: readonly ResourceWrite[];
  /** When known: every ask for a key, so progress is owed only on keys someone still wanted. */
  readonly asks?: readonly KeyAsk[];
}

/** `lease.granted` → `granted`. */
const leaseKindOf = (kind: LeaseEvent['kind']): StoreAnswer['kind'] => kind.slice('lease.'.length) as StoreAnswer['kind'];

/**
 * `expiryClock`: whose clock `tracedLock` measured the answers' times on. On the store's clock (the
 * default) that clock is true time and `t − effectAgoMs` is the decision. On each caller's own clock,
 * the clock may have been stepped between the decision and the answer (a skew set while the call was
 * in flight): the decision's reading is placed on true time by the caller's offsets before the step
 * (lock seed 1079 under swarm: a +28 ms step put a grant 28 ms early, before the release it followed).
 */
export function lockHistoryFromTrace(trace: readonly TraceEvent[], options: { readonly expiryClock?: ExpiryClock } = {}): LockHistory {
  const clocks = options.expiryClock === 'caller' ? clockChangesOf(trace) : undefined;
  /** When the store decided an answer heard at `t`, `effectAgoMs` earlier on the judging clock, on true time. */
  const decisionT = (pid: string, t: number, effectAgoMs: number): number => {
    if (clocks === undefined) return t - effectAgoMs;
    const machine = processName(pid);
    return clocks.trueTimeOf(machine, clocks.clockAt(machine, t) - effectAgoMs, t);
  };
  const leases: StoreAnswer[] = [];
  const writes: ResourceWrite[] = [];
  const asks: KeyAsk[] = [];
  const releasingAt = new Map<string, number>();
  /** Releases sent and never answered (the caller crashed, or the call failed): they may have taken effect. */
  const unanswered = new Map<string, StoreAnswer>();
  for (const event of trace) {
    if (leaseEvents.is(event)) {
      // A refusal changes nothing the store holds: the exclusion and contract checks need only what it granted.
      if (event.kind === 'lease.refused') {
        asks.push({ t: event.t, key: event.data.key });
        continue;
      }
      if (event.kind === 'lease.granted') asks.push({ t: event.t, key: event.data.key });
      const { key, owner, token } = event.data;
      const base = { kind: leaseKindOf(event.kind), t: event.t, seq: event.seq, pid: event.pid, key, owner, token };
      switch (event.kind) {
        case 'lease.granted':
          leases.push({ ...base, effectT: decisionT(event.pid, event.t, event.data.effectAgoMs), expiresInMs: event.data.expiresInMs });
          break;
        case 'lease.renewed':
          leases.push({ ...base, effectT: decisionT(event.pid, event.t, event.data.effectAgoMs), expiresInMs: event.data.expiresInMs, remainingBeforeMs: event.data.remainingBeforeMs });
          break;
        case 'lease.releasing':
          releasingAt.set(`${key}\u0000${owner}\u0000${token}`, event.t);
          unanswered.set(`${key}\u0000${owner}\u0000${token}`, { ...base, kind: 'released', effectT: event.t, released: true });
          leases.push({ ...base, effectT: event.t });
          break;
        case 'lease.released': {
          // A release takes effect somewhere between its call and its answer. One the store granted
          // is placed at its call, the earliest point: a grant that took effect while the release
          // was on its way is then judged after it, as some order of the two allows.
          const sentAt = releasingAt.get(`${key}\u0000${owner}\u0000${token}`);
          unanswered.delete(`${key}\u0000${owner}\u0000${token}`);
          leases.push({ ...base, effectT: event.data.released && sentAt !== undefined ? sentAt : event.t, released: event.data.released });
          break;
        }
      }
    } else if (resourceEvents.is(event)) {
      const { key, token, owner, accepted, highestBefore } = event.data;
      writes.push({ t: event.t, seq: event.seq, pid: event.pid, key, token, owner, accepted, highestBefore });
    }
  }
  // An unanswered release is in doubt: the store may have applied it before the caller crashed or the
  // answer was lost. Judged as taking effect at its call, as an answered one is.
  leases.push(...unanswered.values());
  leases.sort((a, b) => a.effectT - b.effectT || a.seq - b.seq);
  return { leases, writes, asks };
}
