/**
 * No process died of an exception it did not handle: every scenario is judged by this one too.
 */
import { processEvents } from '../sim/events.js';
import type { Checker, TraceInput } from './checker.js';
import type { Violation } from './violation.js';

const NO_UNCAUGHT_ERRORS = 'no-uncaught-errors';

export function checkNoUncaughtErrors(trace: TraceInput['trace']): Violation[] {
  return processEvents
    .of(trace)
    .flatMap((event) => (event.kind === 'process.error' ? [{ invariant: NO_UNCAUGHT_ERRORS, message: `${event.pid} died: ${event.data.message}`, atMs: event.t, eventSeq: event.seq, pid: event.pid }] : []));
}

export const noUncaughtErrors: Checker<TraceInput> = {
  name: NO_UNCAUGHT_ERRORS,
  description: 'no process died of an exception it did not handle',
  check: ({ trace }) => checkNoUncaughtErrors(trace),
};
