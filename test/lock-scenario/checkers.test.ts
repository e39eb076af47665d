/**
 * Each lock-scenario invariant fed a hand-made history: a good one passes, a bad one fails naming
 * the key, the tokens and the owners.
 */
import { describe, expect, test } from 'vitest';
import { callerClocks, checkFencing, checkLeaseContract, checkLeaseExclusion, checkProgress, lockHistoryFromTrace, type StoreAnswer, type LockHistory, type ResourceWrite } from '../../src/check/lock/index.js';

let seq = 0;
function lease(kind: StoreAnswer['kind'], t: number, owner: string, token: number, extra: Partial<StoreAnswer> = {}): StoreAnswer {
  seq += 1;
  return { kind, t, effectT: t, seq, pid: owner, key: 'job', owner, token, ...extra };
}
const granted = (t: number, owner: string, token: number, expiresInMs = 1_000): StoreAnswer => lease('granted', t, owner, token, { expiresInMs });
const renewed = (t: number, owner: string, token: number, remainingBeforeMs: number, expiresInMs = 1_000): StoreAnswer => lease('renewed', t, owner, token, { remainingBeforeMs, expiresInMs });
const releasing = (t: number, owner: string, token: number): StoreAnswer => lease('releasing', t, owner, token);
const released = (t: number, owner: string, token: number, ok = true): StoreAnswer => lease('released', t, owner, token, { released: ok });
const history = (...leases: StoreAnswer[]): LockHistory => ({ leases, writes: [] });

function write(t: number, owner: string, token: number, accepted: boolean, highestBefore: number): ResourceWrite {
  seq += 1;
  return { t, seq, pid: owner, key: 'job', token, owner, accepted, highestBefore };
}

describe('lease-exclusion', () => {
  test('a takeover after expiry, and a grant after a release, pass', () => {
    const good = history(granted(0, 'a#1', 1), renewed(300, 'a#1', 1, 700), granted(1_300, 'b#1', 2), releasing(1_500, 'b#1', 2), released(1_510, 'b#1', 2), granted(1_505, 'c#1', 3));
    expect(checkLeaseExclusion(good)).toEqual([]);
  });

  test('a grant while another lease is live fails, once per pair', () => {
    const violations = checkLeaseExclusion(history(granted(0, 'a#1', 1), granted(400, 'b#1', 2), granted(450, 'b#1', 2)));
    expect(violations.map((v) => v.message)).toEqual(['key "job": granted token 2 for b#1 while token 1 of a#1 still had 600 ms left']);
    expect(violations[0]).toMatchObject({ invariant: 'lease-exclusion', atMs: 400, pid: 'b#1' });
  });

  test("a release the store refused does not end the lease; someone else's release does not either", () => {
    const refused = history(granted(0, 'a#1', 1), releasing(100, 'a#1', 1), released(110, 'a#1', 1, false), granted(200, 'b#1', 2));
    expect(checkLeaseExclusion(refused)).toHaveLength(1);
    const foreign = history(granted(0, 'a#1', 1), releasing(100, 'z#1', 9), released(110, 'z#1', 9), granted(200, 'b#1', 2));
    expect(checkLeaseExclusion(foreign)).toHaveLength(1);
  });

  test('an old holder renewed after a newer grant fails', () => {
    const violations = checkLeaseExclusion(history(granted(0, 'a#1', 1), granted(1_000, 'b#1', 2), renewed(1_100, 'a#1', 1, -100)));
    expect(violations.map((v) => v.message)).toEqual(['key "job": renewed token 1 for a#1 while token 2 of b#1 still had 900 ms left']);
  });

  test("callers judging by their own clocks are judged exactly, on each caller's clock", () => {
    // b's clock runs 100 ms ahead of true time; a's keeps it. a's lease ends when a clock reads 1 000.
    const clocks = callerClocks([{ seq: 0, t: 0, pid: 'b#1', kind: 'process.skew', data: { skewMs: 100 } }]);
    // At true 850 b's clock reads 950: a's lease was live on the clock b judged by. An overlap of
    // 150 ms, shorter than twice the skew, and still a store that let b in early.
    const early = checkLeaseExclusion(history(granted(0, 'a#1', 1), granted(850, 'b#1', 2)), { judgingClock: clocks });
    expect(early.map((v) => v.message)).toEqual(['key "job": granted token 2 for b#1 while token 1 of a#1 still had 50 ms left']);
    // At true 905 b's clock reads 1 005: a's lease is over on b's clock, though on true time 95 ms remain.
    expect(checkLeaseExclusion(history(granted(0, 'a#1', 1), granted(905, 'b#1', 2)), { judgingClock: clocks })).toEqual([]);
    // On one true clock the second grant is a violation.
    expect(checkLeaseExclusion(history(granted(0, 'a#1', 1), granted(905, 'b#1', 2)))).toHaveLength(1);
  });

  test("a caller's drift is followed too", () => {
    // b's clock gains 100 000 ppm (0.1 ms per ms) from true 0: at true 930 it reads 1 023.
    const clocks = callerClocks([{ seq: 0, t: 0, pid: 'b#1', kind: 'process.drift', data: { driftPpm: 100_000 } }]);
    expect(clocks.readingOf('b#1', 930)).toBe(1_023);
    expect(checkLeaseExclusion(history(granted(0, 'a#1', 1), granted(930, 'b#1', 2)), { judgingClock: clocks })).toEqual([]);
    expect(checkLeaseExclusion(history(granted(0, 'a#1', 1), granted(900, 'b#1', 2)), { judgingClock: clocks })).toHaveLength(1);
  });
});

