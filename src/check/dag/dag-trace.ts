/**
 * The facts the DAG invariants read from a trace: the pipeline as the runner opened it, every
 * attempt's start and end, every notification, and what each simulated execution really did
 * (`sim-job.*`, recorded by the executor, not by the runner). Pure: a trace in, facts out.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { RunContext } from '../checker.js';

export interface DagJobFacts {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly startAtMs?: number;
  readonly maxRuntimeMs?: number;
  readonly maxOutputBytes?: number;
  readonly retries: number;
}

export interface AttemptStart {
  readonly job: string;
  readonly attempt: number;
  readonly execution: string;
  readonly event: TraceEvent;
}

export interface AttemptEnd {
  readonly job: string;
  readonly attempt: number;
  readonly execution: string;
  readonly outcome: 'succeeded' | 'retrying' | 'failed' | 'stopped';
  readonly event: TraceEvent;
}

export interface NotificationFact {
  readonly kind: string;
  readonly job: string;
  readonly attempt: number;
  readonly execution: string;
  readonly event: TraceEvent;
}

/** What one simulated execution did: when it started and ended (true time), and each chunk's size. */
export interface ExecutionFacts {
  readonly id: string;
  readonly start: TraceEvent;
  exit?: TraceEvent;
  readonly outputs: { readonly bytes: number; readonly event: TraceEvent }[];
}

export interface DagFacts {
  /** Empty when the runner never opened the pipeline. */
  readonly jobs: readonly DagJobFacts[];
  readonly starts: readonly AttemptStart[];
  readonly ends: readonly AttemptEnd[];
  readonly notifications: readonly NotificationFact[];
  readonly executions: ReadonlyMap<string, ExecutionFacts>;
  /** Operator stops of jobs that were not running, and (re)starts, by job. */
  readonly stops: readonly { readonly job: string; readonly event: TraceEvent }[];
  readonly restarts: readonly { readonly job: string; readonly event: TraceEvent }[];
  /** Whether an incarnation of the runner was alive when the trace ends, and which one. */
  readonly runnerAliveAtEnd: boolean;
  readonly lastRunnerPid: string | undefined;
}

/** The runner process's name in the DAG scenario; `runnerName` selects another. */
export const DAG_RUNNER = 'dag-runner';

export function dagFacts(trace: readonly TraceEvent[], runnerName = DAG_RUNNER): DagFacts {
  let jobs: DagJobFacts[] = [];
  const starts: AttemptStart[] = [];
  const ends: AttemptEnd[] = [];
  const notifications: NotificationFact[] = [];
  const executions = new Map<string, ExecutionFacts>();
  const stops: { job: string; event: TraceEvent }[] = [];
  const restarts: { job: string; event: TraceEvent }[] = [];
  let runnerAliveAtEnd = false;
  let lastRunnerPid: string | undefined;
  for (const event of trace) {
    const data = (event.data ?? {}) as Record<string, unknown>;
    if (event.pid.startsWith(`${runnerName}#`)) {
      if (event.kind === 'process.start') {
        runnerAliveAtEnd = true;
        lastRunnerPid = event.pid;
      } else if (event.pid === lastRunnerPid && (event.kind === 'process.crash' || event.kind === 'process.exit' || event.kind === 'process.error')) {
        runnerAliveAtEnd = false;
      }
    }
    switch (event.kind) {
      case 'dag.open':
        if (jobs.length === 0) jobs = (data.jobs as DagJobFacts[]) ?? [];
        break;
      case 'dag.job.start':
        starts.push({ job: String(data.job), attempt: Number(data.attempt), execution: String(data.execution), event });
        break;
      case 'dag.job.end':
        ends.push({ job: String(data.job), attempt: Number(data.attempt), execution: String(data.execution), outcome: data.outcome as AttemptEnd['outcome'], event });
        break;
      case 'dag.notify':
        notifications.push({ kind: String(data.kind), job: String(data.job), attempt: Number(data.attempt), execution: String(data.execution), event });
        break;
      case 'dag.job.stopped':
        stops.push({ job: String(data.job), event });
        break;
      case 'dag.job.restarted':
        restarts.push({ job: String(data.job), event });
        break;
      case 'sim-job.start':
        executions.set(String(data.execution), { id: String(data.execution), start: event, outputs: [] });
        break;
      case 'sim-job.output':
        executions.get(String(data.execution))?.outputs.push({ bytes: Number(data.bytes), event });
        break;
      case 'sim-job.exit': {
        const execution = executions.get(String(data.execution));
        if (execution !== undefined) execution.exit = event;
        break;
      }
    }
  }
  return { jobs, starts, ends, notifications, executions, stops, restarts, runnerAliveAtEnd, lastRunnerPid };
}

/** Every job downstream of `name` (not including it), through any chain. */
export function downstreamClosure(jobs: readonly DagJobFacts[], name: string): Set<string> {
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const job of jobs) {
      if (job.dependsOn.includes(current) && !seen.has(job.name)) {
        seen.add(job.name);
        stack.push(job.name);
      }
    }
  }
  return seen;
}

/** The facts of a run, read once and shared by every DAG checker (`run.derive(dagFactsOf)`). */
export function dagFactsOf(run: RunContext): DagFacts {
  return dagFacts(run.trace);
}
