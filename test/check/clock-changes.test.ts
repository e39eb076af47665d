/**
 * Placing a machine's clock reading back on true time: through forward and backward steps, and
 * through drift, exactly as the simulator computed the readings.
 */
import { describe, expect, test } from 'vitest';
import { clockChangesOf } from '../../src/check/clock-changes.js';

const skew = (t: number, skewMs: number) => ({ seq: t, t, pid: 'b#1', kind: 'process.skew', data: { skewMs } });
const drift = (t: number, driftPpm: number) => ({ seq: t, t, pid: 'b#1', kind: 'process.drift', data: { driftPpm } });

describe('trueTimeOf', () => {
  test('a reading taken before a forward step is placed by the offset before it', () => {
    const clocks = clockChangesOf([skew(100, 10), skew(500, 60)]);
    // At true 450 b read 460; after the step at 500 its clock never reads 460 again.
    expect(clocks.trueTimeOf('b', 460, 520)).toBe(450);
    expect(clocks.trueTimeOf('b', clocks.clockAt('b', 510), 520)).toBe(510);
  });

  test('a reading the clock showed twice (a backward step) is placed at the latest instant no later than the bound', () => {
    const clocks = clockChangesOf([skew(0, 400), skew(1_000, -300)]);
    expect(clocks.trueTimeOf('b', 1_390, 1_010)).toBe(990);
    expect(clocks.trueTimeOf('b', 1_390, 2_000)).toBe(1_690);
  });

  test('a drifting clock is followed: its reading solves back to the instant it was read', () => {
    const clocks = clockChangesOf([drift(0, 100_000)]);
    for (const t of [0, 100, 930, 5_000]) expect(clocks.trueTimeOf('b', clocks.clockAt('b', t), t)).toBe(t);
  });
});
