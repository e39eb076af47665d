/**
 * What the trace knows of each machine's clock: every skew set (`process.skew`, an absolute offset
 * from true time) and every drift set (`process.drift`, a rate error). A checker that places a
 * process's clock readings on true time uses the reading and the event's true time together, which
 * is exact while the clock keeps its offset; `allowanceMs` is how far that can be off over an
 * interval: the offset steps taken in it, plus what the drift in force can add over its length.
 */
import { processEvents } from '../sim/events.js';
import { processName } from '../sim/process-id.js';
import type { TraceEvent } from '../sim/trace.js';

interface ClockChange {
  readonly t: number;
  /** The offset step this change made (skew sets), ms. */
  readonly stepMs: number;
  /** The drift in force after it, ppm. */
  readonly driftPpm: number;
  /** The offset in force after it, ms. */
  readonly skewMs: number;
}

export interface ClockChanges {
  /** How far a reading placed on true time as `t + (reading − clock(t))` can be off over `[fromMs, toMs]`, for machine `name`. */
  allowanceMs(name: string, fromMs: number, toMs: number): number;
  /**
   * The latest true time, no later than `notAfterT`, at which machine `name`'s clock read `reading`
   * (by its offsets and drifts): where a reading taken before a clock step belongs on true time.
   */
  trueTimeOf(name: string, reading: number, notAfterT: number): number;
  /** The largest offset from true time machine `name`'s clock had at any time in `[fromMs, toMs]`, ms (drift aside). */
  largestSkewMs(name: string, fromMs: number, toMs: number): number;
  /**
   * What machine `name`'s clock read at true time `t`, exactly as the simulator computed it: the
   * offset set last, plus the drift in force since it was set (a drift change keeps the offset
   * accumulated so far).
   */
  clockAt(name: string, t: number): number;
  /** The largest offset from true time any machine's clock had at any time of the trace, ms (drift included). */
  readonly largestOffsetMs: number;
}

/** A machine's clock from `t` on: `t' + skewMs + driftPpm·(t' − driftSinceMs)/10⁶`, rounded. */
interface ClockSegment {
  readonly t: number;
  readonly skewMs: number;
  readonly driftPpm: number;
  readonly driftSinceMs: number;
}

const readingOn = (segment: ClockSegment | undefined, t: number): number =>
  segment === undefined ? t : Math.round(t + segment.skewMs + (segment.driftPpm * (t - segment.driftSinceMs)) / 1_000_000);

export function clockChangesOf(trace: readonly TraceEvent[]): ClockChanges {
  const byMachine = new Map<string, ClockChange[]>();
  const skew = new Map<string, number>();
  const drift = new Map<string, number>();
  const segments = new Map<string, ClockSegment[]>();
  let largestOffsetMs = 0;
  for (const event of trace) {
    if (!processEvents.is(event)) continue;
    if (event.kind !== 'process.skew' && event.kind !== 'process.drift') continue;
    const name = processName(event.pid);
    const changes = byMachine.get(name) ?? [];
    byMachine.set(name, changes);
    const machine = segments.get(name) ?? [];
    segments.set(name, machine);
    const last = machine.at(-1);
    if (last !== undefined) largestOffsetMs = Math.max(largestOffsetMs, Math.abs(readingOn(last, event.t) - event.t));
    // The simulator's own rules (`World.setSkew`, `World.setDrift`): a skew replaces the offset and
    // keeps the drift; a drift folds the offset so far into the new segment's skew.
    const next: ClockSegment =
      event.kind === 'process.skew'
        ? { t: event.t, skewMs: event.data.skewMs, driftPpm: last?.driftPpm ?? 0, driftSinceMs: last?.driftSinceMs ?? 0 }
        : { t: event.t, skewMs: readingOn(last, event.t) - event.t, driftPpm: event.data.driftPpm, driftSinceMs: event.t };
    machine.push(next);
    largestOffsetMs = Math.max(largestOffsetMs, Math.abs(next.skewMs));
    if (event.kind === 'process.skew') {
      changes.push({ t: event.t, stepMs: Math.abs(event.data.skewMs - (skew.get(name) ?? 0)), driftPpm: drift.get(name) ?? 0, skewMs: event.data.skewMs });
      skew.set(name, event.data.skewMs);
    } else {
      drift.set(name, event.data.driftPpm);
      changes.push({ t: event.t, stepMs: 0, driftPpm: event.data.driftPpm, skewMs: skew.get(name) ?? 0 });
    }
  }
  // A drifting clock's offset keeps growing after its last change: up to the trace's end.
  const endT = trace.at(-1)?.t ?? 0;
  for (const machine of segments.values()) {
    const last = machine.at(-1);
    if (last !== undefined) largestOffsetMs = Math.max(largestOffsetMs, Math.abs(readingOn(last, Math.max(endT, last.t)) - Math.max(endT, last.t)));
  }
  return {
    largestOffsetMs,
    clockAt(name, t) {
      const machine = segments.get(name) ?? [];
      let segment: ClockSegment | undefined;
      for (const candidate of machine) {
        if (candidate.t > t) break;
        segment = candidate;
      }
      return readingOn(segment, t);
    },
    allowanceMs(name, fromMs, toMs) {
      const changes = byMachine.get(name) ?? [];
      let steps = 0;
      let worstDrift = 0;
      for (const change of changes) {
        if (change.t <= toMs) worstDrift = change.t < fromMs ? Math.abs(change.driftPpm) : Math.max(worstDrift, Math.abs(change.driftPpm));
        if (change.t >= fromMs && change.t <= toMs) steps += change.stepMs;
      }
      // One ms for the rounding of every clock reading.
      return steps + Math.ceil((worstDrift * Math.max(0, toMs - fromMs)) / 1_000_000) + 1;
    },
    largestSkewMs(name, fromMs, toMs) {
      let largest = 0;
      let current = 0;
      for (const change of byMachine.get(name) ?? []) {
        if (change.t > toMs) break;
        if (change.t < fromMs) current = change.skewMs;
        else largest = Math.max(largest, Math.abs(change.skewMs));
      }
      return Math.max(largest, Math.abs(current));
    },
    trueTimeOf(name, reading, notAfterT) {
      const machine = (segments.get(name) ?? []).filter((segment) => segment.t <= notAfterT);
      // Walk the segments back from the latest: the reading belongs to the first one that contains it.
      let segmentEnd = notAfterT;
      for (let index = machine.length - 1; index >= 0; index -= 1) {
        const segment = machine[index] as ClockSegment;
        // reading = t + skew + drift·(t − since)/10⁶, solved for t; the rounding of readings aside.
        const rate = 1 + segment.driftPpm / 1_000_000;
        const solved = Math.round((reading - segment.skewMs + (segment.driftPpm * segment.driftSinceMs) / 1_000_000) / rate);
        // A reading rounded up by a drifting clock solves to one ms past the segment's end: it is its end.
        const t = solved === segmentEnd + 1 ? segmentEnd : solved;
        if (t >= segment.t && t <= segmentEnd) return t;
        segmentEnd = segment.t;
      }
      return Math.min(segmentEnd, reading);
    },
  };
}
