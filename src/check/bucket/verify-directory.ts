/**
 * `judgeBucketRun`: judges a real run from what it left behind — the bucket directory, and the
 * workers' captured output (standard output and standard error in one file per worker, e.g.
 * `simrun bucket worker ... >w1.log 2>&1`): every file committed exactly once with the right output,
 * nothing left waiting, and every statistics line right. Reading the directory and the logs is real
 * mode's (`src/real/bucket/verify.ts`); this only judges what was read.
 *
 * The logs are turned back into a trace (each JSON log line is an event; each other line is a
 * printed line of the worker whose events surround it) and judged by the same checkers as a
 * simulation. Without logs only the directory is judged: outputs, inputs and their ETL.
 */
import { parseLogLine } from '../../env/log-line.js';
import { bucketEvents } from '../../systems/bucket/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { checkExactlyOnce } from './exactly-once.js';
import { checkStatistics } from './statistics.js';
import type { BucketVolume } from './volume.js';

/** What a real run left behind, already read. */
export interface BucketRunRecord {
  /** The bucket directory, as named in messages. */
  readonly dir: string;
  readonly volume: BucketVolume;
  /** Captured output of each worker (and optionally the provider), one per process. */
  readonly logs: readonly { readonly path: string; readonly text: string }[];
}

export interface BucketVerdict {
  readonly status: 'passed' | 'violated';
  readonly files: { readonly dropped: number; readonly committed: number; readonly waiting: number; readonly rejected: number; readonly skipped: number };
  /** Input-named entries no worker reads (not regular files), with why: reported, not violations. */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
  /** Commits seen in the logs, and statistics lines checked. */
  readonly commitsLogged: number;
  readonly statisticsLines: number;
  readonly violations: readonly Violation[];
}

export async function judgeBucketRun(record: BucketRunRecord): Promise<BucketVerdict> {
  const { volume } = record;
  const logged = record.logs.map((log) => traceOfLog(log.path, log.text));
  const events = logged.flat().map((event, seq) => ({ ...event, seq }));
  // The provider's log names the drops; without it every input found anywhere counts as dropped.
  const haveDrops = events.some((event) => event.kind === 'bucket.drop');
  const seen = new Set([...volume.inbox, ...volume.processed, ...volume.rejected, ...volume.claimed, ...volume.outputs]);
  const drops: TraceEvent[] = haveDrops ? [] : [...seen].sort().map((file, index) => ({ seq: -1 - index, t: 0, pid: 'provider', kind: 'bucket.drop', data: { file } }));
  const trace = [...drops, ...events];
  const haveCommits = events.some((event) => event.kind === 'bucket.commit');

  const violations: Violation[] = [];
  const exactlyOnce = await checkExactlyOnce(trace, volume);
  // Without worker logs there are no traced commits to compare outputs with; the volume checks stand.
  violations.push(...(haveCommits ? exactlyOnce : exactlyOnce.filter((violation) => !violation.message.includes('without a traced commit'))));
  violations.push(...checkStatistics(trace));
  for (const file of [...volume.inbox].sort()) violations.push({ invariant: 'liveness', message: `${file} is still waiting in ${record.dir}: never processed` });
  const commitsLogged = events.filter((event) => event.kind === 'bucket.commit').length;
  return {
    status: violations.length === 0 ? 'passed' : 'violated',
    files: { dropped: haveDrops ? new Set(droppedFiles(events)).size : seen.size, committed: volume.outputs.size, waiting: volume.inbox.size, rejected: volume.rejected.size, skipped: volume.skipped.size },
    skipped: [...volume.skipped].sort(([a], [b]) => a.localeCompare(b)).map(([file, reason]) => ({ file, reason })),
    commitsLogged,
    statisticsLines: events.filter((event) => event.kind === 'stdout').length,
    violations,
  };
}

/** The files named by the `bucket.drop` events among `events`. */
function droppedFiles(events: readonly TraceEvent[]): string[] {
  return bucketEvents.of(events).flatMap((event) => (event.kind === 'bucket.drop' ? [event.data.file] : []));
}

/** One process's captured output as trace events (`seq` assigned by the caller). */
export function traceOfLog(path: string, text: string): Array<Omit<TraceEvent, 'seq'>> {
  const events: Array<Omit<TraceEvent, 'seq'>> = [];
  let pid = path;
  let t = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = parseLogLine(line);
    if (parsed === undefined) {
      // A printed line: it belongs to the process whose log lines surround it.
      if (isStatisticsLine(line)) events.push({ t, pid, kind: 'stdout', data: { line } });
      continue;
    }
    pid = parsed.pid;
    t = parsed.t;
    events.push({ t, pid, kind: parsed.kind, ...(parsed.data === undefined ? {} : { data: parsed.data }) });
  }
  return events;
}

/** A worker's printed statistics line (`Files processed: N, ...`). */
function isStatisticsLine(line: string): boolean {
  return line.startsWith('Files processed');
}

/** Whether `text` holds a line `traceOfLog` reads (a log line or a statistics line): a process's captured output. */
export function holdsProcessLogLines(text: string): boolean {
  return text.split('\n').some((line) => isStatisticsLine(line) || parseLogLine(line) !== undefined);
}
