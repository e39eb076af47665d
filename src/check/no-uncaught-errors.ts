/**
 * No process died of an exception it did not handle: every scenario is judged by this one too.
 * That covers its main chain and, as for a real process, an error thrown in a callback outside it
 * (a library's timer or promise continuation): the world charges such a rejection to the process
 * that made it. The message carries the error's stack when the run still has it (the world keeps
 * stacks beside the trace, never in it: file paths differ between machines, the trace hash must not).
 */
import { processEvents } from '../sim/events.js';
import type { Checker, TraceInput } from './checker.js';
import type { Violation } from './violation.js';

const NO_UNCAUGHT_ERRORS = 'no-uncaught-errors';
/** Stack frames a message keeps: enough to find the throw, short enough to read. */
const STACK_FRAMES = 6;

/** Where a run's error stacks are, when the checker is given one (a scenario's check context has its world). */
interface StackSource {
  errorStackAt(seq: number): string | undefined;
}

export function checkNoUncaughtErrors(trace: TraceInput['trace'], stacks?: StackSource): Violation[] {
  return processEvents.of(trace).flatMap((event) => {
    if (event.kind !== 'process.error') return [];
    const frames = stacks?.errorStackAt(event.seq)?.split('\n').filter((line) => line.trimStart().startsWith('at ')).slice(0, STACK_FRAMES);
    const stack = frames === undefined || frames.length === 0 ? '' : `\n${frames.join('\n')}`;
    return [{ invariant: NO_UNCAUGHT_ERRORS, message: `${event.pid} died: ${event.data.message}${stack}`, atMs: event.t, eventSeq: event.seq, pid: event.pid }];
  });
}

export const noUncaughtErrors: Checker<TraceInput> = {
  name: NO_UNCAUGHT_ERRORS,
  description: 'no process died of an exception it did not handle, in its main chain or in a callback outside it',
  check: (context) => checkNoUncaughtErrors(context.trace, (context as TraceInput & { world?: StackSource }).world),
};
