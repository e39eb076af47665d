import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { sortNames } from '../../src/env/sort-names.js';

describe('sortNames', () => {
  test('orders like the built-in sort, in place, short lists and long ones alike', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('a', 'B', '2024_01_01_00_00.txt', 'output', 'é', '\uD83D\uDE00')), { maxLength: 80 }), (names) => {
        const expected = [...names].sort();
        const sorted = sortNames(names);
        expect(sorted).toBe(names);
        expect(sorted).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  test('a directory listing in creation order comes back oldest input first', () => {
    expect(sortNames(['output', 'processed', 'rejected', '2024_01_02_00_15.txt', '2024_01_02_00_00.txt'])).toEqual(['2024_01_02_00_00.txt', '2024_01_02_00_15.txt', 'output', 'processed', 'rejected']);
  });
});
