import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInstant } from '../../src/env/iso-instant.js';

describe('isoInstant', () => {
  it('formats like Date.prototype.toISOString for every instant in years 0000–9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('handles leap days, epoch edges and fractions', () => {
    for (const ms of [0, -1, 951_782_400_000, 4_107_542_400_000, Date.UTC(2020, 7, 18, 9), 1.9]) {
      expect(isoInstant(ms)).toBe(new Date(Math.floor(ms)).toISOString());
    }
    expect(isoInstant(Number.NaN)).toBe('NaN');
  });
});
