/**
 * `runScenario`: one seed of one scenario, from parameters to verdict. The library entry point the
 * CLI wraps; users call it from their own tests.
 */
import { createDerive } from '../check/checker.js';
import { noUncaughtErrors } from '../check/no-uncaught-errors.js';
import { gracefulStops } from '../check/graceful-stops.js';
import type { Violation } from '../check/violation.js';
import { InputError } from '../env/errors.js';
import { HarnessError } from '../sim/errors.js';
import { applyFaultPlan, generateFaultPlan, parseFaultPlan, type Fault, type FaultPlan } from '../sim/faults.js';
import type { TraceEvent } from '../sim/trace.js';
import { DEFAULT_EPOCH_MS, TIE_ORDERS, World, type RunOutcome, type TieOrder } from '../sim/world.js';
import { traceHash } from '../sim/trace.js';
import { Prng } from '../sim/prng.js';
import type { CheckContext, Invariant, Scenario } from './scenario.js';
import { applySwarm, drawSwarm, type SwarmDraw } from '../sim/fault-kinds/swarm.js';
import { drawParams, drawStart, type DrawnStart } from './param-swarm.js';
import { formatInstant, validateTimeZone } from './calendar.js';

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
  /**
   * Swarm mode: the seed first draws the parameters the scenario gives ranges for (those not in
   * `params`), the start and time zone (unless given), then which fault kinds are on and at what rates.
   */
  readonly swarm?: boolean;
  /** The world's start, ms since the Unix epoch (default 2020-08-18T00:00Z, or drawn under swarm). */
  readonly start?: number;
  /** The IANA zone the run's calendars are read in (default UTC, or drawn under swarm). */
  readonly timeZone?: string;
  /** The order of events due at one instant: `fifo` (default) or `seeded`. */
  readonly tieOrder?: TieOrder;
  /** How the replay command names the scenario (a file path, for scenarios outside the repository). */
  readonly scenarioReference?: string;
  /** Per-process globals for third-party code (`WorldOptions.processGlobals`); on by default once a user's module was loaded. */
  readonly processGlobals?: boolean;
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
  /** The parameters this seed drew in swarm mode (included in `params`). */
  readonly swarmParams?: Readonly<Record<string, unknown>>;
  /** The IANA zone the run's calendars were read in. */
  readonly timeZone: string;
  /** Present when events due at one instant ran in a seeded order. */
  readonly tieOrder?: TieOrder;
  /** SHA-256 of the trace (`sim/trace.ts`), worked out when first read. */
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
    throw new InputError(`the seed must be an integer from 0 to 2^53−1 (${Number.MAX_SAFE_INTEGER}), got ${JSON.stringify(seed)}`);
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

/**
 * Everything a run is before it starts: its parameters, start, zone and tie order, and under swarm
 * what the seed drew. Cheap and deterministic, so a command prints it before running, and
 * `runScenario` derives it again. The scenario's parts are loaded (`prepare`) before anything reads
 * its fault space: a lock given as a module declares how it fails, and so which faults apply.
 */
export interface RunSetup<P> {
  readonly seed: number;
  readonly params: P;
  /** The parameters the seed drew (swarm), by name. */
  readonly swarmParams?: Readonly<Record<string, unknown>>;
  /** The fault rates the seed drew (swarm). */
  readonly swarm?: SwarmDraw;
  readonly startMs: number;
  readonly timeZone: string;
  /** The start and zone the seed drew (swarm, when neither was given). */
  readonly drawnStart?: DrawnStart;
  readonly tieOrder: TieOrder;
  /** The plan given with the run (`options.plan`), parsed and checked; absent: the seed draws one. */
  readonly givenPlan?: Fault[];
}

