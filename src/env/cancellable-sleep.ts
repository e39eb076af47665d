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
