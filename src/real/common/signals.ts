/**
 * How a long-running real-mode command stops: SIGINT (Ctrl-C) or SIGTERM (a supervisor) aborts one
 * signal, and the work awaiting it winds down and returns, closing what it opened. The handlers are
 * removed afterwards, so a second signal during shutdown gets Node's default: exit at once.
 */

/** Runs `work` with a signal that aborts on SIGINT or SIGTERM; resolves with its result. */
export async function untilInterrupted<T>(work: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work(stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Resolves when `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
