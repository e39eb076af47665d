/**
 * `runScenario`: one seed of one scenario, from parameters to verdict. The library entry point the
 * CLI wraps; users call it from their own tests.
 */
import { createDerive } from '../check/checker.js';
import { noUncaughtErrors } from '../check/no-uncaught-errors.js';
import type { Violation } from '../check/violation.js';
import { InputError } from '../env/errors.js';
import { HarnessError } from '../sim/errors.js';
import { applyFaultPlan, generateFaultPlan, parseFaultPlan, type Fault, type FaultPlan } from '../sim/faults.js';
import type { TraceEvent } from '../sim/trace.js';
import { World, type RunOutcome } from '../sim/world.js';
import { traceHash } from '../sim/trace.js';
import type { CheckContext, Invariant, Scenario } from './scenario.js';
import { applySwarm, drawSwarm, type SwarmDraw } from '../sim/fault-kinds/swarm.js';

export interface RunOptions {
  readonly seed: number;
  /** Parameter overrides; the scenario's defaults fill in the rest. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Replays this plan instead of generating one from the seed (validated against the scenario). */
  readonly plan?: unknown;
  /** Where the plan came from, for the replay command. */
  readonly planPath?: string;
  /** A deliberately broken implementation to swap in. */
  readonly mutant?: string;
  /** Real-time limit of the simulation, ms (a harness error past it). */
  readonly maxWallMs?: number;
  /** Event budget (a harness error past it). */
  readonly maxEvents?: number;
  /** Swarm mode: the seed first draws which fault kinds are on and at what rates. */
  readonly swarm?: boolean;
  /** How the replay command names the scenario (a file path, for scenarios outside the repository). */
  readonly scenarioReference?: string;
}

export type RunStatus = 'passed' | 'violated' | 'harness-error';

interface RunFacts {
  readonly scenario: string;
  readonly seed: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly plan: FaultPlan;
  readonly planSource: 'seed' | 'file';
  readonly mutant?: string;
  /** The fault rates this seed drew in swarm mode. */
  readonly swarm?: SwarmDraw;
  readonly traceHash: string;
  /** Events fired by the driver. */
  readonly events: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly epochMs: number;
  /** Invariants checked, by name. */
  readonly invariants: readonly { name: string; description: string }[];
  /** One command that replays this run exactly. */
  readonly replay: string;
  readonly trace: readonly TraceEvent[];
}

export type RunResult =
  | (RunFacts & { readonly status: 'passed'; readonly outcome: RunOutcome['status']; readonly violations: readonly [] })
  | (RunFacts & { readonly status: 'violated'; readonly outcome: RunOutcome['status']; readonly violations: readonly Violation[] })
  | (RunFacts & { readonly status: 'harness-error'; readonly error: { readonly name: string; readonly message: string }; readonly violations: readonly Violation[] });

/** Thrown for bad input (unknown parameter, bad seed, malformed plan): the CLI's exit code 2. Defined in `env/errors.ts`. */
export { InputError };

