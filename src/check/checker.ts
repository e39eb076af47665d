/**
 * The shape of every invariant: a name, one line of what it promises, and a pure `check` of a
 * context to the violations it finds. Each file under `check/<system>/` exports one checker; a
 * scenario lists the checkers it uses.
 *
 * A checker declares the context it reads as its type parameter: the run itself (`RunContext`:
 * the trace, the epoch, a per-run memo) when a trace is all it needs, or the exact inputs of its
 * judgement (a history, a tolerance) when some of them are the scenario's to give. `feed` adapts
 * the second kind to a scenario's context.
 */
import type { TraceEvent } from '../sim/trace.js';
import type { Violation } from './violation.js';

export interface Checker<C> {
  /** The name violations carry, e.g. `exactly-once`. */
  readonly name: string;
  /** One line: what it promises. */
  readonly description: string;
  check(context: C): readonly Violation[] | Promise<readonly Violation[]>;
}

/** The context of a checker that reads the trace alone. */
export interface TraceInput {
  readonly trace: readonly TraceEvent[];
}

/** What a checker may read of any finished run. */
export interface RunContext extends TraceInput {
  /** The world's epoch (virtual ms); checkers report times past it. */
  readonly epochMs: number;
  /**
   * `build(this context)`, computed once per run and shared: the first call builds, later calls
   * with the same function get the same value. A history read from the trace is built this way, so
   * the several invariants that judge it do not each read the trace again. Key by a function
   * defined once (at module level), not by a fresh closure.
   */
  derive<T>(build: (context: this) => T): T;
}

/**
 * `checker`, judging what `inputs` reads from a scenario's context: a scenario feeds the inputs
 * only it knows (a grace period, a tolerance, where its output lives). Keeps name and description.
 */
export function feed<C, D>(checker: Checker<D>, inputs: (context: C) => D | Promise<D>): Checker<C> {
  return {
    name: checker.name,
    description: checker.description,
    check: async (context) => checker.check(await inputs(context)),
  };
}

/** A per-run memo for `RunContext.derive`: values by the function that built them. */
export function createDerive<C>(context: () => C): <T>(build: (context: C) => T) => T {
  const built = new Map<(context: C) => unknown, unknown>();
  return <T>(build: (context: C) => T): T => {
    if (!built.has(build)) built.set(build, build(context()));
    return built.get(build) as T;
  };
}
