/**
 * Lease exclusion: at any moment at most one unexpired lease per key, as the store granted them.
 *
 * A lease lives from the store's decision to grant it until its last known expiry, or until its
 * owner's successful release began. A grant or a renewal while another lease on the key is still
 * alive is a violation, whatever the holders then did with it.
 *
 * "Still alive" is judged on the clock that judges expiry. A store with one clock (a server's, the
 * database's) is judged on true time. When each caller judges by its own clock (the file lock), a
 * lease ends when the clock of whoever asks next reads its expiry; callers whose clocks disagree
 * overlap on true time by as much, and that is the design, not a fault. The simulator knows every
 * machine's clock (`process.skew` / `process.drift`), so the judgement is exact: the expiry the
 * holder's clock wrote (its reading at the answer plus the time left) against the asker's reading at
 * its decision (its reading at the answer minus how long ago it decided). A store that lets a caller
 * in one millisecond before its own clock reads the expiry is caught, however small the overlap
 * next to the skew.
 */
import type { Violation } from '../violation.js';
import type { StoreAnswer, LockHistory } from './history.js';
import type { Checker } from '../checker.js';
import { clockChangesOf } from '../clock-changes.js';
import { processName } from '../../sim/process-id.js';
import type { TraceEvent } from '../../sim/trace.js';

const LEASE_EXCLUSION = 'lease-exclusion';

interface LiveLease {
  readonly owner: string;
  readonly token: number;
  /** Position of its grant among the store's decisions. */
  readonly grantOrder: number;
  /** Its expiry on the judging clock. */
  endReading: number;
  /** Its expiry on true time, by its holder's clock (for discarding leases long over). */
  endT: number;
  releasingAt?: number;
  /** When a release the store granted began (true time): the lease is over from then on, whatever the clocks. */
  releasedT?: number;
  /** When the store granted it (true time). */
  readonly startT: number;
}

/**
 * The clock that judges expiry: `readingOf(pid, t)` is what the judging clock of process `pid` read
 * at true time `t`. Absent: one clock judges every expiry, and it keeps true time.
 */
export interface JudgingClock {
  readingOf(pid: string, t: number): number;
  /** The largest offset any judging clock had from true time in the run, ms. */
  readonly largestOffsetMs: number;
}

const TRUE_TIME: JudgingClock = { readingOf: (_pid, t) => t, largestOffsetMs: 0 };

/** A true instant as the time of day in UTC, `00:01:12.004`, the way a person reads a trace. */
const timeOfDay = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

const idOf = (event: StoreAnswer): string => `${event.key}\u0000${event.owner}\u0000${event.token}`;

