/**
 * The facts the job-runner invariants read from a trace: the runner's limit, each job as queued,
 * each transition with the runner's clock reading, stop requests, the executions behind jobs and
 * what each really printed and how it ended (`sim-job.output`, `sim-job.exit`, recorded by the
 * executor), when the runner found each scheduled job due, and what clients read.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { RunContext } from '../checker.js';
import { jobClientEvents, jobRunnerEvents, simJobEvents } from '../../systems/job-runner/events.js';

export interface TransitionFact {
  readonly job: string;
  readonly from: string;
  readonly to: string;
  /** The runner's clock when it happened. */
  readonly clockMs: number;
  readonly event: TraceEvent;
}

export interface JobFacts {
  readonly id: string;
  readonly queued: TraceEvent;
  readonly startAtMs?: number;
  execution?: string;
}

export interface ReadFact {
  readonly job: string;
  /** `whole`: output(id).text() after the job ended; `stream`: everything a stream yielded. */
  readonly how: 'whole' | 'stream';
  /** stdout or stderr alone; absent: both, as printed. */
  readonly view?: 'stdout' | 'stderr';
  readonly text: string;
  readonly event: TraceEvent;
}

/** The runner found a scheduled job's start time come (`job.due`), by its clock `clockMs`. */
export interface DueFact {
  readonly job: string;
  readonly clockMs: number;
  readonly event: TraceEvent;
}

/** An execution started for a job (`job.execution`). */
export interface ExecutionFact {
  readonly job: string;
  readonly execution: string;
  readonly event: TraceEvent;
}

/** How an execution really ended, as the executor recorded it (`sim-job.exit`). */
export interface ExitFact {
  readonly code: number | null;
  readonly signal: string | null;
  readonly event: TraceEvent;
}

export interface JobRunnerFacts {
  readonly concurrencyLimit: number | undefined;
  readonly jobs: ReadonlyMap<string, JobFacts>;
  readonly transitions: readonly TransitionFact[];
  readonly stopRequests: readonly { readonly job: string; readonly state: string; readonly event: TraceEvent }[];
  /** Each execution's chunks as printed: `[seq, bytes, stream]`, and the true time `t` each was printed at. */
  readonly printed: ReadonlyMap<string, { readonly seq: number; readonly bytes: number; readonly stream: 'stdout' | 'stderr'; readonly t: number }[]>;
  readonly reads: readonly ReadFact[];
  readonly dues: readonly DueFact[];
  /** Every execution started, in trace order (a job's latest is also `JobFacts.execution`). */
  readonly executions: readonly ExecutionFact[];
  readonly exits: ReadonlyMap<string, ExitFact>;
}

export function jobRunnerFacts(trace: readonly TraceEvent[]): JobRunnerFacts {
  let concurrencyLimit: number | undefined;
  const jobs = new Map<string, JobFacts>();
  const transitions: TransitionFact[] = [];
  const stopRequests: { job: string; state: string; event: TraceEvent }[] = [];
  const printed = new Map<string, { seq: number; bytes: number; stream: 'stdout' | 'stderr'; t: number }[]>();
  const reads: ReadFact[] = [];
  const dues: DueFact[] = [];
  const executions: ExecutionFact[] = [];
  const exits = new Map<string, ExitFact>();
  for (const event of trace) {
    if (jobRunnerEvents.is(event)) {
      switch (event.kind) {
        case 'job-runner.open':
          concurrencyLimit ??= event.data.concurrencyLimit;
          break;
        case 'job.queued':
          jobs.set(event.data.job, { id: event.data.job, queued: event, ...(event.data.startAtMs === undefined ? {} : { startAtMs: event.data.startAtMs }) });
          break;
        case 'job.transition':
          transitions.push({ job: event.data.job, from: event.data.from, to: event.data.to, clockMs: event.data.clockMs, event });
          break;
        case 'job.execution': {
          const job = jobs.get(event.data.job);
          if (job !== undefined) job.execution = event.data.execution;
          executions.push({ job: event.data.job, execution: event.data.execution, event });
          break;
        }
        case 'job.due':
          dues.push({ job: event.data.job, clockMs: event.data.clockMs, event });
          break;
        case 'job.stop-requested':
          stopRequests.push({ job: event.data.job, state: event.data.state, event });
          break;
      }
    } else if (simJobEvents.is(event) && event.kind === 'sim-job.output') {
      const list = printed.get(event.data.execution) ?? [];
      list.push({ seq: event.data.seq, bytes: event.data.bytes, stream: event.data.stream ?? 'stdout', t: event.t });
      printed.set(event.data.execution, list);
    } else if (simJobEvents.is(event) && event.kind === 'sim-job.exit') {
      exits.set(event.data.execution, { code: event.data.code, signal: event.data.signal, event });
    } else if (jobClientEvents.is(event) && event.kind === 'client.output') {
      reads.push({ job: event.data.job, how: event.data.how, text: event.data.text, ...(event.data.view === undefined ? {} : { view: event.data.view }), event });
    }
  }
  return { concurrencyLimit, jobs, transitions, stopRequests, printed, reads, dues, executions, exits };
}

/** The facts of a run, read once and shared by every job-runner checker (`run.derive(jobRunnerFactsOf)`). */
export function jobRunnerFactsOf(run: RunContext): JobRunnerFacts {
  return jobRunnerFacts(run.trace);
}
