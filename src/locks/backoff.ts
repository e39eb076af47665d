/**
 * Jittered exponential backoff for lock contenders. Jitter keeps contenders that failed together from
 * retrying together; it comes from `random` (an `Env`'s stream), so a simulated run replays exactly.
 */

export interface BackoffOptions {
  /** The first wait, before jitter, in ms. */
  readonly minMs: number;
  /** The longest wait, before jitter, in ms. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 5, maxMs: 500 };

/**
 * The wait before retry number `attempt` (0 for the first retry): `minMs * 2^attempt` capped at
 * `maxMs`, then "equal jitter": a uniform draw from the upper half, so the wait never collapses to 0.
 */
export function backoffDelayMs(attempt: number, backoff: BackoffOptions, random: () => number): number {
  const ceilingMs = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(attempt, 52));
  return ceilingMs / 2 + random() * (ceilingMs / 2);
}
