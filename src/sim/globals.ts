/**
 * The real built-ins the harness itself needs, captured when this module loads, before any fake
 * timers are installed. The driver yields to the real event loop and measures real time through
 * these, so a scenario that installs fake globals (or user code that patches them) cannot stall it.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';

export const realSetImmediate: (callback: () => void) => unknown = globalThis.setImmediate.bind(globalThis);
export const realPerformanceNow: () => number = performance.now.bind(performance);

/**
 * Settles, here and now, everything a real macrotask boundary would: the `process.nextTick` queue,
 * every microtask (and those they queue, and so on, until none is left), and the report of the
 * rejections they left unhandled, in the order Node runs them when a macrotask's callback returns.
 * It is Node's own `process._tickCallback` ("emulate a tick manually in the JS land", the function
 * Node itself calls at that boundary), captured like the built-ins above; `undefined` on a runtime
 * without it, where the driver yields a real macrotask per round instead.
 *
 * Nothing here counts microtasks: the queues are run until empty, as at any macrotask's end. Only a
 * macrotask's own callback may call it: from within a microtask, the microtasks would not run.
 */
export const settleMicrotasks: (() => void) | undefined = (() => {
  const tick = (process as unknown as { _tickCallback?: unknown })._tickCallback;
  return typeof tick === 'function' ? (tick.bind(process) as () => void) : undefined;
})();

/**
 * Runs `callback` in a real macrotask of its own, after every microtask queued before it has
 * settled (and those they queue, and so on), and after Node has reported the unhandled rejections
 * they left: each is a message on a port of this thread, and Node closes every message's callback as
 * it closes any macrotask's. Callbacks run in the order they were queued.
 *
 * Why not `setImmediate`: an immediate costs a turn of the event loop (a poll for I/O) each time,
 * and one queued by an immediate waits for the next turn; a port delivers the messages posted while
 * it delivers (up to a thousand) in the same turn. For a driver that yields once per virtual
 * instant, the yield costs about a third of the CPU and of the real time.
 *
 * The port is made on first use; callbacks run in the async context of that moment, so a caller
 * that needs its own context carried (`runUnderHost`) yields with `realSetImmediate` instead.
 */
export function queueMacrotask(callback: () => void): void {
  const ports = macrotaskPorts ?? openMacrotaskPorts();
  if (!holdsThread) {
    ports.receiver.ref();
    holdsThread = true;
  }
  macrotasks.push(callback);
  ports.sender.postMessage(null);
}

const macrotasks: Array<() => void> = [];
/** Whether the port keeps the thread alive: while a callback waits, and not a call more (each is a native one). */
let holdsThread = false;
let macrotaskPorts: { readonly receiver: MessagePort; readonly sender: MessagePort } | undefined;

function openMacrotaskPorts(): { readonly receiver: MessagePort; readonly sender: MessagePort } {
  const { port1: port, port2: sender } = new MessageChannel();
  sender.unref();
  port.on('message', () => {
    const callback = macrotasks.shift();
    try {
      callback?.();
    } finally {
      // Nothing queued keeps the thread alive: the port holds it only while a callback waits.
      if (macrotasks.length === 0) {
        port.unref();
        holdsThread = false;
      }
    }
  });
  macrotaskPorts = { receiver: port, sender };
  return macrotaskPorts;
}

/** Resolves after one real macrotask: every microtask queued before it has settled by then. */
export function yieldMacrotask(): Promise<void> {
  return new Promise((resolve) => queueMacrotask(resolve));
}
