import { describe, expect, test } from 'vitest';
import { formatProcessId, parseProcessId, processName } from '../../src/sim/process-id.js';

describe('process ids', () => {
  test('an incarnation id comes apart into the name and the incarnation it was built from', () => {
    expect(formatProcessId('worker-2', 3)).toBe('worker-2#3');
    expect(parseProcessId('worker-2#3')).toEqual({ name: 'worker-2', incarnation: 3 });
    expect(parseProcessId(formatProcessId('a#b', 12))).toEqual({ name: 'a#b', incarnation: 12 });
  });

  test('an id without a numbered incarnation is all name', () => {
    expect(parseProcessId('world')).toEqual({ name: 'world', incarnation: undefined });
    expect(parseProcessId('client#x')).toEqual({ name: 'client#x', incarnation: undefined });
    expect(processName('fence')).toBe('fence');
    expect(processName('dag-runner#2')).toBe('dag-runner');
  });
});
