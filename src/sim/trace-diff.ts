/**
 * Where two traces part: the first event at which they differ, compared by the same stable
 * serialization the trace hash is computed from, so "the hashes differ" and "an event differs" are
 * one and the same statement.
 */
import { stableStringify, type TraceEvent } from './trace.js';

export interface TraceDivergence {
  /** Position of the first event the traces disagree on, from 0 (the event's `seq`). */
  readonly index: number;
  /** That event in the first trace; absent when the first trace ended before it. */
  readonly a?: TraceEvent;
  /** That event in the second trace; absent when the second trace ended before it. */
  readonly b?: TraceEvent;
}

/** The first event at which `a` and `b` differ, or undefined when they are the same trace. */
export function firstDivergence(a: readonly TraceEvent[], b: readonly TraceEvent[]): TraceDivergence | undefined {
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const left = a[index];
    const right = b[index];
    if (left !== undefined && right !== undefined && stableStringify(left) === stableStringify(right)) continue;
    return { index, ...(left === undefined ? {} : { a: left }), ...(right === undefined ? {} : { b: right }) };
  }
  return undefined;
}

/** `first divergence at event #N: <event in a> vs <event in b>`, each event as its hashed JSON line. */
export function describeDivergence(divergence: TraceDivergence): string {
  const show = (event: TraceEvent | undefined): string => (event === undefined ? '(end of trace)' : stableStringify(event));
  return `first divergence at event #${divergence.index}: ${show(divergence.a)} vs ${show(divergence.b)}`;
}
