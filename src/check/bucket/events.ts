/**
 * The bucket system's trace events (`BucketEvent`, `src/systems/bucket/events.ts`), read back as the
 * facts the checkers judge; a checker never trusts a worker's own conclusions, only these facts.
 */
import type { RecordedEvent } from '../../env/events.js';
import { bucketEvents } from '../../systems/bucket/events.js';

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

export function dropsOf(trace: readonly RecordedEvent[]): Map<string, DropFact> {
  const drops = new Map<string, DropFact>();
  for (const event of trace) {
    if (!bucketEvents.is(event) || event.kind !== 'bucket.drop') continue;
    const { file, minutes } = event.data;
    if (!drops.has(file)) drops.set(file, { file, t: event.t, minutes, seq: event.seq });
  }
  return drops;
}

export function commitsOf(trace: readonly RecordedEvent[]): CommitFact[] {
  const commits: CommitFact[] = [];
  for (const event of trace) {
    if (!bucketEvents.is(event) || event.kind !== 'bucket.commit') continue;
    const { file, token, minutes } = event.data;
    commits.push({ file, pid: event.pid, token, minutes, t: event.t, seq: event.seq });
  }
  return commits;
}
