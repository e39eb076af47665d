/**
 * What the bucket's layered invariants read from a trace, in trace order: the lock store's answers
 * on each file's key (`lease.*`, written by `tracedLock` around the workers' store), what `withLock`
 * told each worker (`lock.lost`), the worker's own steps (`bucket.claim`, `bucket.commit.begin`,
 * `bucket.commit`) and the fence's verdicts (`bucket.fence`). Each layered checker walks this one
 * list, so each judges exactly one protection from the facts and never from the worker's outcome.
 */
import type { RecordedEvent } from '../../env/events.js';
import { leaseEvents, lockEvents } from '../../locks/events.js';
import { bucketEvents } from '../../systems/bucket/events.js';

/** The lock key a worker claims file `file` under (`worker.ts`). */
export const claimKeyOf = (file: string): string => `bucket/${file}`;

/** The file a claim key names, or undefined for another key. */
export const fileOfClaimKey = (key: string): string | undefined => (key.startsWith('bucket/') ? key.slice('bucket/'.length) : undefined);

export type ClaimFact =
  /** The store granted or renewed `owner`'s lease on `file` until `endT` (true virtual ms). */
  | { readonly kind: 'lease'; readonly file: string; readonly owner: string; readonly token: number; readonly endT: number; readonly t: number; readonly seq: number }
  | { readonly kind: 'refused'; readonly file: string; readonly owner: string; readonly t: number; readonly seq: number }
  /** The store answered a release: the lease ended no later than this (when `released`). */
  | { readonly kind: 'released'; readonly file: string; readonly owner: string; readonly token: number; readonly released: boolean; readonly t: number; readonly seq: number }
  /** `withLock` told the worker its lease was lost (its work signal aborted). */
  | { readonly kind: 'lost'; readonly file: string; readonly owner: string; readonly token: number; readonly reason: string; readonly t: number; readonly seq: number }
  | { readonly kind: 'claim' | 'commit-begin' | 'commit'; readonly file: string; readonly owner: string; readonly token: number; readonly t: number; readonly seq: number }
  | { readonly kind: 'fence'; readonly file: string; readonly owner: string; readonly token: number; readonly admitted: boolean; readonly t: number; readonly seq: number };

export function claimFactsOf(trace: readonly RecordedEvent[]): ClaimFact[] {
  const facts: ClaimFact[] = [];
  for (const event of trace) {
    const at = { t: event.t, seq: event.seq };
    if (leaseEvents.is(event)) {
      const file = fileOfClaimKey(event.data.key);
      if (file === undefined) continue;
      const owner = event.data.owner;
      switch (event.kind) {
        case 'lease.granted':
        case 'lease.renewed':
          facts.push({ kind: 'lease', file, owner, token: event.data.token, endT: event.t + event.data.expiresInMs, ...at });
          break;
        case 'lease.refused':
          facts.push({ kind: 'refused', file, owner, ...at });
          break;
        case 'lease.released':
          facts.push({ kind: 'released', file, owner, token: event.data.token, released: event.data.released, ...at });
          break;
        case 'lease.releasing':
          break;
      }
    } else if (lockEvents.is(event)) {
      if (event.kind !== 'lock.lost') continue;
      const file = fileOfClaimKey(event.data.key);
      if (file !== undefined) facts.push({ kind: 'lost', file, owner: event.data.owner, token: event.data.token, reason: event.data.reason, ...at });
    } else if (bucketEvents.is(event)) {
      switch (event.kind) {
        case 'bucket.claim':
          facts.push({ kind: 'claim', file: event.data.file, owner: event.pid, token: event.data.token, ...at });
          break;
        case 'bucket.commit.begin':
          facts.push({ kind: 'commit-begin', file: event.data.file, owner: event.pid, token: event.data.token, ...at });
          break;
        case 'bucket.commit':
          facts.push({ kind: 'commit', file: event.data.file, owner: event.pid, token: event.data.token, ...at });
          break;
        case 'bucket.fence':
          facts.push({ kind: 'fence', file: event.data.key, owner: event.data.owner, token: event.data.token, admitted: event.data.outcome === 'accepted', ...at });
          break;
        default:
          break;
      }
    }
  }
  return facts;
}

/** One lease as `owner@token on file`, the map key the checkers share. */
export const leaseId = (fact: { readonly file: string; readonly owner: string; readonly token: number }): string => `${fact.file}\u0000${fact.owner}\u0000${fact.token}`;