export async function prepareRun<P extends object, S>(scenario: Scenario<P, S>, options: RunOptions): Promise<RunSetup<P>> {
  const seed = validateSeed(options.seed);
  const overrides = options.params ?? {};
  const root = Prng.root(seed);
  let swarmParams = options.swarm ? drawParams(scenario.paramRanges, overrides, (given) => resolveParams(scenario, given), root.fork('swarm-params')) : undefined;
  let params: P;
  try {
    params = resolveParams(scenario, { ...swarmParams, ...overrides });
  } catch (error) {
    if (swarmParams === undefined || !(error instanceof InputError)) throw error;
    throw new InputError(`${error.message} (drawn by --swarm from the scenario's parameter ranges: ${JSON.stringify(swarmParams)})`);
  }
  // Once per module: the scenario's own cache (`parts.ts`) makes every later call cheap.
  await scenario.prepare?.(params);
  if (options.start !== undefined && !Number.isFinite(options.start)) throw new InputError(`the start must be a finite instant, got ${String(options.start)}`);
  if (options.timeZone !== undefined) validateTimeZone(options.timeZone);
  if (options.tieOrder !== undefined && !TIE_ORDERS.includes(options.tieOrder)) throw new InputError(`the tie order must be one of ${TIE_ORDERS.join(', ')}, got '${String(options.tieOrder)}'`);
  // A start or zone given by the user wins; swarm draws what was not given (a zone alone keeps the drawn date).
  const drawnStart = options.swarm && options.start === undefined ? drawStart(root.fork('swarm-start'), scenario.horizonMs(params), options.timeZone === undefined ? undefined : [options.timeZone]) : undefined;
  const startMs = options.start ?? drawnStart?.startMs ?? DEFAULT_EPOCH_MS;
  const timeZone = options.timeZone ?? drawnStart?.timeZone ?? 'UTC';
  if (swarmParams !== undefined && scenario.fitSwarm !== undefined) {
    const drawn = swarmParams;
    const fitted = Object.entries(scenario.fitSwarm(params, { startMs, timeZone })).filter(([name, value]) => name in drawn && !(name in overrides) && value !== drawn[name]);
    if (fitted.length > 0) {
      swarmParams = { ...drawn, ...Object.fromEntries(fitted) };
      params = resolveParams(scenario, { ...swarmParams, ...overrides });
    }
  }
  const swarm = options.swarm ? drawSwarm(scenario.faultSpace(params), root.fork('swarm')) : undefined;
  // A bad mutant name or plan file is refused here, before a caller prints the run's options.
  checkMutant(scenario, options.mutant);
  // Swarm changes a fault space's rates only, never its targets: the declared space's do.
  const givenPlan = options.plan === undefined ? undefined : parsePlanOption(scenario, options, scenario.faultSpace(params).targets);
  return {
    seed,
    params,
    ...(swarmParams === undefined ? {} : { swarmParams }),
    ...(swarm === undefined ? {} : { swarm }),
    startMs,
    timeZone,
    ...(drawnStart === undefined ? {} : { drawnStart }),
    tieOrder: options.tieOrder ?? 'fifo',
    ...(givenPlan === undefined ? {} : { givenPlan }),
  };
}

function checkMutant(scenario: Scenario<object, unknown>, mutant: string | undefined): void {
  if (mutant !== undefined && !(mutant in (scenario.mutants ?? {}))) {
    throw new InputError(`scenario '${scenario.name}' has no mutant '${mutant}' (known: ${Object.keys(scenario.mutants ?? {}).join(', ') || 'none'})`);
  }
}

/** The plan given with the run, checked against the scenario's fault kinds and processes; its errors name the plan file. */
function parsePlanOption(scenario: Scenario<object, unknown>, options: RunOptions, targets: readonly string[]): Fault[] {
  try {
    return parseFaultPlan(options.plan, scenario.faultKinds, targets);
  } catch (error) {
    throw new InputError(options.planPath ? `${options.planPath}: ${(error as Error).message}` : (error as Error).message);
  }
}

export async function runScenario<P extends object, S>(scenario: Scenario<P, S>, options: RunOptions): Promise<RunResult> {
  const setup = await prepareRun(scenario, options);
  const { seed, params, swarm } = setup;
  const world = new World({
    seed,
    horizonMs: scenario.horizonMs(params),
    maxWallMs: options.maxWallMs ?? 120_000,
    ...(options.maxEvents === undefined ? {} : { maxEvents: options.maxEvents }),
    ...(setup.startMs === DEFAULT_EPOCH_MS ? {} : { epochMs: setup.startMs }),
    ...(setup.timeZone === 'UTC' ? {} : { timeZone: setup.timeZone }),
    ...(setup.tieOrder === 'fifo' ? {} : { tieOrder: setup.tieOrder }),
    ...(options.processGlobals === undefined ? {} : { processGlobals: options.processGlobals }),
  });
  const declaredSpace = scenario.faultSpace(params);
  const space = swarm === undefined ? declaredSpace : applySwarm(declaredSpace, swarm);
  const plan: Fault[] = setup.givenPlan ?? generateFaultPlan(space, world.prng.fork('faults'), scenario.faultKinds, params);
  // The run's state: what setup returns, handed to the scenario's fault kinds, invariants and teardown.
  let state: { readonly value: S } | undefined;
  const stateOf = (): S => {
    if (state === undefined) throw new HarnessError(`scenario '${scenario.name}': a fault struck before setup returned its state`);
    return state.value;
  };
  applyFaultPlan(world, plan, scenario.faultKinds, stateOf);
  const invariants: readonly Invariant<P, S>[] = [...scenario.invariants, noUncaughtErrors, gracefulStops];
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
    ...(setup.swarmParams === undefined ? {} : { swarmParams: setup.swarmParams }),
    timeZone: world.timeZone,
    ...(world.tieOrder === 'fifo' ? {} : { tieOrder: world.tieOrder }),
    // Replaced by `hashOnDemand` below; written here so the key keeps its place in result files.
    traceHash: '',
    events: outcome?.events ?? world.trace.length,
    simulatedMs: outcome?.simulatedMs ?? world.elapsed(),
    wallMs: outcome?.wallMs ?? 0,
    epochMs: world.epochMs,
    invariants: invariants.map(({ name, description }) => ({ name, description })),
    replay: replayCommand(options.scenarioReference ?? scenario.name, seed, replaySettings(options, setup)),
    trace: world.trace.events,
  });

  let outcome: RunOutcome;
  try {
    state = { value: await scenario.setup(world, params, { seed, plan, ...(options.mutant === undefined ? {} : { mutant: options.mutant }) }) };
    outcome = await world.run();
  } catch (error) {
    await teardown();
    if (!(error instanceof HarnessError)) throw error;
    return hashOnDemand({ ...facts(undefined), status: 'harness-error', error: { name: error.name, message: error.message }, violations: [] }, world.trace.events);
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
  return hashOnDemand(
    violations.length === 0
      ? { ...facts(outcome), status: 'passed', outcome: outcome.status, violations: [] }
      : { ...facts(outcome), status: 'violated', outcome: outcome.status, violations },
    world.trace.events,
  );
}