describe('lease-contract', () => {
  test('growing tokens and renewals in time pass', () => {
    expect(checkLeaseContract(history(granted(0, 'a#1', 1), renewed(300, 'a#1', 1, 700), granted(2_000, 'b#1', 2)), { toleranceMs: 0 })).toEqual([]);
  });

  test('one token for two owners fails, in any order and whatever the tolerance', () => {
    const violations = checkLeaseContract(history(granted(0, 'a#1', 4), granted(2_000, 'b#1', 4)), { toleranceMs: 10_000 });
    expect(violations.map((v) => v.message)).toEqual(['key "job": token 4 granted to b#1, not above token 4 granted earlier to a#1: fencing cannot tell them apart']);
  });

  test('a lower token decided later fails, beyond the tolerance only', () => {
    const lower = history(granted(0, 'a#1', 5), granted(2_000, 'b#1', 3));
    expect(checkLeaseContract(lower, { toleranceMs: 0 })).toHaveLength(1);
    expect(checkLeaseContract(lower, { toleranceMs: 3_000 })).toEqual([]);
  });

  test('a renewal of an expired lease fails', () => {
    const violations = checkLeaseContract(history(granted(0, 'a#1', 1), renewed(1_040, 'a#1', 1, -40)), { toleranceMs: 0 });
    expect(violations.map((v) => v.message)).toEqual(['key "job": token 1 of a#1 renewed 40 ms after it expired: an expired lease came back to life']);
    expect(checkLeaseContract(history(granted(0, 'a#1', 1), renewed(1_000, 'a#1', 1, 0)), { toleranceMs: 0 })).toHaveLength(1);
  });
});

