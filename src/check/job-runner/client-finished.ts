/**
 * The client finished: by the horizon every job it started has ended and it has read every output
 * (its process exited). A run that stops with jobs still queued or executing fails here.
 */
import { processEvents } from '../../sim/events.js';
import { processName } from '../../sim/process-id.js';
import type { Checker, TraceInput } from '../checker.js';
import type { Violation } from '../violation.js';

const CLIENT_FINISHED = 'client-finished';

export function checkClientFinished(trace: TraceInput['trace'], jobs: number): Violation[] {
  return processEvents.of(trace).some((event) => event.kind === 'process.exit' && processName(event.pid) === 'client')
    ? []
    : [{ invariant: CLIENT_FINISHED, message: `the client did not finish: some of its ${jobs} jobs never ended` }];
}

export const clientFinished: Checker<TraceInput & { readonly params: { readonly jobs: number } }> = {
  name: CLIENT_FINISHED,
  description: 'by the horizon every job has ended and the client has read every output',
  check: ({ trace, params }) => checkClientFinished(trace, params.jobs),
};
