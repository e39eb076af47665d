/** The real `Env` sleeps as long as asked, past Node's 2^31 − 1 ms timer limit. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { realEnv } from '../../src/env/real-env.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('realEnv.sleep', () => {
  it('waits the whole of a sleep longer than 2^31 − 1 ms instead of firing at once', async () => {
    vi.useFakeTimers();
    let woke = false;
    const sleeping = realEnv('test').sleep(2 ** 31 + 5_000).then(() => {
      woke = true;
    });
    await vi.advanceTimersByTimeAsync(2 ** 31 - 1);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(woke).toBe(true);
  });

  it('still stops at once when aborted mid-way', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleeping = realEnv('test').sleep(2 ** 33, controller.signal);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
  });
});