describe('fencing', () => {
  test('refusing a stale token passes', () => {
    const writes = [write(0, 'a#1', 1, true, 0), write(10, 'b#1', 2, true, 1), write(20, 'a#1', 1, false, 2)];
    expect(checkFencing({ leases: [], writes })).toEqual([]);
  });

  test('accepting a stale token fails, and so does one token from two owners', () => {
    const stale = checkFencing({ leases: [], writes: [write(0, 'a#1', 1, true, 0), write(10, 'b#1', 2, true, 1), write(20, 'a#1', 1, true, 2)] });
    expect(stale.map((v) => v.message)).toEqual(['the resource key "job": token 1 accepted after token 2']);
    expect(stale[0]).toMatchObject({ invariant: 'fencing', atMs: 20, pid: 'a#1' });
    const reused = checkFencing({ leases: [], writes: [write(0, 'a#1', 3, true, 0), write(10, 'b#1', 3, true, 3)] });
    expect(reused.map((v) => v.message)).toEqual(['the resource key "job": token 3 accepted from both a#1 and b#1']);
  });
});

describe('progress', () => {
  test('a key written in the quiet tail passes; a key never written again fails', () => {
    const writes = [write(100, 'a#1', 1, true, 0), write(900, 'a#1', 2, false, 3)];
    expect(checkProgress({ leases: [], writes }, { keys: ['job'], fromMs: 50, endMs: 1_000 })).toEqual([]);
    const violations = checkProgress({ leases: [], writes }, { keys: ['job'], fromMs: 500, endMs: 1_000 });
    expect(violations.map((v) => v.message)).toEqual(['key "job": no write was accepted in the quiet tail of the run (500 ms after the last fault had settled)']);
  });

  test('with the asks known, a key asked for in the tail and never written fails; a key nobody asked for owes nothing', () => {
    const writes = [write(100, 'a#1', 1, true, 0)];
    const asks = [{ t: 600, key: 'stuck' }, { t: 700, key: 'stuck' }, { t: 100, key: 'idle' }];
    const violations = checkProgress({ leases: [], writes, asks }, { keys: ['stuck', 'idle'], fromMs: 500, endMs: 1_000 });
    expect(violations.map((v) => v.message)).toEqual(['key "stuck": no write was accepted in the quiet tail of the run (500 ms after the last fault had settled)']);
  });
});

describe('lease-exclusion on callers\' clocks, after a takeover', () => {
  test('a lease given away on a faster clock is over, though its holder\'s clock still shows time left', () => {
    // b runs 500 ms ahead: at true 600 it reads 1 100, past a's expiry, and takes the key over; then releases it.
    const clocks = callerClocks([{ seq: 0, t: 0, pid: 'b#1', kind: 'process.skew', data: { skewMs: 500 } }]);
    const takeover = history(granted(0, 'a#1', 1), granted(600, 'b#1', 2), releasing(700, 'b#1', 2), released(710, 'b#1', 2), granted(800, 'c#1', 3));
    expect(checkLeaseExclusion(takeover, { judgingClock: clocks })).toEqual([]);
  });
});

describe('lease history on callers\' clocks', () => {
  // b decides at true 505 (its clock reads 505), its clock is stepped 28 ms ahead at 510, and the
  // answer comes back at true 530, when its clock reads 558: the store decided 53 ms ago on b's clock.
  const trace = [
    { seq: 1, t: 0, pid: 'a#1', kind: 'lease.granted', data: { key: 'job', owner: 'a#1', token: 1, expiresInMs: 1_000, effectAgoMs: 0 } },
    { seq: 2, t: 500, pid: 'a#1', kind: 'lease.releasing', data: { key: 'job', owner: 'a#1', token: 1 } },
    { seq: 3, t: 510, pid: 'b#1', kind: 'process.skew', data: { skewMs: 28 } },
    { seq: 4, t: 520, pid: 'a#1', kind: 'lease.released', data: { key: 'job', owner: 'a#1', token: 1, released: true } },
    { seq: 5, t: 530, pid: 'b#1', kind: 'lease.granted', data: { key: 'job', owner: 'b#1', token: 3, expiresInMs: 975, effectAgoMs: 53 } },
  ];

  test('a decision before a clock step is placed by the offset before the step', () => {
    const history = lockHistoryFromTrace(trace, { expiryClock: 'caller' });
    expect(history.leases.find((answer) => answer.owner === 'b#1')?.effectT).toBe(505);
    expect(checkLeaseExclusion(history, { judgingClock: callerClocks(trace) })).toEqual([]);
    expect(checkLeaseExclusion(history, { toleranceMs: 0 })).toEqual([]);
  });

  test('read as if on true time, the step puts the grant before the release it followed', () => {
    const history = lockHistoryFromTrace(trace);
    expect(history.leases.find((answer) => answer.owner === 'b#1')?.effectT).toBe(477);
    expect(checkLeaseExclusion(history)).toHaveLength(1);
  });
});

