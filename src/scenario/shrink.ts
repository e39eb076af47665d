/**
 * Shrinking a failure to a minimal reproducer with fast-check.
 *
 * The failing run's fault plan and shrinkable parameters are expressed as one fast-check arbitrary
 * whose values include the failure itself: each fault is an `option` (shrinks toward "removed") of a
 * record whose magnitudes are integers bounded by the original (shrinks toward the smallest pause,
 * skew, drift, error count or slowdown); each shrinkable parameter is an integer from its minimum to
 * its value (fewest files, fewest workers). The failure is given to fast-check as an explicit
 * example, so fast-check starts from it and walks its shrink tree, keeping any smaller value that
 * still breaks the **same invariant** with the **same seed**. Times (`at`) stay put: a fault that
 * moves is a different story, and a reader compares the shrunk plan with the original one.
 *
 * A simulation is chaotic: removing one fault shifts every later step, so shrinking one fault at a
 * time often stalls on a plan where each remaining fault is needed only by the trajectory the
 * others made. So before fast-check walks its tree, the smallest subsets are tried outright — no
 * fault, then each fault alone, each on the smallest system (every shrinkable parameter at its
 * minimum) and then on the original one, then each pair — and the first that still fails becomes
 * the example fast-check starts from. It costs at most 2(1 + n) + n(n-1)/2 runs of the budget and
 * usually finds the one or two faults a bug needs.
 *
 * Shrinking is bounded by a number of runs, not by time, so the shrunk result is deterministic.
 */
import fc from 'fast-check';
import { faultKindsOf, magnitudesOf, type Fault } from '../sim/faults.js';
import { InputError, runScenario, resolveParams, type RunOptions, type RunResult } from './run.js';
import type { Scenario } from './scenario.js';

export interface ShrinkRequest<P extends object> {
  readonly scenario: Scenario<P>;
  readonly seed: number;
  /** Parameter overrides of the failing run. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly plan: readonly Fault[];
  readonly mutant?: string;
  /** The invariant the shrunk run must still break. */
  readonly invariant: string;
  /** At most this many runs spent shrinking (default 400). */
  readonly maxRuns?: number;
  /** The failing run's start, zone and tie order (drawn under swarm), kept while shrinking. */
  readonly world?: Pick<RunOptions, 'start' | 'timeZone' | 'tieOrder'>;
}

export interface PlanSize {
  readonly faults: number;
  /** Sum of every fault's magnitude fields (ms, ppm, counts): smaller is simpler. */
  readonly magnitude: number;
  /** The shrinkable parameters' values. */
  readonly params: Readonly<Record<string, number>>;
}

export interface ShrinkOutcome {
  readonly plan: Fault[];
  /** Parameter overrides of the shrunk run (the original overrides plus shrunk values). */
  readonly params: Record<string, unknown>;
  readonly original: PlanSize;
  readonly shrunk: PlanSize;
  /** Scenario runs spent shrinking. */
  readonly runs: number;
  /** The final failing run, with the shrunk plan. */
  readonly result: RunResult;
}

/** The kernel's magnitude fields: each shrinks toward its gentlest value. */
const KERNEL_MAGNITUDES = magnitudesOf(faultKindsOf());

function magnitudeArbitrary(value: number, gentlest: number): fc.Arbitrary<number> {
  return value >= gentlest ? fc.integer({ min: gentlest, max: value }) : fc.integer({ min: value, max: gentlest }).map((x) => x, (x) => x as number);
}

type Magnitudes = Readonly<Record<string, readonly { field: string; gentlest: number }[]>>;

/** The magnitude fields of every kind the scenario's plans may hold, as each kind declares them. */
function scenarioMagnitudes(scenario: Scenario<object>): Magnitudes {
  return magnitudesOf(faultKindsOf(scenario.faultKinds));
}

function faultArbitrary(fault: Fault, magnitudes: Magnitudes): fc.Arbitrary<Fault> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, value] of Object.entries(fault)) fields[key] = fc.constant(value);
  for (const { field, gentlest } of magnitudes[fault.kind] ?? []) {
    const value = fault[field];
    if (typeof value === 'number' && Number.isInteger(value)) fields[field] = magnitudeArbitrary(value, gentlest);
  }
  return fc.record(fields) as fc.Arbitrary<Fault>;
}

export function planSize(plan: readonly Fault[], params: Readonly<Record<string, number>>, magnitudes: Magnitudes = KERNEL_MAGNITUDES): PlanSize {
  let magnitude = 0;
  for (const fault of plan) {
    for (const { field } of magnitudes[fault.kind] ?? []) magnitude += Math.abs(Number(fault[field] ?? 0));
  }
  return { faults: plan.length, magnitude, params };
}

interface Candidate {
  readonly faults: readonly (Fault | null)[];
  readonly params: Readonly<Record<string, number>>;
}

