/**
 * A scenario reads like a test: parameters, setup (processes and workload), the faults a seed may
 * inject, invariants over the recorded trace, and a horizon. `defineScenario` only types it;
 * `runScenario` runs one seed of it.
 */
import type { z } from 'zod';
import type { Violation } from '../check/violation.js';
import type { FaultKindDefinition, FaultPlan, FaultSpace } from '../sim/faults.js';
import type { TraceEvent } from '../sim/trace.js';
import type { World } from '../sim/world.js';

export interface CheckContext<P> {
  readonly params: P;
  readonly trace: readonly TraceEvent[];
  readonly world: World;
  readonly plan: FaultPlan;
}

/** A property every run must keep; a pure function of the trace and the world's final state. */
export interface Invariant<P> {
  readonly name: string;
  /** One line: what it promises. */
  readonly description: string;
  check(context: CheckContext<P>): readonly Violation[] | Promise<readonly Violation[]>;
}

export interface SetupContext {
  readonly seed: number;
  readonly plan: FaultPlan;
  /** The name of a deliberately broken implementation to swap in, when fuzzing mutants. */
  readonly mutant?: string;
}

export interface Scenario<P extends object = Record<string, unknown>> {
  /** Used on the command line: `simrun scenario NAME`. */
  readonly name: string;
  /** One line for `simrun list`. */
  readonly summary: string;
  /** Parameters with defaults: `params.parse({})` gives the default run. */
  readonly params: z.ZodType<P, z.ZodTypeDef, unknown>;
  /** Virtual ms past the epoch after which the run stops. */
  horizonMs(params: P): number;
  /** What a seed may inject. */
  faultSpace(params: P): FaultSpace;
  /** Fault kinds of this scenario's own, beyond the kernel's. */
  readonly faultKinds?: Readonly<Record<string, FaultKindDefinition>>;
  /** Spawns processes and schedules the workload. */
  setup(world: World, params: P, context: SetupContext): void | Promise<void>;
  readonly invariants: readonly Invariant<P>[];
  /** Mutants this scenario can swap in (see `SetupContext.mutant`), by name with one line each. */
  readonly mutants?: Readonly<Record<string, string>>;
  /**
   * Integer parameters a failing run may shrink, each toward its minimum (`{ files: 1, workers: 1 }`):
   * the shrinker looks for the smallest system that still breaks the same invariant.
   */
  readonly shrinkParams?: Readonly<Record<string, number>>;
  /** Frees what setup opened (database handles); called after checking. */
  teardown?(world: World): void | Promise<void>;
}

export function defineScenario<P extends object>(scenario: Scenario<P>): Scenario<P> {
  return scenario;
}
