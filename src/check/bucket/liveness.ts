/**
 * Liveness: every dropped file is done by the end of the run — its input in `processed/` with its
 * output, or in `rejected/` with a reason — while workers were there to do it.
 *
 * Tolerance: a file is only required done if, between its drop and the end of the run, some worker
 * incarnation was running for at least `graceMs` in total (time paused counts as running; the grace
 * covers a claim left by a dead worker expiring, the longest file's processing, and a backlog).
 * A file dropped later, or a run whose workers were all down, is exempt. Down means crashed or
 * stopped (a SIGTERM): a worker that returns on its own before the run ends was meant to run to the
 * end, so its time after it quit counts as running, and the files it left are required done.
 */
import { processName } from '../../sim/process-id.js';
import { processEvents } from '../../sim/events.js';
import type { TraceEvent } from '../../sim/trace.js';
import type { Violation } from '../violation.js';
import { dropsOf } from './events.js';
import type { BucketVolume } from './volume.js';
import type { Checker, TraceInput } from '../checker.js';

const LIVENESS = 'liveness';

export interface LivenessOptions {
  readonly graceMs: number;
  /** World time at the end of the run, ms since the Unix epoch. */
  readonly endMs: number;
  /** Which trace pids are workers, default: names starting with `worker-`. */
  readonly isWorker?: (pid: string) => boolean;
}

export function checkLiveness(trace: readonly TraceEvent[], volume: BucketVolume, options: LivenessOptions): Violation[] {
  const isWorker = options.isWorker ?? ((pid: string) => processName(pid).startsWith('worker-'));
  const { intervals, quits } = aliveIntervals(trace, isWorker, options.endMs);
  const violations: Violation[] = [];
  for (const [file, drop] of dropsOf(trace)) {
    const done = (volume.processed.has(file) && volume.outputs.has(file)) || volume.rejected.has(file);
    if (done) continue;
    const coverMs = unionLength(intervals, drop.t, options.endMs);
    if (coverMs < options.graceMs) continue;
    const where = volume.inbox.has(file) ? 'still waiting in the bucket' : volume.claimed.has(file) ? 'stuck in claimed/' : volume.processed.has(file) ? 'marked done without output' : 'gone';
    const quitters = quits.filter((quit) => quit.t < options.endMs).map((quit) => quit.pid);
    const quitNote = quitters.length === 0 ? '' : `; ${quitters.join(', ')} returned on ${quitters.length === 1 ? 'its own, unstopped, and counts' : 'their own, unstopped, and count'} as running`;
    violations.push({
      invariant: LIVENESS,
      message: `${file} is not done at the end of the run (${where}), although workers ran for ${Math.round(coverMs / 1000)} s after it was dropped (grace ${Math.round(options.graceMs / 1000)} s${quitNote})`,
      atMs: drop.t,
      eventSeq: drop.seq,
    });
  }
  return violations;
}

/**
 * [start, end) of every worker incarnation's life, from `process.*` events; an incarnation that
 * exited without a SIGTERM (it returned on its own) lives to the end of the run, and is listed.
 */
function aliveIntervals(trace: readonly TraceEvent[], isWorker: (pid: string) => boolean, endMs: number): { intervals: Array<[number, number]>; quits: Array<{ pid: string; t: number }> } {
  const started = new Map<string, number>();
  const signalled = new Set<string>();
  const intervals: Array<[number, number]> = [];
  const quits: Array<{ pid: string; t: number }> = [];
  for (const event of processEvents.of(trace)) {
    if (!isWorker(event.pid)) continue;
    if (event.kind === 'process.start') started.set(event.pid, event.t);
    else if (event.kind === 'process.signal') signalled.add(event.pid);
    else if (event.kind === 'process.crash' || event.kind === 'process.exit' || event.kind === 'process.error') {
      const start = started.get(event.pid);
      started.delete(event.pid);
      if (start === undefined) continue;
      if (event.kind === 'process.exit' && !signalled.has(event.pid)) {
        quits.push({ pid: event.pid, t: event.t });
        intervals.push([start, endMs]);
      } else {
        intervals.push([start, event.t]);
      }
    }
  }
  for (const start of started.values()) intervals.push([start, endMs]);
  return { intervals, quits };
}

/** Length of the union of `intervals` clipped to [from, to). */
function unionLength(intervals: ReadonlyArray<[number, number]>, from: number, to: number): number {
  const clipped = intervals
    .map(([start, end]): [number, number] => [Math.max(start, from), Math.min(end, to)])
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let coveredTo = from;
  for (const [start, end] of clipped) {
    const begin = Math.max(start, coveredTo);
    if (end > begin) total += end - begin;
    coveredTo = Math.max(coveredTo, end);
  }
  return total;
}

export const liveness: Checker<TraceInput & { readonly volume: BucketVolume; readonly liveness: LivenessOptions }> = {
  name: LIVENESS,
  description: 'every dropped file is done by the horizon if workers ran long enough after its drop',
  check: ({ trace, volume, liveness: options }) => checkLiveness(trace, volume, options),
};
