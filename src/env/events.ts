/**
 * Typed trace events. Each component declares the events it records as one tagged union of
 * `{ kind, data }` (the shape of a trace event, so a trace is read back without copying) and builds
 * an `EventFamily` over it: `emit` writes through `env.log`, and `is` / `of` read a trace back
 * narrowed to the union, so `switch (event.kind)` types each event's `data`. A field renamed in
 * the union is then a type error at every emitter and every reader, never a checker that silently
 * stops seeing it.
 *
 * The tag is `kind` and the fields live under `data` (not beside `kind`) because some events carry a
 * field of their own named `kind` (a fault, a notification), and because that is how the event is
 * serialized: emitting through a family records exactly what `env.log(kind, data)` records.
 */
import type { Env, LogData } from './env.js';

/** One kind of event: its tag, and the JSON data it carries (none for a bare fact like `process.start`). */
export interface EventShape {
  readonly kind: string;
  readonly data?: LogData;
}

/**
 * Every kind of a union, each mapped to `true`. TypeScript checks such a record for completeness and
 * for strays, so the runtime list of kinds that `is` consults cannot drift from the union.
 */
export type KindList<E extends EventShape> = { readonly [K in E['kind']]: true };

/** The event of union `E` whose tag is `K`. */
export type EventOfKind<E extends EventShape, K extends E['kind']> = Extract<E, { readonly kind: K }>;

/**
 * An event as a trace holds it (the shape of the simulator's `TraceEvent`, and of a real-mode log
 * line read back): its position, world time and process id around the `kind` and `data` it was
 * recorded with.
 */
export interface RecordedEvent {
  readonly seq: number;
  readonly t: number;
  readonly pid: string;
  readonly kind: string;
  readonly data?: LogData;
}

/**
 * A recorded event of union `E`: `data` is exactly what the union declares (no index signature), so
 * reading a field the union does not declare is a type error.
 */
export type Recorded<E extends EventShape> = Omit<RecordedEvent, 'kind' | 'data'> & E;

export interface EventFamily<E extends EventShape> {
  /** Records `event` through `log`: the same trace event (or real-mode log line) as `log(kind, data)`. */
  emit(log: Pick<Env, 'log'>, event: E): void;
  /** Whether `event` is one of this family's; narrows it, so testing `kind` then types `data`. */
  is(event: RecordedEvent): event is Recorded<E>;
  /** This family's events among `events`, in order, narrowed. */
  of(events: readonly RecordedEvent[]): Array<Recorded<E>>;
}

/**
 * The family of union `E`, recognised by the list of its kinds, or by a test on the kind where the
 * kinds are open-ended (`fault.${string}`: every fault kind a scenario declares).
 */
export function eventFamily<E extends EventShape>(kinds: KindList<E> | ((kind: string) => boolean)): EventFamily<E> {
  const known = typeof kinds === 'function' ? undefined : new Set<string>(Object.keys(kinds));
  const test = typeof kinds === 'function' ? kinds : (kind: string) => known?.has(kind) === true;
  const is = (event: RecordedEvent): event is Recorded<E> => test(event.kind);
  return {
    emit(log, event) {
      log.log(event.kind, event.data);
    },
    is,
    of: (events) => events.filter(is),
  };
}