/**
 * Makes `result.traceHash` the hash of `events`, worked out when first read and kept. Hashing a
 * long trace costs a tenth to a fifth of a seed (it serializes every event); a fuzz campaign or
 * `check` keeps only the verdicts of passing seeds and never reads it, while the CLI, result files,
 * reports and determinism checks read it as before and get the same value.
 */
function hashOnDemand(result: RunResult, events: readonly TraceEvent[]): RunResult {
  let hash: string | undefined;
  Object.defineProperty(result, 'traceHash', { get: () => (hash ??= traceHash(events)), enumerable: true, configurable: true });
  return result;
}

/**
 * What the replay command must spell out. From the seed alone (`--swarm`) a swarm run draws its
 * parameters, start and zone again; replaying a plan file draws nothing, so the drawn values are
 * written out as `--set`, `--start` and `--zone`.
 */
export function replaySettings(options: RunOptions, setup: RunSetup<object>): ReplayOptions {
  const fromPlan = options.planPath !== undefined && options.swarm === true;
  return {
    params: fromPlan ? { ...setup.swarmParams, ...options.params } : (options.params ?? {}),
    ...(options.planPath === undefined ? {} : { planPath: options.planPath }),
    ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    ...(options.swarm === undefined ? {} : { swarm: options.swarm }),
    ...(options.start !== undefined || (fromPlan && setup.startMs !== DEFAULT_EPOCH_MS) ? { start: setup.startMs } : {}),
    ...(options.timeZone !== undefined || (fromPlan && setup.timeZone !== 'UTC') ? { timeZone: setup.timeZone } : {}),
    ...(setup.tieOrder === 'fifo' ? {} : { tieOrder: setup.tieOrder }),
  };
}

export type ReplayOptions = Pick<RunOptions, 'params' | 'planPath' | 'mutant' | 'swarm' | 'start' | 'timeZone' | 'tieOrder'>;

/** The one command that replays a run: its seed, its parameter overrides, start, zone, tie order, plan file and mutant. */
export function replayCommand(scenario: string, seed: number, options: ReplayOptions): string {
  const parts = ['simrun', 'scenario', shellQuote(scenario), '--seed', String(seed)];
  // A part given as a value in code (`params: { worker: myWorker }`) has no command-line spelling.
  const inCode: string[] = [];
  for (const [key, value] of Object.entries(options.params ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const json = typeof value === 'string' ? value : JSON.stringify(value);
    if (json === undefined) inCode.push(key);
    else parts.push('--set', shellQuote(`${key}=${json}`));
  }
  if (options.start !== undefined) parts.push('--start', formatInstant(options.start));
  if (options.timeZone !== undefined) parts.push('--zone', shellQuote(options.timeZone));
  if (options.tieOrder !== undefined && options.tieOrder !== 'fifo') parts.push('--tie-order', options.tieOrder);
  if (options.planPath !== undefined) parts.push('--plan', shellQuote(options.planPath));
  else if (options.swarm) parts.push('--swarm');
  if (options.mutant !== undefined) parts.push('--mutant', shellQuote(options.mutant));
  if (inCode.length > 0) parts.push(`# not the same run: ${inCode.join(', ')} given as a value in code; give it as a module path (--set ${inCode[0]}=./module.ts) to replay here`);
  return parts.join(' ');
}

export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
