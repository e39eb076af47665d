/**
 * The longest delay a Node timer honours: 2^31 − 1 ms (about 24.8 days). Node replaces a longer
 * delay by 1 ms and prints a `TimeoutOverflowWarning`, so a longer wait must be slept in pieces.
 * The real `Env` does that; the simulated one behaves as Node does, so code that relies on a long
 * single sleep fails in simulation as it would for real.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The delay Node actually waits for a timer asked to wait `ms`: 1 ms past the limit. */
export function nodeTimerDelay(ms: number): number {
  return ms > MAX_TIMER_DELAY_MS ? 1 : ms;
}