describe('lease-exclusion on callers\' clocks, exactly, against the old forgiveness', () => {
  // b's clock runs 60 ms ahead of true time, a's keeps it; the largest skew is 60 ms, so the old rule
  // forgave any overlap up to 120 ms.
  const clocks = callerClocks([{ seq: 0, t: 0, pid: 'b#1', kind: 'process.skew', data: { skewMs: 60 } }]);

  test('an overlap shorter than twice the skew, granted before the asker\'s own clock read the expiry, is caught', () => {
    // At true 900 b's clock reads 960: a's lease (to 1 000 on a's clock) still had 40 ms on b's own clock.
    const early = history(granted(0, 'a#1', 1), granted(900, 'b#1', 2));
    expect(checkLeaseExclusion(early, { toleranceMs: 120 })).toEqual([]);
    expect(checkLeaseExclusion(early, { judgingClock: clocks }).map((v) => v.message)).toEqual(['key "job": granted token 2 for b#1 while token 1 of a#1 still had 40 ms left']);
  });

  test('an overlap the skew makes legal (b\'s clock read the expiry first) is not', () => {
    // At true 945 b's clock reads 1 005: the lease is over by the clock b judges with, 55 ms early on true time.
    const legal = history(granted(0, 'a#1', 1), granted(945, 'b#1', 2));
    expect(checkLeaseExclusion(legal, { judgingClock: clocks })).toEqual([]);
    expect(checkLeaseExclusion(legal)).toHaveLength(1);
  });
});

describe('lease-exclusion: a renewal and a release in flight together', () => {
  const renewedAt = (t: number): StoreAnswer => renewed(t, 'a#1', 1, 500);
  test('a renewal decided while the release was on its way ends at the release: a grant after it passes', () => {
    // a's release is sent at 500 and answered true at 700; its renewal was decided at 550. The
    // release took effect after the renewal (a released lease cannot be renewed), so by 800 a holds nothing.
    const together = history(granted(0, 'a#1', 1), releasing(500, 'a#1', 1), { ...released(700, 'a#1', 1), effectT: 500 }, renewedAt(550), granted(800, 'b#1', 2));
    expect(checkLeaseExclusion(together)).toEqual([]);
  });

  test('a renewal decided after the release was answered revives the lease: a grant over it fails', () => {
    const revived = history(granted(0, 'a#1', 1), releasing(500, 'a#1', 1), { ...released(520, 'a#1', 1), effectT: 500 }, renewedAt(550), granted(800, 'b#1', 2));
    expect(checkLeaseExclusion(revived)).toHaveLength(1);
  });
});

