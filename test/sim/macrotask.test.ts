import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { queueMacrotask, yieldMacrotask } from '../../src/sim/globals.js';

/** A chain of `depth` promise continuations, each queued by the one before; `done` once all ran. */
function chain(depth: number, done: () => void): void {
  let promise = Promise.resolve();
  for (let step = 0; step < depth; step++) promise = promise.then(() => Promise.resolve());
  void promise.then(done);
}

describe('queueMacrotask: the driver yield', () => {
  test('callbacks run in order, each after every microtask the one before queued has settled', async () => {
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      const round = (index: number): void => {
        seen.push(`round ${index}`);
        if (index === 5) return resolve();
        // Microtasks queued by microtasks, a chain far deeper than any fixed count would cover.
        chain(200, () => seen.push(`settled ${index}`));
        queueMacrotask(() => round(index + 1));
      };
      queueMacrotask(() => round(0));
    });
    expect(seen).toEqual(['round 0', 'settled 0', 'round 1', 'settled 1', 'round 2', 'settled 2', 'round 3', 'settled 3', 'round 4', 'settled 4', 'round 5']);
  });

  test('two callbacks queued at once run in the order queued, each in its own macrotask', async () => {
    const seen: string[] = [];
    queueMacrotask(() => {
      seen.push('first');
      chain(50, () => seen.push('first settled'));
    });
    queueMacrotask(() => seen.push('second'));
    await yieldMacrotask();
    expect(seen).toEqual(['first', 'first settled', 'second']);
  });

  test('a rejection nobody handled in one callback is reported before the next runs', async () => {
    const seen: string[] = [];
    const onRejection = (reason: unknown): void => {
      seen.push(`reported ${String(reason)}`);
    };
    process.on('unhandledRejection', onRejection);
    try {
      await new Promise<void>((resolve) => {
        queueMacrotask(() => {
          seen.push('rejecting');
          void Promise.resolve().then(() => Promise.reject('boom'));
          queueMacrotask(() => {
            seen.push('next');
            resolve();
          });
        });
      });
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(seen).toEqual(['rejecting', 'reported boom', 'next']);
  });

  test('a thread whose callbacks have all run exits: the port does not hold it', () => {
    const globals = fileURLToPath(new URL('../../dist/src/sim/globals.js', import.meta.url));
    const script = `import(${JSON.stringify(globals)}).then(({ queueMacrotask }) => queueMacrotask(() => queueMacrotask(() => console.log('ran'))))`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(output.trim()).toBe('ran');
  });
});
