/**
 * A job's spill files go with its record: at the end of the run, every job that still has output
 * files on the (simulated) disk still has its record in the store. One whose record a prune deleted
 * (`job.pruned`) while its files stayed would keep them for ever, since nothing else deletes them.
 * Judged from the final state the scenario hands over (the store's jobs, the jobs with files),
 * with the prunes in the trace saying when each record went.
 */
import type { TraceEvent } from '../../sim/trace.js';
import { jobRunnerEvents } from '../../systems/job-runner/events.js';
import type { Violation } from '../violation.js';
import type { Checker, TraceInput } from '../checker.js';

const NO_OUTPUT_WITHOUT_RECORD = 'no-output-without-record';

export interface OutputFilesInput extends TraceInput {
  /** The jobs with output files at the end of the run. */
  readonly jobsWithFiles: readonly string[];
  /** The jobs whose record the store holds at the end of the run. */
  readonly storedJobs: readonly string[];
  readonly epochMs?: number;
}

export function checkNoOutputWithoutRecord({ trace, jobsWithFiles, storedJobs, epochMs = 0 }: OutputFilesInput): Violation[] {
  const stored = new Set(storedJobs);
  const prunedBy = new Map<string, TraceEvent>();
  for (const event of jobRunnerEvents.of(trace)) if (event.kind === 'job.pruned') for (const job of event.data.jobs) prunedBy.set(job, event as TraceEvent);
  const last = trace.at(-1);
  return [...jobsWithFiles]
    .filter((job) => !stored.has(job))
    .sort()
    .map((job): Violation => {
      const pruned = prunedBy.get(job);
      const at = pruned ?? last;
      const when = pruned === undefined ? 'though the store has no record of it' : `after its record was pruned at ${pruned.t - epochMs} ms`;
      return { invariant: NO_OUTPUT_WITHOUT_RECORD, message: `job ${job}'s spill files are still on disk at the end of the run, ${when}`, atMs: (at?.t ?? epochMs) - epochMs, ...(at === undefined ? {} : { eventSeq: at.seq, pid: at.pid }) };
    });
}

export const noOutputWithoutRecord: Checker<OutputFilesInput> = {
  name: NO_OUTPUT_WITHOUT_RECORD,
  description: "a job's spill files are deleted with its record: none is left for a job the store no longer has",
  check: checkNoOutputWithoutRecord,
};