export async function shrinkFailure<P extends object>(request: ShrinkRequest<P>): Promise<ShrinkOutcome> {
  const maxRuns = request.maxRuns ?? 400;
  const resolved = resolveParams(request.scenario, request.params) as Record<string, unknown>;
  const shrinkable: Record<string, number> = {};
  const paramArbitraries: Record<string, fc.Arbitrary<number>> = {};
  for (const [name, minimum] of Object.entries(request.scenario.shrinkParams ?? {})) {
    const value = resolved[name];
    if (typeof value === 'number' && Number.isInteger(value) && value >= minimum) {
      shrinkable[name] = value;
      paramArbitraries[name] = fc.integer({ min: minimum, max: value });
    }
  }
  const magnitudes = scenarioMagnitudes(request.scenario as Scenario<object>);
  const arbitrary: fc.Arbitrary<Candidate> = fc.record({
    faults: fc.tuple(...request.plan.map((fault) => fc.option(faultArbitrary(fault, magnitudes), { nil: null }))),
    params: fc.record(paramArbitraries),
  });

  let runs = 0;
  let best: { candidate: Candidate; result: RunResult } | undefined;
  /** The first error a candidate threw that was not the scenario refusing it: why nothing reproduced, if nothing did. */
  let firstFault: unknown;
  const reproduces = async (candidate: Candidate): Promise<boolean> => {
    // Past the budget every candidate "passes": fast-check then keeps the smallest failure so far.
    if (runs >= maxRuns) return false;
    runs += 1;
    const plan = candidate.faults.filter((fault): fault is Fault => fault !== null);
    let result: RunResult;
    try {
      result = await runScenario(request.scenario, {
        seed: request.seed,
        params: { ...request.params, ...candidate.params },
        plan,
        ...(request.mutant === undefined ? {} : { mutant: request.mutant }),
        ...request.world,
      });
    } catch (error) {
      // A candidate the scenario refuses (a fault aimed at a worker that no longer exists) does not reproduce.
      if (!(error instanceof InputError)) firstFault ??= error;
      return false;
    }
    const fails = result.violations.some((violation) => violation.invariant === request.invariant);
    if (fails && (best === undefined || smaller(candidate, best.candidate, magnitudes))) best = { candidate, result };
    return fails;
  };

  const original: Candidate = { faults: [...request.plan], params: shrinkable };
  const smallest = Object.fromEntries(Object.keys(shrinkable).map((name) => [name, request.scenario.shrinkParams![name]!]));
  const start = (await smallestFailingSubset(request.plan, smallest, shrinkable, reproduces)) ?? original;
  await fc.check(
    fc.asyncProperty(arbitrary, async (candidate) => !(await reproduces(candidate))),
    { examples: [[start]], numRuns: 1, seed: request.seed, endOnFailure: false },
  );
  if (best === undefined) {
    const why = firstFault === undefined ? '' : `: replaying it threw ${firstFault instanceof Error ? firstFault.message : String(firstFault)}`;
    throw new Error(`the failure of seed ${request.seed} (${request.invariant}) did not reproduce when replayed with its own plan${why}`, { cause: firstFault });
  }
  const { candidate, result } = best;
  const plan = candidate.faults.filter((fault): fault is Fault => fault !== null);
  const changedParams = Object.fromEntries(Object.entries(candidate.params).filter(([name, value]) => value !== shrinkable[name]));
  return {
    plan,
    params: { ...request.params, ...changedParams },
    original: planSize(request.plan, shrinkable, magnitudes),
    shrunk: planSize(plan, candidate.params, magnitudes),
    runs,
    result,
  };
}

/** The first of: no fault, each fault alone (smallest system, then original), each pair, that still fails. */
async function smallestFailingSubset(
  plan: readonly Fault[],
  smallest: Readonly<Record<string, number>>,
  params: Readonly<Record<string, number>>,
  reproduces: (candidate: Candidate) => Promise<boolean>,
): Promise<Candidate | undefined> {
  // Only worth it when it can leave fast-check a smaller start than the whole plan.
  if (plan.length <= 2) return undefined;
  const keeping = (system: Readonly<Record<string, number>>, ...kept: number[]): Candidate => ({ faults: plan.map((fault, index) => (kept.includes(index) ? fault : null)), params: system });
  const systems = Object.keys(params).some((name) => params[name] !== smallest[name]) ? [smallest, params] : [params];
  const subsets: Candidate[] = systems.map((system) => keeping(system));
  for (const system of systems) for (let i = 0; i < plan.length; i += 1) subsets.push(keeping(system, i));
  for (let i = 0; i < plan.length; i += 1) for (let j = i + 1; j < plan.length; j += 1) subsets.push(keeping(params, i, j));
  for (const subset of subsets) if (await reproduces(subset)) return subset;
  return undefined;
}

/** Fewer faults first, then gentler faults, then smaller parameters. */
function smaller(a: Candidate, b: Candidate, magnitudes: Magnitudes): boolean {
  const sizeA = planSize(a.faults.filter((fault): fault is Fault => fault !== null), a.params, magnitudes);
  const sizeB = planSize(b.faults.filter((fault): fault is Fault => fault !== null), b.params, magnitudes);
  if (sizeA.faults !== sizeB.faults) return sizeA.faults < sizeB.faults;
  const paramsA = Object.values(sizeA.params).reduce((sum, value) => sum + value, 0);
  const paramsB = Object.values(sizeB.params).reduce((sum, value) => sum + value, 0);
  if (paramsA !== paramsB) return paramsA < paramsB;
  return sizeA.magnitude < sizeB.magnitude;
}
