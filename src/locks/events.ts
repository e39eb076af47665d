/**
 * The lock layer's trace events: the store's answers as `tracedLock` saw them (`lease.*`), what
 * `withLock` did for its caller (`lock.*`), the faults `simLockProxy` injected (`lock.fault`), and
 * the verdicts of a fenced resource a lock holder wrote to (`resource.write`).
 */
import { eventFamily, type EventFamily } from '../env/events.js';

/** Which lease a `lease.*` event is about. */
type LeaseFields = { readonly key: string; readonly owner: string; readonly token: number };

/**
 * When a granted or renewed lease was decided, on the judging clock: `expiresInMs` left when the
 * answer came back, `effectAgoMs` since the store took the decision (the lease's start; negative
 * when the judging clock, a caller's own, was stepped back between the decision and the answer).
 */
type LeaseTiming = { readonly expiresInMs: number; readonly effectAgoMs: number };

export type LeaseEvent =
  | { readonly kind: 'lease.granted'; readonly data: LeaseFields & LeaseTiming }
  /** The store refused an acquisition: someone else held the key. */
  | { readonly kind: 'lease.refused'; readonly data: { readonly key: string; readonly owner: string } }
  /** `remainingBeforeMs`: the old lease's time left when the call reached the store (negative: already expired). */
  | { readonly kind: 'lease.renewed'; readonly data: LeaseFields & LeaseTiming & { readonly remainingBeforeMs: number } }
  /** Before the release call: a release takes effect no earlier than this. */
  | { readonly kind: 'lease.releasing'; readonly data: LeaseFields }
  /** `released`: the store's answer (false: it was no longer ours). */
  | { readonly kind: 'lease.released'; readonly data: LeaseFields & { readonly released: boolean } };

/** The lock a `lock.*` event is about: which backend, key and owner. */
type LockFields = { readonly backend: string; readonly key: string; readonly owner: string };

export type LockEvent =
  | { readonly kind: 'lock.acquired'; readonly data: LockFields & { readonly token: number; readonly expiresAt: number } }
  /**
   * The holder's belief after an acquire or a renewal: "I hold this lease until my clock reads
   * `untilMs`". `sentAtMs` is when the call that got the answer was sent and `nowMs` the reading when
   * the belief was formed, both on the holder's clock, so a checker can place all three on true time.
   */
  | { readonly kind: 'lock.belief'; readonly data: LockFields & { readonly token: number; readonly untilMs: number; readonly sentAtMs: number; readonly nowMs: number } }
  /** A store call failed; `token` is there once the lease is held (a failed release). */
  | { readonly kind: 'lock.error'; readonly data: LockFields & { readonly op: 'acquire' | 'renew' | 'release'; readonly token?: number; readonly error: string } }
  | { readonly kind: 'lock.timeout'; readonly data: LockFields & { readonly waitedMs: number } }
  | { readonly kind: 'lock.lost'; readonly data: LockFields & { readonly token: number; readonly reason: string } }
  | { readonly kind: 'lock.released'; readonly data: LockFields & { readonly token: number; readonly released: boolean } }
  /** An injected store-call failure; `tookEffect`: the call reached the store before it failed. */
  | { readonly kind: 'lock.fault'; readonly data: { readonly backend: string; readonly operation: string; readonly tookEffect: boolean } };

/** A lock holder's write to a fenced resource, and the resource's verdict on its token. */
export type ResourceEvent = {
  readonly kind: 'resource.write';
  readonly data: { readonly key: string; readonly token: number; readonly owner: string; readonly accepted: boolean; readonly highestBefore: number };
};

export const leaseEvents: EventFamily<LeaseEvent> = eventFamily<LeaseEvent>({
  'lease.granted': true,
  'lease.refused': true,
  'lease.renewed': true,
  'lease.releasing': true,
  'lease.released': true,
});

export const lockEvents: EventFamily<LockEvent> = eventFamily<LockEvent>({
  'lock.acquired': true,
  'lock.belief': true,
  'lock.error': true,
  'lock.timeout': true,
  'lock.lost': true,
  'lock.released': true,
  'lock.fault': true,
});

export const resourceEvents: EventFamily<ResourceEvent> = eventFamily<ResourceEvent>({ 'resource.write': true });
