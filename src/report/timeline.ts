/**
 * The swimlane model of a run, derived from its trace: one lane per process incarnation (alive from
 * start to exit, crash or the horizon; lock held; activities; paused; marks for lifecycle changes and
 * faults) and one lane per lock key (who held it, with which token). Times are virtual ms past the
 * run's epoch, so the report can print them the way the CLI does.
 *
 * Activities are generic: any pair of `<name>.start` / `<name>.end` events from one process (other
 * than the kernel's own `process.*`) is a span, matched on the event's `file`, `key`, `id` or `job`
 * field, so a new system gets its spans without the report knowing about it.
 */
import { lockEvents } from '../locks/events.js';
import { faultEvents, processEvents } from '../sim/events.js';
import { processName } from '../sim/process-id.js';
import type { TraceEvent } from '../sim/trace.js';

export type SpanKind = 'lock' | 'activity' | 'paused';

export interface TimelineSpan {
  readonly kind: SpanKind;
  readonly start: number;
  readonly end: number;
  /** Short text drawn inside the span when it is wide enough. */
  readonly label: string;
  /** The trace event that opened the span. */
  readonly seq: number;
  /** True when the span never closed: its process crashed or the run ended first. */
  readonly cut?: boolean;
}

export type MarkKind = 'start' | 'restart' | 'crash' | 'exit' | 'error' | 'fault' | 'lock-lost' | 'lock-error' | 'lock-timeout' | 'skew';

export interface TimelineMark {
  readonly kind: MarkKind;
  readonly t: number;
  readonly seq: number;
  readonly label: string;
}

export interface ProcessLane {
  /** The incarnation, e.g. `worker-1#2`. */
  readonly pid: string;
  readonly start: number;
  readonly end: number;
  readonly endedBy: 'exit' | 'crash' | 'error' | 'horizon';
  readonly spans: readonly TimelineSpan[];
  readonly marks: readonly TimelineMark[];
}

export interface LockSegment {
  /** The incarnation that held it. */
  readonly pid: string;
  readonly token: number | null;
  readonly start: number;
  readonly end: number;
  /** `orphaned`: its holder crashed and the lease stayed until it expired. */
  readonly endedBy: 'released' | 'lost' | 'crashed' | 'orphaned' | 'open';
  readonly seq: number;
  /** Sub-row inside the key's lane: overlapping holders get their own rows. */
  readonly row: number;
  /** True when another holder held the same key at the same time. */
  readonly overlap: boolean;
}

export interface LockLane {
  readonly key: string;
  readonly rows: number;
  readonly segments: readonly LockSegment[];
}

export interface TimelineModel {
  /** Virtual ms past the epoch where the axis starts (0) and ends (the last moment of the run). */
  readonly startMs: number;
  readonly endMs: number;
  readonly processes: readonly ProcessLane[];
  readonly locks: readonly LockLane[];
  /** Faults the world injected, for the faults lane. */
  readonly faults: readonly TimelineMark[];
}

interface OpenLane {
  pid: string;
  start: number;
  end?: number;
  endedBy?: ProcessLane['endedBy'];
  spans: TimelineSpan[];
  marks: TimelineMark[];
  open: Map<string, { kind: SpanKind; start: number; label: string; seq: number }>;
}

