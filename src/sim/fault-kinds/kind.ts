/**
 * One fault kind is one value: the schema of its entries in a plan, how a seed draws it, what it
 * does to the world (and to the run's state, for a scenario's kind), and which of its fields measure
 * how strong it is (for shrinking). The kernel's kinds (`kernel.ts`), the shared kinds any scenario
 * may declare (`stall.ts`, `slow-calls.ts`) and a scenario's own kinds all have this shape, and one
 * registry (`registry.ts`) looks them up.
 */
import { z } from 'zod';
import type { Prng } from '../prng.js';
import type { World } from '../world.js';

/** One fault: when, what, whom, and the kind's own fields. */
export interface Fault {
  readonly at: number;
  readonly kind: string;
  readonly target?: string;
  readonly [field: string]: unknown;
}

/** Expected number of faults of each kind over a scenario's fault window. */
export type FaultRates = Readonly<Partial<Record<string, number>>>;

/** What a seed may inject into a scenario. Units last: every duration is in ms. */
export interface FaultSpace {
  /** Process names faults may hit. */
  readonly targets: readonly string[];
  /** Faults land in [0, windowMs) past the epoch. */
  readonly windowMs: number;
  /** By kind: how many strikes a seed draws on average (a kind must be known to the scenario). */
  readonly rates: FaultRates;
  /** Longest pause drawn (and longest stall). */
  readonly pauseMsMax?: number;
  /** Largest clock offset drawn, either sign. */
  readonly skewMsMax?: number;
  /** Largest drift drawn, either sign. */
  readonly driftPpmMax?: number;
  /** The processes a graceful stop (`term`) may hit: the servers a supervisor stops; `targets` when absent. */
  readonly stopTargets?: readonly string[];
  /** A crashed process restarts after up to this long (never, when 0). */
  readonly restartAfterMsMax?: number;
  /** Longest slow-storage episode, and its largest per-operation latency. */
  readonly fsSlowMsMax?: number;
  readonly fsSlowDurationMsMax?: number;
  /** Slowed calls to a store: the largest one-way latency during an episode, and how long episodes last. */
  readonly slowCallsMsMax?: number;
  readonly slowCallsDurationMsMin?: number;
  readonly slowCallsDurationMsMax?: number;
}

/** An integer field that measures how strong a fault is, with its gentlest value (shrinking moves toward it). */
export interface Magnitude {
  readonly field: string;
  readonly gentlest: number;
}

/**
 * A fault kind. `S` is the run's state its `apply` needs (a scenario's kinds; the kernel's need
 * none), `P` the scenario parameters its generator reads (a scenario's own kinds only).
 */
export interface FaultKind<S = unknown, P = unknown> {
  /** As plans spell it: `{ "kind": "pause", ... }`. */
  readonly name: string;
  /** The schema of one entry of this kind in a plan, strict: an unknown field is an error. */
  readonly schema: z.ZodTypeAny;
  /** The faults one strike at `at` brings (a crash may bring its restart), drawn from `prng`. */
  generate(prng: Prng, at: number, space: FaultSpace, params: P): Fault[];
  /** Does it, when it strikes. */
  apply(world: World, fault: Fault, state: S): void;
  readonly magnitudes?: readonly Magnitude[];
}

export function defineFaultKind<S = unknown, P = unknown>(kind: FaultKind<S, P>): FaultKind<S, P> {
  return kind;
}

// ---- schema pieces every kind's schema is built from --------------------------------------------

export const atMs = z.number({ invalid_type_error: 'expected a number of ms' }).int('expected an integer number of ms').nonnegative('expected ms >= 0');
export const processTarget = z.string({ required_error: 'required: the process name', invalid_type_error: 'expected a process name' }).min(1, 'expected a process name');
export const positiveMs = z
  .number({ required_error: 'required: a duration in ms', invalid_type_error: 'expected a number of ms' })
  .int('expected an integer number of ms')
  .positive('expected ms > 0');
