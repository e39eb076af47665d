/**
 * `realEnv().onStop`: a real process's stop handler is a SIGTERM and SIGINT listener, removed by the
 * function it returns (then Node's default disposition applies again, as the simulated kernel models).
 */
import { expect, test } from 'vitest';
import { realEnv } from '../../src/env/real-env.js';

test('realEnv().onStop listens for SIGTERM and SIGINT until removed', () => {
  const env = realEnv('stop-test', { logLine: () => undefined });
  const seen: string[] = [];
  const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
  const remove = env.onStop?.(() => seen.push('stop'));
  expect(remove).toBeTypeOf('function');
  process.emit('SIGTERM', 'SIGTERM');
  process.emit('SIGINT', 'SIGINT');
  expect(seen).toEqual(['stop', 'stop']);
  remove?.();
  expect({ term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') }).toEqual(before);
});