/** Derives the swimlanes from a trace; `endMs` (past the epoch) closes whatever is still open. */
export function deriveTimeline(trace: readonly TraceEvent[], epochMs: number, endMs: number): TimelineModel {
  const lanes = new Map<string, OpenLane>();
  const locks = new LockTracker();
  const faults: TimelineMark[] = [];
  const names = new Set<string>();
  const lastT = trace.length === 0 ? 0 : (trace[trace.length - 1] as TraceEvent).t - epochMs;
  const horizon = Math.max(endMs, lastT);

  const laneOf = (event: TraceEvent, t: number): OpenLane => {
    let lane = lanes.get(event.pid);
    if (lane === undefined) {
      lane = { pid: event.pid, start: t, spans: [], marks: [], open: new Map() };
      lanes.set(event.pid, lane);
    }
    return lane;
  };
  const close = (lane: OpenLane, key: string, t: number, cut: boolean): void => {
    const open = lane.open.get(key);
    if (open === undefined) return;
    lane.open.delete(key);
    lane.spans.push({ ...open, end: Math.max(t, open.start), ...(cut ? { cut: true } : {}) });
  };
  const end = (lane: OpenLane, t: number, endedBy: ProcessLane['endedBy']): void => {
    lane.end = t;
    lane.endedBy = endedBy;
    for (const key of [...lane.open.keys()]) close(lane, key, t, true);
  };

  for (const event of trace) {
    const t = event.t - epochMs;
    if (event.pid === 'world') {
      if (faultEvents.is(event)) faults.push({ kind: 'fault', t, seq: event.seq, label: faultLabel(event.kind.slice('fault.'.length), event.data) });
      continue;
    }
    const lane = laneOf(event, t);
    if (processEvents.is(event)) {
      switch (event.kind) {
        case 'process.start': {
          const name = processName(event.pid);
          const restart = names.has(name);
          names.add(name);
          lane.start = t;
          lane.marks.push({ kind: restart ? 'restart' : 'start', t, seq: event.seq, label: restart ? `restarted as ${event.pid}` : `started ${event.pid}` });
          break;
        }
        case 'process.exit':
        case 'process.crash':
        case 'process.error': {
          const endedBy = event.kind === 'process.exit' ? 'exit' : event.kind === 'process.crash' ? 'crash' : 'error';
          const label = event.kind === 'process.error' ? `died: ${event.data.message}` : endedBy === 'exit' ? 'exited' : 'crashed';
          lane.marks.push({ kind: endedBy, t, seq: event.seq, label });
          end(lane, t, endedBy);
          locks.holderEnded(event.pid, t, endedBy === 'exit' ? 'released' : 'crashed');
          break;
        }
        case 'process.pause': {
          const until = event.data.untilMs - epochMs;
          lane.spans.push({ kind: 'paused', start: t, end: until, label: `paused ${formatMs(until - t)}`, seq: event.seq });
          break;
        }
        case 'process.skew':
          lane.marks.push({ kind: 'skew', t, seq: event.seq, label: `clock skew ${event.data.skewMs} ms` });
          break;
        case 'process.drift':
          lane.marks.push({ kind: 'skew', t, seq: event.seq, label: `clock drift ${event.data.driftPpm} ppm` });
          break;
      }
      continue;
    }
    if (lockEvents.is(event)) {
      switch (event.kind) {
        case 'lock.acquired': {
          const { key, token, expiresAt } = event.data;
          lane.open.set(`lock:${key}:${token}`, { kind: 'lock', start: t, label: `${key} #${token}`, seq: event.seq });
          // A trace read back from a file may lack the expiry (a hand-made one does): no orphaned lease then.
          locks.acquired(key, event.pid, token, t, event.seq, typeof expiresAt === 'number' ? expiresAt - epochMs : undefined);
          break;
        }
        case 'lock.released':
        case 'lock.lost': {
          const { key, token } = event.data;
          close(lane, `lock:${key}:${token}`, t, event.kind === 'lock.lost');
          locks.ended(key, event.pid, token, t, event.kind === 'lock.released' ? 'released' : 'lost');
          if (event.kind === 'lock.lost') lane.marks.push({ kind: 'lock-lost', t, seq: event.seq, label: `lost lock ${key} #${token}: ${event.data.reason}` });
          break;
        }
        case 'lock.error': {
          const { key, op, error } = event.data;
          lane.marks.push({ kind: 'lock-error', t, seq: event.seq, label: `lock error on ${key} (${op}): ${error}` });
          // A release that failed or timed out still ends the holding: the holder has let go, and the
          // lease lapses at its expiry at the latest.
          if (op === 'release') {
            const token = event.data.token ?? null;
            close(lane, `lock:${key}:${String(token)}`, t, false);
            locks.ended(key, event.pid, token, t, 'released');
          }
          break;
        }
        case 'lock.timeout':
          // Giving up on a busy key is routine for workers that poll; it gets a quiet mark.
          lane.marks.push({ kind: 'lock-timeout', t, seq: event.seq, label: `gave up waiting for ${event.data.key} after ${event.data.waitedMs} ms` });
          break;
      }
      continue;
    }
    // Any other `<name>.start` / `<name>.end` pair is an activity, whatever system recorded it.
    const activity = /^(.+)\.(start|end)$/.exec(event.kind);
    if (activity === null) continue;
    const [, name = '', edge] = activity;
    const subject = subjectOf(event.data ?? {});
    const key = `activity:${name}:${subject}`;
    if (edge === 'start') {
      close(lane, key, t, true);
      lane.open.set(key, { kind: 'activity', start: t, label: subject === '' ? name : subject, seq: event.seq });
    } else {
      close(lane, key, t, false);
    }
  }
  for (const lane of lanes.values()) if (lane.end === undefined) end(lane, horizon, 'horizon');
  locks.finish(horizon);

  const processes: ProcessLane[] = [...lanes.values()]
    .sort((a, b) => comparePids(a.pid, b.pid))
    .map((lane) => ({
      pid: lane.pid,
      start: lane.start,
      end: lane.end ?? horizon,
      endedBy: lane.endedBy ?? 'horizon',
      spans: lane.spans.sort((a, b) => a.start - b.start || a.seq - b.seq),
      marks: lane.marks,
    }));
  return { startMs: 0, endMs: Math.max(horizon, 1), processes, locks: locks.lanes(), faults };
}

