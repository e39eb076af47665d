/**
 * A scenario reads like a test: parameters, setup (processes and workload), the faults a seed may
 * inject, invariants over the recorded trace, and a horizon. `defineScenario` only types it;
 * `runScenario` runs one seed of it.
 *
 * Per-run state: `setup` returns a value `S` the run owns (the stores it opened, the stalls a
 * fault left pending, the tolerance a mutant implies); the run hands that same value to each of
 * the scenario's fault kinds, to every invariant (`context.state`) and to `teardown`. Nothing about
 * a run lives in module-level maps. A history read from the trace is built once per run through
 * `context.derive(build)` and shared by the invariants that read it.
 */
import type { z } from 'zod';
import type { Checker, RunContext } from '../check/checker.js';
import type { FaultKind, FaultPlan, FaultSpace } from '../sim/faults.js';
import type { World } from '../sim/world.js';
import type { ParamRanges } from './param-swarm.js';

/** What an invariant sees of a finished run: the trace and epoch, parameters, the run's state, the final world. */
export interface CheckContext<P, S = void> extends RunContext {
  readonly params: P;
  /** What `setup` returned. */
  readonly state: S;
  readonly world: World;
  readonly plan: FaultPlan;
}

/**
 * A property every run must keep: a checker from `check/` (listed as it is when the run's context
 * is all it reads, or through `feed` when the scenario must give it inputs), or one of the
 * scenario's own.
 */
export type Invariant<P, S = void> = Checker<CheckContext<P, S>>;

export interface SetupContext {
  readonly seed: number;
  readonly plan: FaultPlan;
  /** The name of a deliberately broken implementation to swap in, when fuzzing mutants. */
  readonly mutant?: string;
}

export interface Scenario<P extends object = Record<string, unknown>, S = unknown> {
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
  /**
   * Fault kinds beyond the kernel's: shared ones (`stall`, `slowCalls`) and the scenario's own,
   * each applied to the run's state and drawn with these parameters. One named like a kernel kind
   * replaces it.
   */
  readonly faultKinds?: readonly FaultKind<S, P>[];
  /**
   * Loads what the parameters name outside the run, once, before its fault space is drawn: the
   * modules of swappable parts given by path (`--lock ./my-lock.ts`; see `scenario/parts.ts`).
   */
  prepare?(params: P): Promise<void>;
  /** Spawns processes and schedules the workload; returns the run's state. */
  setup(world: World, params: P, context: SetupContext): S | Promise<S>;
  readonly invariants: readonly Invariant<P, S>[];
  /** Mutants this scenario can swap in (see `SetupContext.mutant`), by name with one line each. */
  readonly mutants?: Readonly<Record<string, string>>;
  /**
   * The ranges `--swarm` draws parameters from (see `param-swarm.ts`): each seed then runs its own
   * configuration — workers, leases, polls, backend, expiry clock — within the bounds the scenario
   * documents, so the invariants must hold for every draw. Parameters the user sets are not drawn.
   */
  readonly paramRanges?: ParamRanges<P>;
  /**
   * Under `--swarm`, once the seed's start and zone are drawn: the drawn parameters to change so the
   * run exercises what the scenario is for (a cron run that reaches no tick of its schedule tests
   * nothing). Only parameters the seed drew change; one the user set stays. Absent or `{}`: the draw
   * stands.
   */
  fitSwarm?(params: P, start: { readonly startMs: number; readonly timeZone: string }): Partial<P>;
  /**
   * Integer parameters a failing run may shrink, each toward its minimum (`{ files: 1, workers: 1 }`):
   * the shrinker looks for the smallest system that still breaks the same invariant.
   */
  readonly shrinkParams?: Readonly<Record<string, number>>;
  /**
   * Frees what setup opened (database handles); called after checking, or after a run that failed.
   * Not called when setup itself threw: there is no state to free, so setup should open its stores
   * last, or lazily (as `SimLocks` does).
   */
  teardown?(world: World, state: S): void | Promise<void>;
}

export function defineScenario<P extends object, S = void>(scenario: Scenario<P, S>): Scenario<P, S> {
  return scenario;
}
