/**
 * Every job's output is complete and in order: what a client read, whole after the job ended or
 * streamed from the start until it ended, is exactly every chunk the job's execution printed, in
 * the order printed (a job that never ran printed nothing); read as stdout or stderr alone, exactly
 * the chunks printed on that stream, nothing of the other. The expected text is rebuilt from the
 * executor's own record, chunk by chunk.
 */
import { chunkText } from '../../systems/job-runner/sim-executor.js';
import type { Violation } from '../violation.js';
import { jobRunnerFactsOf, type JobRunnerFacts } from './job-trace.js';
import type { Checker, RunContext } from '../checker.js';

const OUTPUT_COMPLETE = 'output-complete';

export function checkOutputComplete(facts: JobRunnerFacts, epochMs = 0): Violation[] {
  const violations: Violation[] = [];
  for (const read of facts.reads) {
    const execution = facts.jobs.get(read.job)?.execution;
    const printed = execution === undefined ? [] : (facts.printed.get(execution) ?? []);
    const expected = printed
      .filter((chunk) => read.view === undefined || chunk.stream === read.view)
      .map((chunk) => chunkText(execution as string, chunk.seq, chunk.bytes))
      .join('');
    if (read.text === expected) continue;
    violations.push({
      invariant: OUTPUT_COMPLETE,
      message: `job ${read.job}: the ${read.how === 'stream' ? 'stream' : 'output'}${read.view === undefined ? '' : ` (${read.view} alone)`} read ${describeDifference(read.text, expected)}`,
      atMs: read.event.t - epochMs,
      eventSeq: read.event.seq,
      pid: read.event.pid,
    });
  }
  return violations;
}

function describeDifference(actual: string, expected: string): string {
  if (expected.startsWith(actual)) return `${actual.length} of ${expected.length} bytes: the rest is missing`;
  if (expected.endsWith(actual)) return `the last ${actual.length} of ${expected.length} bytes: the beginning is missing`;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  return `${actual.length} bytes that differ from the ${expected.length} printed from byte ${at}`;
}

export const outputComplete: Checker<RunContext> = {
  name: OUTPUT_COMPLETE,
  description: "every job's output, read whole or streamed, is complete and in order",
  check: (run) => checkOutputComplete(run.derive(jobRunnerFactsOf)),
};