export function checkLeaseExclusion(history: LockHistory, options: { readonly judgingClock?: JudgingClock; readonly toleranceMs?: number } = {}): Violation[] {
  // `toleranceMs` (without a judging clock): judged on true time, forgiving an overlap up to that
  // long: the old rule for caller clocks, which no campaign uses any more (simulation and real mode
  // both record every clock's offsets and judge exactly, `judgingClock`); kept so a test can show
  // what it let through.
  const toleranceMs = options.judgingClock === undefined ? (options.toleranceMs ?? 0) : 0;
  const clock = options.judgingClock ?? TRUE_TIME;
  /** An answer's decision on the judging clock of its caller: its reading when the store decided (the history places the decision on true time). */
  const decisionReading = (event: StoreAnswer): number => clock.readingOf(event.pid, event.effectT);
  /** The expiry an answer wrote, on the judging clock of its caller. */
  const expiryReading = (event: StoreAnswer): number => clock.readingOf(event.pid, event.t) + (event.expiresInMs ?? 0);
  /** Whether `other` still held the key when the store decided `event`. */
  const alive = (other: LiveLease, event: StoreAnswer, reading: number): boolean =>
    (other.releasedT === undefined || other.releasedT > event.effectT) && other.endReading > reading + toleranceMs;
  const violations: Violation[] = [];
  const live = new Map<string, Map<string, LiveLease>>();
  const reported = new Set<string>();
  /** The latest successful release on each key: a release by one lease that ends another is the cause of what follows. */
  const lastRelease = new Map<string, StoreAnswer>();
  /** Each lease's successful release: when it was sent and when it was answered (true time). */
  const releases = new Map<string, { readonly callT: number; readonly answerT: number }>();
  const report = (event: StoreAnswer, other: LiveLease, what: 'granted' | 'renewed'): void => {
    const pair = `${idOf(event)}\u0001${other.owner}\u0000${other.token}`;
    if (reported.has(pair)) return;
    reported.add(pair);
    const leftMs = other.releasedT !== undefined ? other.releasedT - event.effectT : other.endReading - decisionReading(event);
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
    // Over on every clock: past its end by more than any two clocks can disagree, or released.
    for (const [otherId, other] of leases) {
      const over = (other.releasedT !== undefined && other.releasedT <= event.effectT) || other.endT + Math.max(toleranceMs, 2 * clock.largestOffsetMs) < event.effectT;
      if (over && otherId !== id) leases.delete(otherId);
    }

    switch (event.kind) {
      case 'granted': {
        const reading = decisionReading(event);
        for (const [otherId, other] of leases) {
          if (otherId === id) continue;
          if (alive(other, event, reading)) report(event, other, 'granted');
          // Over on the asker's clock and given away: the store holds the new lease only, whatever
          // the old holder's clock still reads (a caller whose clock lags outlives its lease).
          else leases.delete(otherId);
        }
        leases.set(id, { owner: event.owner, token: event.token, grantOrder: order, endReading: expiryReading(event), endT: event.t + (event.expiresInMs ?? 0), startT: event.effectT });
        break;
      }
      case 'renewed': {
        const lease = leases.get(id);
        // A renewal of a lease someone else was granted after: the store let an old holder back in.
        const reading = decisionReading(event);
        for (const [otherId, other] of leases) {
          if (otherId !== id && (lease === undefined || other.grantOrder > lease.grantOrder) && alive(other, event, reading)) report(event, other, 'renewed');
        }
        const endReading = expiryReading(event);
        const endT = event.t + (event.expiresInMs ?? 0);
        // A renewal decided while the holder's own release was on its way (sent, not yet answered
        // true): both took effect, so the release came after the renewal, and the lease is over from
        // the renewal on at the earliest (lock seed 23 on the file lock: a slow release and a renewal
        // in flight together). A renewal after the release's answer revives the lease.
        const release = releases.get(id);
        const releasedT = release !== undefined && release.callT <= event.effectT && event.effectT <= release.answerT ? event.effectT : undefined;
        if (lease === undefined) leases.set(id, { owner: event.owner, token: event.token, grantOrder: order, endReading, endT, startT: event.effectT, ...(releasedT === undefined ? {} : { releasedT }) });
        else {
          Object.assign(lease, { endReading, endT });
          if (releasedT === undefined) delete lease.releasedT;
          else lease.releasedT = releasedT;
        }
        break;
      }
      case 'releasing': {
        const lease = leases.get(id);
        if (lease !== undefined) lease.releasingAt = event.t;
        break;
      }
      case 'released': {
        const lease = leases.get(id);
        if (event.released === true) {
          lastRelease.set(event.key, event);
          releases.set(id, { callT: event.effectT, answerT: event.t });
        }
        if (lease !== undefined && event.released === true) lease.releasedT = Math.min(lease.releasedT ?? Infinity, lease.releasingAt ?? event.t);
        break;
      }
    }
  }
  return violations;
}

/** The judging clock of callers that judge expiry by their own clocks, read from the trace's clock changes. */
export function callerClocks(trace: readonly TraceEvent[]): JudgingClock {
  const clocks = clockChangesOf(trace);
  return { readingOf: (pid, t) => clocks.clockAt(processName(pid), t), largestOffsetMs: clocks.largestOffsetMs };
}

export const leaseExclusion: Checker<{ readonly history: LockHistory; readonly judgingClock?: JudgingClock; readonly toleranceMs?: number }> = {
  name: LEASE_EXCLUSION,
  description: "at most one live lease per key at any moment, as the store granted them (on each caller's own clock, exactly, when callers judge expiry)",
  check: ({ history, judgingClock, toleranceMs }) => checkLeaseExclusion(history, judgingClock === undefined ? { ...(toleranceMs === undefined ? {} : { toleranceMs }) } : { judgingClock }),
};
