/**
 * One seed of a fuzz campaign, reduced to what a campaign keeps: verdict, first violation, plan,
 * which fault kinds fired, and the trace hash of a failing run. The trace itself stays in the worker that ran it, so
 * memory does not grow with the number of runs.
 */
import type { Fault } from '../sim/faults.js';
import { loadScenario } from './registry.js';
import { runScenario, type RunStatus } from './run.js';
import type { Scenario } from './scenario.js';
import type { SwarmDraw } from '../sim/fault-kinds/swarm.js';
import type { TieOrder } from '../sim/world.js';

export interface SeedTask {
  readonly scenario: string;
  readonly seed: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly swarm: boolean;
  readonly mutant?: string;
  /** A lock backend to run against (`params.lock`), for `--lock NAME|all`. */
  readonly lock?: string;
  readonly start?: number;
  readonly timeZone?: string;
  readonly tieOrder?: TieOrder;
  /** Hash the trace of a run that passes too (a failing run's is always hashed): a campaign does not keep it. */
  readonly traceHash?: boolean;
}

/** One cause of a failure: what triage groups failures by. */
export interface FailureCause {
  readonly invariant: string;
  readonly operation?: string;
  readonly message: string;
}

export interface SeedRun {
  readonly seed: number;
  readonly lock?: string;
  readonly status: RunStatus;
  /** Names of the invariants violated, in order of first violation. */
  readonly invariants: readonly string[];
  readonly firstViolation?: { readonly invariant: string; readonly message: string; readonly atMs?: number };
  /** Each distinct cause the run showed (invariant, and the operation that broke it when the checker names one), in order, with its first message. */
  readonly causes: readonly FailureCause[];
  readonly error?: string;
  /** The trace hash: of every run that failed, and of one that passed when its task asked. */
  readonly traceHash?: string;
  /**
   * The fault plan of a run that failed; empty for one that passed: only failures are shrunk or
   * replayed from it, and it is most of what a run's message from its worker thread would carry.
   */
  readonly plan: readonly Fault[];
  readonly swarm?: SwarmDraw;
  /** The parameters the seed drew (swarm). */
  readonly swarmParams?: Readonly<Record<string, unknown>>;
  /** The world's start and zone, as run (drawn under swarm). */
  readonly startMs: number;
  readonly timeZone: string;
  /** Fault kinds that fired during the run (planned faults past the horizon never fire). */
  readonly faultsFired: Readonly<Record<string, number>>;
  readonly events: number;
  readonly wallMs: number;
}

const cache = new Map<string, Promise<Scenario<object>>>();

export async function runSeedTask(task: SeedTask): Promise<SeedRun> {
  let scenario = cache.get(task.scenario);
  if (scenario === undefined) {
    scenario = loadScenario(task.scenario);
    cache.set(task.scenario, scenario);
  }
  const params = task.lock === undefined ? task.params : { ...task.params, lock: task.lock };
  const result = await runScenario(await scenario, {
    seed: task.seed,
    params,
    swarm: task.swarm,
    ...(task.mutant === undefined ? {} : { mutant: task.mutant }),
    ...(task.start === undefined ? {} : { start: task.start }),
    ...(task.timeZone === undefined ? {} : { timeZone: task.timeZone }),
    ...(task.tieOrder === undefined ? {} : { tieOrder: task.tieOrder }),
  });
  const faultsFired: Record<string, number> = {};
  for (const event of result.trace) {
    if (event.pid === 'world' && event.kind.startsWith('fault.')) {
      const kind = event.kind.slice('fault.'.length);
      faultsFired[kind] = (faultsFired[kind] ?? 0) + 1;
    }
  }
  const invariants = [...new Set(result.violations.map((violation) => violation.invariant))];
  const causes = new Map<string, FailureCause>();
  for (const violation of result.violations) {
    const id = `${violation.invariant}\u0000${violation.operation ?? ''}`;
    if (!causes.has(id)) causes.set(id, { invariant: violation.invariant, ...(violation.operation === undefined ? {} : { operation: violation.operation }), message: violation.message });
  }
  const first = result.violations[0];
  return {
    seed: task.seed,
    ...(task.lock === undefined ? {} : { lock: task.lock }),
    status: result.status,
    invariants,
    causes: [...causes.values()],
    ...(first === undefined ? {} : { firstViolation: { invariant: first.invariant, message: first.message, ...(first.atMs === undefined ? {} : { atMs: first.atMs - result.epochMs }) } }),
    ...(result.status === 'harness-error' ? { error: `${result.error.name}: ${result.error.message}` } : {}),
    ...(result.status !== 'passed' || task.traceHash === true ? { traceHash: result.traceHash } : {}),
    plan: result.status === 'passed' ? [] : result.plan,
    ...(result.swarm === undefined ? {} : { swarm: result.swarm }),
    ...(result.swarmParams === undefined ? {} : { swarmParams: result.swarmParams }),
    startMs: result.epochMs,
    timeZone: result.timeZone,
    faultsFired,
    events: result.events,
    wallMs: result.wallMs,
  };
}
