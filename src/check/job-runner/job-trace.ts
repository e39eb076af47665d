/**
 * The facts the job-runner invariants read from a trace: the runner's limit, each job as queued,
 * each transition with the runner's clock reading, stop requests, the executions behind jobs and
 * what each really printed (`sim-job.output`, recorded by the executor), and what clients read.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { RunContext } from '../checker.js';

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
  readonly text: string;
  readonly event: TraceEvent;
}

export interface JobRunnerFacts {
  readonly concurrencyLimit: number | undefined;
  readonly jobs: ReadonlyMap<string, JobFacts>;
  readonly transitions: readonly TransitionFact[];
  readonly stopRequests: readonly { readonly job: string; readonly state: string; readonly event: TraceEvent }[];
  /** Each execution's chunks as printed: `[seq, bytes]`. */
  readonly printed: ReadonlyMap<string, { readonly seq: number; readonly bytes: number }[]>;
  readonly reads: readonly ReadFact[];
}

export function jobRunnerFacts(trace: readonly TraceEvent[]): JobRunnerFacts {
  let concurrencyLimit: number | undefined;
  const jobs = new Map<string, JobFacts>();
  const transitions: TransitionFact[] = [];
  const stopRequests: { job: string; state: string; event: TraceEvent }[] = [];
  const printed = new Map<string, { seq: number; bytes: number }[]>();
  const reads: ReadFact[] = [];
  for (const event of trace) {
    const data = (event.data ?? {}) as Record<string, unknown>;
    switch (event.kind) {
      case 'job-runner.open':
        concurrencyLimit ??= Number(data.concurrencyLimit);
        break;
      case 'job.queued':
        jobs.set(String(data.job), { id: String(data.job), queued: event, ...(typeof data.startAtMs === 'number' ? { startAtMs: data.startAtMs } : {}) });
        break;
      case 'job.transition':
        transitions.push({ job: String(data.job), from: String(data.from), to: String(data.to), clockMs: Number(data.clockMs), event });
        break;
      case 'job.execution': {
        const job = jobs.get(String(data.job));
        if (job !== undefined) job.execution = String(data.execution);
        break;
      }
      case 'job.stop-requested':
        stopRequests.push({ job: String(data.job), state: String(data.state), event });
        break;
      case 'sim-job.output': {
        const list = printed.get(String(data.execution)) ?? [];
        list.push({ seq: Number(data.seq), bytes: Number(data.bytes) });
        printed.set(String(data.execution), list);
        break;
      }
      case 'client.output':
        reads.push({ job: String(data.job), how: data.how === 'stream' ? 'stream' : 'whole', text: String(data.text), event });
        break;
    }
  }
  return { concurrencyLimit, jobs, transitions, stopRequests, printed, reads };
}

/** The facts of a run, read once and shared by every job-runner checker (`run.derive(jobRunnerFactsOf)`). */
export function jobRunnerFactsOf(run: RunContext): JobRunnerFacts {
  return jobRunnerFacts(run.trace);
}
