/**
 * The real built-ins the harness itself needs, captured when this module loads, before any fake
 * timers are installed. The driver yields to the real event loop and measures real time through
 * these, so a scenario that installs fake globals (or user code that patches them) cannot stall it.
 */
export const realSetImmediate: (callback: () => void) => unknown = globalThis.setImmediate.bind(globalThis);
export const realPerformanceNow: () => number = performance.now.bind(performance);

/** Resolves after one real macrotask: every microtask queued before it has settled by then. */
export function yieldMacrotask(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}
