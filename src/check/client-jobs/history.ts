/**
 * What the client-jobs invariants judge: each job's attempts (one per incarnation of its process),
 * read from the trace, and each client's final output. The checkers are pure functions of this, so a
 * test can feed them a hand-made bad history.
 */
import { processEvents } from '../../sim/events.js';
import { processName } from '../../sim/process-id.js';
import type { TraceEvent } from '../../sim/trace.js';
import { clientJobEvents } from '../../systems/client-jobs/events.js';

/** A job of the workload: which client, its number, and the simulated process that runs it. */
export interface ExpectedJob {
  readonly client: string;
  readonly job: number;
  readonly process: string;
}

/** One incarnation of a job's process, from queueing to its end. Times are virtual ms; seqs order exactly. */
export interface JobAttempt {
  readonly client: string;
  readonly job: number;
  readonly pid: string;
  readonly queuedAt: number;
  /** Its ticket in its client's waiting line (the store's order of arrival), once it joined it. */
  readonly ticket?: number;
  readonly inLineSeq?: number;
  /** Its place in line lapsed at some point: it was no longer owed its turn. */
  readonly lostPlace?: boolean;
  /** When it got its client's exclusion (the lock), if it did. */
  readonly startedAt?: number;
  readonly startedSeq?: number;
  /** When it stopped running: its own report, or its process's crash. Absent while it still ran at the end. */
  readonly endedAt?: number;
  readonly endedSeq?: number;
  /** `crashed`: its process died (its supervisor reports that); `unfinished`: still waiting or running at the end. */
  readonly outcome: 'succeeded' | 'failed' | 'crashed' | 'unfinished';
}

export interface ClientOutput {
  readonly client: string;
  readonly path: string;
  /** The file's content at the end, `''` when it does not exist. */
  readonly content: string;
}

export interface ClientJobsHistory {
  readonly expected: readonly ExpectedJob[];
  readonly attempts: readonly JobAttempt[];
  readonly outputs: readonly ClientOutput[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Builds the attempts of `expected` jobs from a trace. */
export function attemptsFromTrace(trace: readonly TraceEvent[], expected: readonly ExpectedJob[]): JobAttempt[] {
  const jobOfProcess = new Map(expected.map((job) => [job.process, job]));
  const attempts = new Map<string, Mutable<JobAttempt>>();
  for (const event of trace) {
    if (!clientJobEvents.is(event) && !processEvents.is(event)) continue;
    const job = jobOfProcess.get(processName(event.pid));
    if (job === undefined) continue;
    const attempt = attempts.get(event.pid);
    switch (event.kind) {
      case 'client-job.queued':
        attempts.set(event.pid, { client: job.client, job: job.job, pid: event.pid, queuedAt: event.t, outcome: 'unfinished' });
        break;
      case 'client-job.in-line':
        if (attempt && attempt.ticket === undefined) Object.assign(attempt, { ticket: event.data.ticket, inLineSeq: event.seq });
        break;
      case 'client-job.lost-place':
        if (attempt) attempt.lostPlace = true;
        break;
      case 'client-job.started':
        if (attempt) Object.assign(attempt, { startedAt: event.t, startedSeq: event.seq });
        break;
      case 'client-job.succeeded':
      case 'client-job.failed':
        if (attempt) Object.assign(attempt, { endedAt: event.t, endedSeq: event.seq, outcome: event.kind === 'client-job.succeeded' ? 'succeeded' : 'failed' });
        break;
      case 'process.crash':
      case 'process.error':
        if (attempt && attempt.outcome === 'unfinished') Object.assign(attempt, { endedAt: event.t, endedSeq: event.seq, outcome: 'crashed' });
        break;
    }
  }
  return [...attempts.values()];
}

/** Successful attempts per client. */
export function successesByClient(attempts: readonly JobAttempt[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const attempt of attempts) if (attempt.outcome === 'succeeded') counts.set(attempt.client, (counts.get(attempt.client) ?? 0) + 1);
  return counts;
}