describe('lease history: a caller\'s clock stepped back during the call', () => {
  // b's clock runs 400 ms ahead until true 1 000, then 300 ms behind. The store decided at true 990
  // (b read 1 390); the answer came back at true 1 010, when b read 710: the decision was -680 ms ago.
  const trace = [
    { seq: 1, t: 0, pid: 'b#1', kind: 'process.skew', data: { skewMs: 400 } },
    { seq: 2, t: 0, pid: 'a#1', kind: 'lease.granted', data: { key: 'job', owner: 'a#1', token: 1, expiresInMs: 1_350, effectAgoMs: 0 } },
    { seq: 3, t: 1_000, pid: 'b#1', kind: 'process.skew', data: { skewMs: -300 } },
    { seq: 4, t: 1_010, pid: 'b#1', kind: 'lease.granted', data: { key: 'job', owner: 'b#1', token: 3, expiresInMs: 1_680, effectAgoMs: -680 } },
  ];

  test('the decision is placed before the step, where b\'s clock read past a\'s expiry', () => {
    const history = lockHistoryFromTrace(trace, { expiryClock: 'caller' });
    expect(history.leases.find((answer) => answer.owner === 'b#1')?.effectT).toBe(990);
    // a's lease ends when a clock reads 1 350; b read 1 390 at its decision: a legal takeover.
    expect(checkLeaseExclusion(history, { judgingClock: callerClocks(trace) })).toEqual([]);
  });

  test('had b decided at 1 340 on its clock, 10 ms before the expiry, the takeover is caught', () => {
    const early = trace.map((event) => (event.seq === 4 ? { ...event, data: { ...event.data, expiresInMs: 1_630, effectAgoMs: -630 } } : event));
    expect(checkLeaseExclusion(lockHistoryFromTrace(early, { expiryClock: 'caller' }), { judgingClock: callerClocks(early) })).toHaveLength(1);
  });
});

describe('lease-contract on callers\' clocks', () => {
  const clocks = callerClocks([{ seq: 0, t: 600, pid: 'a#1', kind: 'process.skew', data: { skewMs: -200 } }]);
  test('a renewal the caller saw expire before its clock was stepped back is legal if the store\'s reading had not', () => {
    // a's lease ends at 1 000 on a's clock. Its clock is stepped back 200 ms at 600; at true 1 050 it
    // reads 850, so the store (judging by a's clock) renews; the reading before the call said -40 ms.
    const stepped = history(granted(0, 'a#1', 1), renewed(1_050, 'a#1', 1, -40));
    expect(checkLeaseContract(stepped, { toleranceMs: 0 })).toHaveLength(1);
    expect(checkLeaseContract(stepped, { judgingClock: clocks })).toEqual([]);
  });

  test('a renewal after the caller\'s own clock read the expiry is still caught', () => {
    // At true 1 250 a's clock reads 1 050: past the expiry on the clock that judges it.
    expect(checkLeaseContract(history(granted(0, 'a#1', 1), renewed(1_250, 'a#1', 1, -50)), { judgingClock: clocks })).toHaveLength(1);
  });
});

describe('lease-exclusion: a release that failed with an error is in doubt', () => {
  // a holds the key until 1 000; it releases at 500; then a itself takes the key again at 800 (the
  // file lock's library gives a lease up before removing its directory, and the removal can fail).
  const events = (answer: 'error' | 'false') => [
    { seq: 1, t: 0, pid: 'a#1', kind: 'lease.granted', data: { key: 'job', owner: 'a#1', token: 1, expiresInMs: 1_000, effectAgoMs: 0 } },
    { seq: 2, t: 500, pid: 'a#1', kind: 'lease.releasing', data: { key: 'job', owner: 'a#1', token: 1 } },
    ...(answer === 'false' ? [{ seq: 3, t: 510, pid: 'a#1', kind: 'lease.released', data: { key: 'job', owner: 'a#1', token: 1, released: false } }] : []),
    { seq: 4, t: 800, pid: 'a#1', kind: 'lease.granted', data: { key: 'job', owner: 'a#1', token: 2, expiresInMs: 1_000, effectAgoMs: 0 } },
  ];

  test('a release that threw may have taken effect: the grant after it passes', () => {
    expect(checkLeaseExclusion(lockHistoryFromTrace(events('error')))).toEqual([]);
  });

  test('a release answered "not yours" changed nothing: the grant over the same owner\'s lease fails', () => {
    expect(checkLeaseExclusion(lockHistoryFromTrace(events('false'))).map((v) => v.message)).toEqual(['key "job": granted token 2 for a#1 while token 1 of a#1 still had 200 ms left']);
  });
});
