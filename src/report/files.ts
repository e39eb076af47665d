/**
 * The files table of a bucket run, derived from its `bucket.*` events: for each file, the time its
 * name promises, when it appeared, who claimed it (with which token), how many times processing
 * started, and who committed it. Every `BucketEvent` with a `file` field counts.
 */
import type { TraceEvent } from '../sim/trace.js';
import { bucketEvents } from '../systems/bucket/events.js';

export interface FileClaim {
  readonly pid: string;
  readonly t: number;
  readonly token?: number;
  readonly seq: number;
}

export interface FileRow {
  readonly file: string;
  /** Virtual ms past the epoch that the file's name stands for (`2020_08_18_02_15.txt`), when it has one. */
  readonly namedMs?: number;
  /** When the provider dropped it, ms past the epoch. */
  readonly appearedMs?: number;
  readonly claims: readonly FileClaim[];
  /** Times processing started (`bucket.process.start`), or claims when the system logs no starts. */
  readonly attempts: number;
  readonly commits: readonly FileClaim[];
  /** `committed`: exactly once; `duplicate`: more than once; `pending`: never. */
  readonly state: 'committed' | 'duplicate' | 'pending';
  /** The file's first event, to jump to. */
  readonly seq: number;
}

/** One row per file named by a `bucket.*` event, in order of first appearance; empty when there are none. */
export function deriveFiles(trace: readonly TraceEvent[], epochMs: number): FileRow[] {
  const rows = new Map<string, { file: string; namedMs?: number; appearedMs?: number; claims: FileClaim[]; starts: number; commits: FileClaim[]; seq: number }>();
  for (const event of bucketEvents.of(trace)) {
    const data = event.data;
    if (!('file' in data)) continue;
    const { file } = data;
    let row = rows.get(file);
    if (row === undefined) {
      const namedMs = namedTime(file, 'namedAtMs' in data ? data.namedAtMs : undefined, epochMs);
      row = { file, ...(namedMs === undefined ? {} : { namedMs }), claims: [], starts: 0, commits: [], seq: event.seq };
      rows.set(file, row);
    }
    const t = event.t - epochMs;
    const token = 'token' in data ? data.token : undefined;
    const mark: FileClaim = { pid: event.pid, t, seq: event.seq, ...(token === undefined ? {} : { token }) };
    if (event.kind === 'bucket.drop') row.appearedMs ??= t;
    else if (event.kind === 'bucket.claim') row.claims.push(mark);
    else if (event.kind === 'bucket.process.start') row.starts += 1;
    else if (event.kind === 'bucket.commit') row.commits.push(mark);
  }
  return [...rows.values()].map(({ starts, ...row }) => ({
    ...row,
    attempts: starts > 0 ? starts : row.claims.length,
    state: row.commits.length === 0 ? 'pending' : row.commits.length === 1 ? 'committed' : 'duplicate',
  }));
}

/** The time a file's name stands for: an explicit `namedAtMs` (epoch ms, from its drop), or `YYYY_MM_DD_HH_MM` in the name, read as UTC. */
function namedTime(file: string, namedAt: unknown, epochMs: number): number | undefined {
  if (typeof namedAt === 'number') return namedAt - epochMs;
  const match = /(\d{4})_(\d{2})_(\d{2})_(\d{2})_(\d{2})/.exec(file);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute] = match.map(Number) as number[];
  const ms = Date.UTC(year as number, (month as number) - 1, day, hour, minute);
  return Number.isFinite(ms) ? ms - epochMs : undefined;
}