export function validateSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InputError(`the seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  }
  return seed;
}

export function resolveParams<P extends object>(scenario: Scenario<P>, overrides: Readonly<Record<string, unknown>> = {}): P {
  const parsed = scenario.params.safeParse(overrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || (issue && 'keys' in issue ? String((issue as { keys: string[] }).keys.join(', ')) : '');
    throw new InputError(`scenario '${scenario.name}': parameter '${field}': ${issue?.code === 'unrecognized_keys' ? 'unknown parameter' : (issue?.message ?? 'invalid')}`);
  }
  return parsed.data;
}

export async function runScenario<P extends object, S>(scenario: Scenario<P, S>, options: RunOptions): Promise<RunResult> {
  const seed = validateSeed(options.seed);
  const params = resolveParams(scenario, options.params);
  await scenario.prepare?.(params);
  if (options.mutant !== undefined && !(options.mutant in (scenario.mutants ?? {}))) {
    throw new InputError(`scenario '${scenario.name}' has no mutant '${options.mutant}' (known: ${Object.keys(scenario.mutants ?? {}).join(', ') || 'none'})`);
  }
  const world = new World({
    seed,
    horizonMs: scenario.horizonMs(params),
    maxWallMs: options.maxWallMs ?? 120_000,
    ...(options.maxEvents === undefined ? {} : { maxEvents: options.maxEvents }),
  });
  const declaredSpace = scenario.faultSpace(params);
  const swarm = options.swarm ? drawSwarm(declaredSpace, world.prng.fork('swarm')) : undefined;
  const space = swarm === undefined ? declaredSpace : applySwarm(declaredSpace, swarm);
  let plan: Fault[];
  try {
    plan = options.plan === undefined ? generateFaultPlan(space, world.prng.fork('faults'), scenario.faultKinds, params) : parseFaultPlan(options.plan, scenario.faultKinds, space.targets);
  } catch (error) {
    throw new InputError(options.planPath ? `${options.planPath}: ${(error as Error).message}` : (error as Error).message);
  }
  // The run's state: what setup returns, handed to the scenario's fault kinds, invariants and teardown.
  let state: { readonly value: S } | undefined;
  const stateOf = (): S => {
    if (state === undefined) throw new HarnessError(`scenario '${scenario.name}': a fault struck before setup returned its state`);
    return state.value;
  };
  applyFaultPlan(world, plan, scenario.faultKinds, stateOf);
  const invariants: readonly Invariant<P, S>[] = [...scenario.invariants, noUncaughtErrors];
  const teardown = async (): Promise<void> => {
    if (state !== undefined) await scenario.teardown?.(world, state.value);
  };
  const facts = (outcome: RunOutcome | undefined): RunFacts => ({
    scenario: scenario.name,
    seed,
    params: params as Record<string, unknown>,
    plan,
    planSource: options.plan === undefined ? 'seed' : 'file',
    ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    ...(swarm === undefined ? {} : { swarm }),
    traceHash: traceHash(world.trace.events),
    events: outcome?.events ?? world.trace.length,
    simulatedMs: outcome?.simulatedMs ?? world.elapsed(),
    wallMs: outcome?.wallMs ?? 0,
    epochMs: world.epochMs,
    invariants: invariants.map(({ name, description }) => ({ name, description })),
    replay: replayCommand(options.scenarioReference ?? scenario.name, seed, options),
    trace: world.trace.events,
  });

  let outcome: RunOutcome;
  try {
    state = { value: await scenario.setup(world, params, { seed, plan, ...(options.mutant === undefined ? {} : { mutant: options.mutant }) }) };
    outcome = await world.run();
  } catch (error) {
    await teardown();
    if (!(error instanceof HarnessError)) throw error;
    return { ...facts(undefined), status: 'harness-error', error: { name: error.name, message: error.message }, violations: [] };
  }
  const violations: Violation[] = [];
  try {
    const context: CheckContext<P, S> = {
      params,
      state: stateOf(),
      trace: world.trace.events,
      epochMs: world.epochMs,
      world,
      plan,
      derive: createDerive(() => context),
    };
    for (const invariant of invariants) violations.push(...(await invariant.check(context)));
  } finally {
    await teardown();
  }
  violations.sort((a, b) => (a.atMs ?? Infinity) - (b.atMs ?? Infinity) || a.invariant.localeCompare(b.invariant));
  return violations.length === 0
    ? { ...facts(outcome), status: 'passed', outcome: outcome.status, violations: [] }
    : { ...facts(outcome), status: 'violated', outcome: outcome.status, violations };
}

/** The one command that replays a run: its seed, its parameter overrides, its plan file, its mutant. */
export function replayCommand(scenario: string, seed: number, options: Pick<RunOptions, 'params' | 'planPath' | 'mutant' | 'swarm'>): string {
  const parts = ['simrun', 'scenario', scenario, '--seed', String(seed)];
  for (const [key, value] of Object.entries(options.params ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    parts.push('--set', shellQuote(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`));
  }
  if (options.planPath !== undefined) parts.push('--plan', shellQuote(options.planPath));
  else if (options.swarm) parts.push('--swarm');
  if (options.mutant !== undefined) parts.push('--mutant', shellQuote(options.mutant));
  return parts.join(' ');
}

export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
