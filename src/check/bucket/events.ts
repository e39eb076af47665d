/**
 * The bucket system's trace events, read back for the checkers. The names and fields are the ones
 * `src/systems/bucket/worker.ts` and `provider.ts` document; a checker never trusts a worker's own
 * conclusions, only these facts.
 */
import type { TraceEvent } from '../../sim/trace.js';

export interface DropFact {
  readonly file: string;
  /** When the whole file was in place (world time, ms since the Unix epoch). */
  readonly t: number;
  readonly minutes: number;
  readonly seq: number;
}

export interface CommitFact {
  readonly file: string;
  readonly pid: string;
  readonly token: number;
  readonly minutes: number;
  readonly t: number;
  readonly seq: number;
}

export function dropsOf(trace: readonly TraceEvent[]): Map<string, DropFact> {
  const drops = new Map<string, DropFact>();
  for (const event of trace) {
    if (event.kind !== 'bucket.drop') continue;
    const file = String(event.data?.file);
    if (!drops.has(file)) drops.set(file, { file, t: event.t, minutes: Number(event.data?.minutes), seq: event.seq });
  }
  return drops;
}

export function commitsOf(trace: readonly TraceEvent[]): CommitFact[] {
  return trace
    .filter((event) => event.kind === 'bucket.commit')
    .map((event) => ({ file: String(event.data?.file), pid: event.pid, token: Number(event.data?.token), minutes: Number(event.data?.minutes), t: event.t, seq: event.seq }));
}

/** The process name of an incarnation id: `worker-2#3` → `worker-2`. */
export function processName(pid: string): string {
  const hash = pid.lastIndexOf('#');
  return hash < 0 ? pid : pid.slice(0, hash);
}
