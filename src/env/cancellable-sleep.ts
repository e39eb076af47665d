/**
 * `cancellableSleep(env, ms)`: a sleep called off through a handle rather than an `AbortSignal`.
 *
 * The simulated env answers it itself, without the `AbortController` (and its listener) a signal
 * needs: a lease renewed every few seconds for a simulated day starts and calls off one lapse timer
 * per renewal. Any other env gets the same from `sleep` and a controller of its own, so callers
 * behave alike everywhere: `cancel(reason)` rejects `slept` with `reason` at once, as an abort does.
 */
import type { CancellableSleep, Env } from './env.js';

export type { CancellableSleep } from './env.js';

export function cancellableSleep(env: Env, ms: number): CancellableSleep {
  if (env.cancellableSleep !== undefined) return env.cancellableSleep(ms);
  const controller = new AbortController();
  return { slept: env.sleep(ms, controller.signal), cancel: (reason) => controller.abort(reason) };
}

/**
 * Sleeps that one stop signal calls off, for a loop that sleeps thousands of times under it (a
 * worker's polls, a cron server's approach to its tick): one abort listener for the loop's life
 * rather than one added and taken off by every sleep. `sleep(ms)` does what `env.sleep(ms, stop)`
 * does, rejecting with the stop's reason (a step later when it was already given); `close()` takes
 * the listener off.
 */
export class StoppableSleeper {
  /** The sleep under way, or the last one (calling off a sleep that ended does nothing). */
  private current: CancellableSleep | undefined;
  private readonly onStop = (): void => this.current?.cancel(this.stop?.reason);

  constructor(
    private readonly env: Env,
    private readonly stop: AbortSignal | undefined,
  ) {
    stop?.addEventListener('abort', this.onStop, { once: true });
  }

  sleep(ms: number): Promise<void> {
    if (this.stop === undefined) return this.env.sleep(ms);
    if (this.stop.aborted) return Promise.reject(this.stop.reason as Error);
    this.current = cancellableSleep(this.env, ms);
    return this.current.slept;
  }

  close(): void {
    this.stop?.removeEventListener('abort', this.onStop);
    this.current = undefined;
  }
}
