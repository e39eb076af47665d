/**
 * Invariant `clients-in-parallel`: jobs of different clients run at the same time when they can, so
 * per-client exclusion never turns into one global queue.
 *
 * Precisely: for two clients A and B, let the common span be the time both had a job not yet ended
 * (from the later first queueing to the earlier last end). If that span is longer than `toleranceMs`
 * (the caller's bound on how long a client can legitimately sit idle: a lock backoff wait, plus a
 * lease TTL for each crashed job whose lock had to lapse), some job of A must have run while some job
 * of B ran.
 */
import type { Violation } from '../violation.js';
import type { ClientJobsHistory, JobAttempt } from './history.js';
import type { Checker } from '../checker.js';

const CLIENTS_IN_PARALLEL = 'clients-in-parallel';

export interface ParallelismBound {
  /** Idle time a client may legitimately have while another runs, before crashes. */
  readonly baseToleranceMs: number;
  /** Added for each process crash among the two clients' jobs (a lease that must lapse). */
  readonly perCrashToleranceMs: number;
}

export function checkClientsInParallel(history: ClientJobsHistory, bound: ParallelismBound, endAtMs: number): Violation[] {
  const byClient = new Map<string, JobAttempt[]>();
  for (const attempt of history.attempts) byClient.set(attempt.client, [...(byClient.get(attempt.client) ?? []), attempt]);
  const clients = [...byClient.keys()].sort();
  const violations: Violation[] = [];
  for (let i = 0; i < clients.length; i += 1) {
    for (let j = i + 1; j < clients.length; j += 1) {
      const a = byClient.get(clients[i]!)!;
      const b = byClient.get(clients[j]!)!;
      const from = Math.max(firstQueued(a), firstQueued(b));
      const to = Math.min(lastEnd(a, endAtMs), lastEnd(b, endAtMs));
      const crashes = [...a, ...b].filter((attempt) => attempt.outcome === 'crashed').length;
      const toleranceMs = bound.baseToleranceMs + crashes * bound.perCrashToleranceMs;
      if (to - from <= toleranceMs) continue;
      if (!a.some((x) => b.some((y) => overlap(x, y)))) {
        violations.push({
          invariant: CLIENTS_IN_PARALLEL,
          message: `clients ${clients[i]} and ${clients[j]} both had jobs waiting for ${to - from} ms (more than ${toleranceMs} ms), yet none of their jobs ever ran at the same time`,
          atMs: from,
        });
      }
    }
  }
  return violations;
}

function firstQueued(attempts: readonly JobAttempt[]): number {
  return Math.min(...attempts.map((attempt) => attempt.queuedAt));
}

function lastEnd(attempts: readonly JobAttempt[], endAtMs: number): number {
  return Math.max(...attempts.map((attempt) => attempt.endedAt ?? endAtMs));
}

function overlap(x: JobAttempt, y: JobAttempt): boolean {
  if (x.startedSeq === undefined || y.startedSeq === undefined) return false;
  return x.startedSeq < (y.endedSeq ?? Infinity) && y.startedSeq < (x.endedSeq ?? Infinity);
}

export const clientsInParallel: Checker<{ readonly history: ClientJobsHistory; readonly parallelism: ParallelismBound; readonly endAtMs: number }> = {
  name: CLIENTS_IN_PARALLEL,
  description: "different clients' jobs ran at the same time whenever both had jobs waiting for long",
  check: ({ history, parallelism, endAtMs }) => checkClientsInParallel(history, parallelism, endAtMs),
};