/** Tracks who holds each lock key, including holders that crashed with the lease still granted. */
class LockTracker {
  private readonly segments = new Map<string, { pid: string; token: number | null; start: number; end?: number; endedBy?: LockSegment['endedBy']; seq: number; expiresAt?: number }[]>();

  acquired(key: string, pid: string, token: number | null, t: number, seq: number, expiresAt: number | undefined): void {
    const list = this.segments.get(key) ?? [];
    // A new holder ends an orphaned lease: the store handed the key over.
    for (const segment of list) if (segment.endedBy === 'orphaned' && (segment.end ?? Infinity) > t) segment.end = Math.max(segment.start, t);
    list.push({ pid, token, start: t, seq, ...(expiresAt === undefined ? {} : { expiresAt }) });
    this.segments.set(key, list);
  }

  ended(key: string, pid: string, token: number | null, t: number, endedBy: 'released' | 'lost'): void {
    const segment = this.segments.get(key)?.find((s) => s.pid === pid && s.token === token && s.end === undefined);
    if (segment === undefined) return;
    segment.end = t;
    segment.endedBy = endedBy;
  }

  holderEnded(pid: string, t: number, how: 'released' | 'crashed'): void {
    for (const [key, list] of this.segments) {
      for (const segment of [...list]) {
        if (segment.pid !== pid || segment.end !== undefined) continue;
        segment.end = t;
        segment.endedBy = how;
        // The lease outlives a crashed holder until it expires (as far as the holder's last acquire said).
        if (how === 'crashed' && segment.expiresAt !== undefined && segment.expiresAt > t) {
          list.push({ pid, token: segment.token, start: t, end: segment.expiresAt, endedBy: 'orphaned', seq: segment.seq });
        }
      }
      list.sort((a, b) => a.start - b.start);
      this.segments.set(key, list);
    }
  }

  finish(horizon: number): void {
    for (const list of this.segments.values()) {
      for (const segment of list) {
        if (segment.end === undefined) {
          segment.end = horizon;
          segment.endedBy = 'open';
        }
        segment.end = Math.min(segment.end, horizon);
      }
    }
  }

  lanes(): LockLane[] {
    return [...this.segments.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, list]) => {
        const sorted = [...list].sort((a, b) => a.start - b.start || a.seq - b.seq);
        const rowEnds: number[] = [];
        const placed = sorted.map((segment) => {
          const end = segment.end ?? segment.start;
          let row = rowEnds.findIndex((rowEnd) => rowEnd <= segment.start);
          if (row === -1) row = rowEnds.push(end) - 1;
          else rowEnds[row] = end;
          return { segment, end, row };
        });
        const segments: LockSegment[] = placed.map(({ segment, end, row }) => ({
          pid: segment.pid,
          token: segment.token,
          start: segment.start,
          end,
          endedBy: segment.endedBy ?? 'open',
          seq: segment.seq,
          row,
          // Two live holders at once; an orphaned lease ends where the next holder starts.
          overlap: segment.endedBy !== 'orphaned' && placed.some((other) => other.segment !== segment && other.segment.endedBy !== 'orphaned' && other.segment.start < end && segment.start < other.end),
        }));
        return { key, rows: Math.max(1, rowEnds.length), segments };
      });
  }
}

function subjectOf(data: Readonly<Record<string, unknown>>): string {
  for (const field of ['file', 'key', 'id', 'job', 'name']) {
    const value = data[field];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return '';
}

function faultLabel(kind: string, fault: Readonly<Record<string, unknown>>): string {
  const { at: _at, kind: _kind, target, ...rest } = fault;
  const details = Object.entries(rest).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [kind, typeof target === 'string' ? target : undefined, ...details].filter(Boolean).join(' ');
}

/** `worker-2#1` before `worker-10#1`, incarnations in order, names without numbers alphabetically. */
export function comparePids(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}
