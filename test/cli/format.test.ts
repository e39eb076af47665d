import { describe, expect, test } from 'vitest';
import { plural } from '../../src/cli/format.js';

describe('plural', () => {
  test.each([
    [0, 'fault', '0 faults'],
    [1, 'fault', '1 fault'],
    [2, 'fault', '2 faults'],
    [1, 'whole text', '1 whole text'],
    [7, 'whole text', '7 whole texts'],
  ])('%i %s → %s', (count, noun, expected) => {
    expect(plural(count, noun)).toBe(expected);
  });

  test('an irregular plural is given', () => {
    expect(plural(1, 'process', 'processes')).toBe('1 process');
    expect(plural(3, 'process', 'processes')).toBe('3 processes');
  });
});
