/**
 * A graceful stop is graceful: no process that was already running its own code died of a SIGTERM's
 * default disposition. Every scenario is judged by this one too. A server that announces itself or
 * takes work before it registers its stop handler (`env.onStop`) is killed outright by a stop that
 * comes in between, with its work half done and nothing released, as Node kills such a process. A
 * signal that arrives before the process ran any code at all is the operating system's race, not
 * the program's, and is not held against it.
 */
import { processEvents } from '../sim/events.js';
import type { Checker, TraceInput } from './checker.js';
import type { Violation } from './violation.js';

const GRACEFUL_STOPS = 'graceful-stops';

export function checkGracefulStops(trace: TraceInput['trace']): Violation[] {
  return processEvents.of(trace).flatMap((event) => {
    if (event.kind !== 'process.signal' || event.data.handled || event.data.beforeStart === true) return [];
    return [{ invariant: GRACEFUL_STOPS, message: `${event.pid} was killed by ${event.data.signal}: it was running but had not registered its stop handler, so the signal's default disposition ended it`, atMs: event.t, eventSeq: event.seq, pid: event.pid }];
  });
}

export const gracefulStops: Checker<TraceInput> = {
  name: GRACEFUL_STOPS,
  description: 'no running process was killed by a graceful stop (SIGTERM) because it had not yet registered its stop handler',
  check: (context) => checkGracefulStops(context.trace),
};
