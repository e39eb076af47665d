/**
 * Faults are data. A `FaultPlan` is a plain JSON list of `{ at, kind, target, ... }`, sorted by
 * `at` (virtual ms past the epoch). A seed generates one from the rates a scenario declares; a
 * plan file replays or overrides one; fast-check shrinks one. What each kind means (its schema,
 * generator, effect and magnitudes) is defined once under `fault-kinds/`; this module handles
 * plans: parse, sort, generate, apply.
 */
import { InputError } from '../env/errors.js';
import { faultEvents } from './events.js';
import type { Prng } from './prng.js';
import type { World } from './world.js';
import type { Fault, FaultKind, FaultSpace } from './fault-kinds/kind.js';
import { faultKindsOf, type FaultKinds } from './fault-kinds/registry.js';

export type { Fault, FaultKind, FaultRates, FaultSpace, Magnitude } from './fault-kinds/kind.js';
export { defineFaultKind } from './fault-kinds/kind.js';
export { KERNEL_FAULT_KINDS } from './fault-kinds/kernel.js';
export { faultKindsOf, magnitudesOf, type FaultKinds } from './fault-kinds/registry.js';

export type FaultPlan = readonly Fault[];

export class PlanError extends InputError {
  override readonly name = 'PlanError';
}

/**
 * Validates a plan read from JSON against the kernel's kinds and `ownKinds` (a scenario's). Throws
 * a `PlanError` with one line naming the entry and the field: `fault 2 (pause): field 'ms': expected ms > 0`.
 */
export function parseFaultPlan(input: unknown, ownKinds: readonly FaultKind<never, never>[] = [], targets?: readonly string[]): Fault[] {
  const entries = Array.isArray(input) ? input : isRecord(input) && Array.isArray(input.faults) ? input.faults : undefined;
  if (entries === undefined) throw new PlanError('a fault plan must be a JSON list of faults (or an object with a "faults" list)');
  const kinds = faultKindsOf(ownKinds);
  const known = [...kinds.keys()];
  const plan = entries.map((entry: unknown, index: number): Fault => {
    if (!isRecord(entry)) throw new PlanError(`fault ${index}: expected an object like { "at": 1000, "kind": "crash", "target": "worker-1" }`);
    const kind = entry.kind;
    if (typeof kind !== 'string') throw new PlanError(`fault ${index}: field 'kind': required, one of ${known.join(', ')}`);
    const schema = kinds.get(kind)?.schema;
    if (schema === undefined) throw new PlanError(`fault ${index}: field 'kind': unknown kind '${kind}' (known: ${known.join(', ')})`);
    const parsed = schema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? (issue.keys ?? []).join(', ') : '');
      const message = issue?.code === 'unrecognized_keys' ? 'unknown field' : (issue?.message ?? 'invalid');
      throw new PlanError(`fault ${index} (${kind}): field '${field}': ${message}`);
    }
    const fault = parsed.data as Fault;
    if (targets !== undefined && typeof fault.target === 'string' && !targets.includes(fault.target)) {
      throw new PlanError(`fault ${index} (${kind}): field 'target': unknown process '${fault.target}' (known: ${targets.join(', ')})`);
    }
    return fault;
  });
  return sortPlan(plan);
}

/** Orders a plan by time, then kind, then target, so equal plans serialize equally. */
export function sortPlan(plan: readonly Fault[]): Fault[] {
  return [...plan].sort((a, b) => a.at - b.at || compare(a.kind, b.kind) || compare(a.target ?? '', b.target ?? ''));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Schedules every fault of `plan` in `world`, each before anything else at its instant. Each kind
 * applies to the run's state, which `state` reads when the fault strikes (the plan is scheduled
 * before setup has made it; the kernel's kinds never read it).
 */
export function applyFaultPlan<S>(world: World, plan: FaultPlan, ownKinds: readonly FaultKind<S, never>[] = [], state: () => S = () => undefined as S): void {
  const kinds = faultKindsOf(ownKinds);
  for (const fault of plan) {
    const kind = kinds.get(fault.kind);
    if (kind === undefined) throw new PlanError(`unknown fault kind '${fault.kind}'`);
    world.atFault(fault.at, () => {
      faultEvents.emit(world.loggerFor('world'), { kind: `fault.${fault.kind}`, data: { ...fault } });
      kind.apply(world, fault, state());
    });
  }
}

/**
 * Draws a plan from the rates: for each kind, a count whose mean is its rate, then for each strike
 * a time and what the kind's generator draws (a target and its fields), all from `prng`, one
 * stream per kind. `params` reach the generators of a scenario's own kinds.
 */
export function generateFaultPlan<P>(space: FaultSpace, prng: Prng, ownKinds: readonly FaultKind<never, P>[] = [], params?: P): Fault[] {
  const kinds: FaultKinds<never, P> = faultKindsOf(ownKinds);
  const plan: Fault[] = [];
  for (const name of Object.keys(space.rates).sort()) {
    const rate = space.rates[name] ?? 0;
    const kindPrng = prng.fork(name);
    const count = Math.floor(rate) + (kindPrng.chance(rate - Math.floor(rate)) ? 1 : 0);
    for (let index = 0; index < count; index++) {
      const faultAt = kindPrng.int(0, Math.max(0, space.windowMs - 1));
      const kind = kinds.get(name);
      if (kind === undefined) throw new PlanError(`the fault space has a rate for '${name}' but no fault kind of that name`);
      plan.push(...kind.generate(kindPrng, faultAt, space, params as P));
    }
  }
  return sortPlan(plan);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
