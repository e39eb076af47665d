/**
 * The facts the DAG invariants read from a trace: the pipeline as the runner opened it, every
 * attempt's start and end, every notification, and what each simulated execution really did
 * (`sim-job.*`, recorded by the executor, not by the runner). Pure: a trace in, facts out.
 */
import { processEvents } from '../../sim/events.js';
import { processName } from '../../sim/process-id.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { RunContext } from '../checker.js';
import { dagEvents, type AttemptOutcome, type OpenedJob } from '../../systems/dag/events.js';
import type { NotificationKind } from '../../systems/dag/notifier.js';
import { simJobEvents } from '../../systems/job-runner/events.js';

/** A job of the pipeline as the runner opened it. */
export type DagJobFacts = OpenedJob;

export interface AttemptStart {
  readonly job: string;
  readonly attempt: number;
  readonly execution: string;
  readonly event: TraceEvent;
  /**
   * When its runner heard the run log took the row naming its execution (`dag.row` `running`, after
   * the start): the runner releases a held start and arms its runtime monitor then. Absent: never.
   */
  recorded?: TraceEvent;
}

export interface AttemptEnd {
  readonly job: string;
  readonly attempt: number;
  readonly execution: string;
  readonly outcome: AttemptOutcome;
  readonly event: TraceEvent;
}

export interface NotificationFact {
  readonly kind: NotificationKind;
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
  /** The pipeline's `max_parallel`, when it has one. */
  readonly maxParallel: number | undefined;
  readonly starts: readonly AttemptStart[];
  readonly ends: readonly AttemptEnd[];
  readonly notifications: readonly NotificationFact[];
  readonly executions: ReadonlyMap<string, ExecutionFacts>;
  /** Held executions that ended before their release, their command never run (`sim-job.never-ran`), by id. */
  readonly neverRan: ReadonlyMap<string, TraceEvent>;
  /** Operator stops of jobs that were not running, and (re)starts whose `restarted` row was written, by job. */
  readonly stops: readonly { readonly job: string; readonly event: TraceEvent }[];
  readonly restarts: readonly { readonly job: string; readonly event: TraceEvent }[];
  /** Operator commands as a runner took them (`job` null: every job). */
  readonly commands: readonly { readonly action: string; readonly job: string | null; readonly event: TraceEvent }[];
  /** Whether an incarnation of the runner was alive when the trace ends, and which one. */
  readonly runnerAliveAtEnd: boolean;
  readonly lastRunnerPid: string | undefined;
}

/** The runner process's name in the DAG scenario; `runnerName` selects another. */
export const DAG_RUNNER = 'dag-runner';

export function dagFacts(trace: readonly TraceEvent[], runnerName = DAG_RUNNER): DagFacts {
  let jobs: readonly DagJobFacts[] = [];
  let maxParallel: number | undefined;
  const starts: AttemptStart[] = [];
  const ends: AttemptEnd[] = [];
  const notifications: NotificationFact[] = [];
  const executions = new Map<string, ExecutionFacts>();
  const neverRan = new Map<string, TraceEvent>();
  // Restarts whose `restarted` row is not written yet, by `pid job`.
  const unwrittenRestarts = new Map<string, TraceEvent>();
  // Attempt ends whose `restarted` row was written with them (`rerun`), by `pid job`.
  const restartedWithEnd = new Set<string>();
  // Attempt starts whose runner has not yet written another row of the attempt, by `pid job attempt`.
  const unrecorded = new Map<string, AttemptStart>();
  const stops: { job: string; event: TraceEvent }[] = [];
  const restarts: { job: string; event: TraceEvent }[] = [];
  const commands: { action: string; job: string | null; event: TraceEvent }[] = [];
  let runnerAliveAtEnd = false;
  let lastRunnerPid: string | undefined;
  for (const event of trace) {
    if (processEvents.is(event)) {
      if (processName(event.pid) !== runnerName) continue;
      if (event.kind === 'process.start') {
        runnerAliveAtEnd = true;
        lastRunnerPid = event.pid;
      } else if (event.pid === lastRunnerPid && (event.kind === 'process.crash' || event.kind === 'process.exit' || event.kind === 'process.error')) {
        runnerAliveAtEnd = false;
      }
    } else if (dagEvents.is(event)) {
      switch (event.kind) {
        case 'dag.open':
          if (jobs.length === 0) {
            jobs = event.data.jobs;
            maxParallel = event.data.maxParallel;
          }
          break;
        case 'dag.job.start': {
          const { job, attempt, execution } = event.data;
          const start: AttemptStart = { job, attempt, execution, event };
          starts.push(start);
          unrecorded.set(`${event.pid} ${job} ${attempt}`, start);
          break;
        }
        case 'dag.row': {
          const restart = unwrittenRestarts.get(`${event.pid} ${event.data.job}`);
          if (restart !== undefined && event.data.status === 'restarted') {
            unwrittenRestarts.delete(`${event.pid} ${event.data.job}`);
            restarts.push({ job: event.data.job, event: restart });
          }
          const key = `${event.pid} ${event.data.job} ${event.data.attempt}`;
          const start = unrecorded.get(key);
          if (start === undefined) break;
          unrecorded.delete(key);
          if (event.data.status === 'running') start.recorded = event;
          break;
        }
        case 'dag.job.end': {
          const { job, attempt, execution, outcome } = event.data;
          ends.push({ job, attempt, execution, outcome, event });
          if (event.data.rerun === true) restartedWithEnd.add(`${event.pid} ${job}`);
          break;
        }
        case 'dag.notify': {
          const { kind, job, attempt, execution } = event.data;
          notifications.push({ kind, job, attempt, execution, event });
          break;
        }
        case 'dag.job.stopped':
          stops.push({ job: event.data.job, event });
          break;
        case 'dag.job.restarted': {
          const key = `${event.pid} ${event.data.job}`;
          // Counted once its row is written: a runner that died first leaves the job as it was. A
          // rerun that waited for an attempt to end wrote its row with that end, just traced.
          if (restartedWithEnd.delete(key)) restarts.push({ job: event.data.job, event });
          else unwrittenRestarts.set(key, event);
          break;
        }
        case 'dag.command':
          commands.push({ action: event.data.action, job: event.data.job, event });
          break;
      }
    } else if (simJobEvents.is(event)) {
      const { execution: id } = event.data;
      switch (event.kind) {
        case 'sim-job.start':
          executions.set(id, { id, start: event, outputs: [] });
          break;
        case 'sim-job.output':
          executions.get(id)?.outputs.push({ bytes: event.data.bytes, event });
          break;
        case 'sim-job.exit': {
          const execution = executions.get(id);
          if (execution !== undefined) execution.exit = event;
          break;
        }
        case 'sim-job.never-ran':
          neverRan.set(id, event);
          break;
      }
    }
  }
  return { jobs, maxParallel, starts, ends, notifications, executions, neverRan, stops, restarts, commands, runnerAliveAtEnd, lastRunnerPid };
}

/**
 * The success `name` stands on: its last attempt's end, if that was a success and no restart of the
 * job (a rerun, written to the run log) came after it. A job reset by a rerun waits to run again,
 * whatever its last attempt came to.
 */
export function standingSuccess(facts: DagFacts, name: string): TraceEvent | undefined {
  const end = facts.ends.filter((candidate) => candidate.job === name).at(-1);
  if (end?.outcome !== 'succeeded') return undefined;
  const restartedSince = facts.restarts.some((restart) => restart.job === name && restart.event.seq > end.event.seq);
  return restartedSince ? undefined : end.event;
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
