/**
 * A fuzz campaign: many seeds of one scenario, in parallel, each failure shrunk to a minimal
 * reproducer.
 *
 * Seeds are handed out in increasing order and, without `keepGoing`, the campaign stops handing out
 * new ones at the first failure but lets every seed already started finish; it then reports every
 * failure found, lowest seed first. So which failure comes first never depends on thread timing.
 *
 * Sharding splits the seed space deterministically: shard i of n runs seeds `from + k·n + (i − 1)`,
 * so n machines run disjoint seeds and `simrun merge` adds their results up.
 */
import { triageFailures, type TriagedBug } from './triage.js';
import { availableParallelism } from 'node:os';
import { InputError } from '../env/errors.js';
import { realPerformanceNow } from '../sim/globals.js';
import type { Fault } from '../sim/faults.js';
import { createSeedRunner, type SeedRunner } from './pool.js';
import { loadScenario } from './registry.js';
import { replayCommand } from './run.js';
import type { SeedRun, SeedTask } from './seed-run.js';
import { planSize, shrinkFailure, type PlanSize } from './shrink.js';
import type { SwarmDraw } from '../sim/fault-kinds/swarm.js';
import { DEFAULT_EPOCH_MS, type TieOrder } from '../sim/world.js';

export const CAMPAIGN_FORMAT = 'simrun.campaign/1';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export interface CampaignOptions {
  /** A built-in scenario name or a scenario file path. */
  readonly scenario: string;
  /** How replay commands name the scenario (defaults to `scenario`). */
  readonly scenarioReference?: string;
  /** How many seeds (per shard); or run until `durationMs` has passed. */
  readonly runs?: number;
  readonly durationMs?: number;
  /** The first seed of the campaign's seed space (default 1). */
  readonly from?: number;
  readonly shard?: Shard;
  /** Worker threads (default: the number of cores). */
  readonly workers?: number;
  /**
   * Threads to run the seeds on, opened and closed by the caller, for several campaigns in a row
   * (`simrun check`): each worker then loads its modules and warms its compiled code once, not once
   * per campaign. `workers` is not read when given.
   */
  readonly runner?: SeedRunner;
  readonly swarm?: boolean;
  /** Run each seed against these lock backends (`--lock all`: every one the scenario knows). */
  readonly locks?: readonly string[];
  readonly mutant?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** The world's start and zone for every seed (drawn per seed under swarm when absent), and the tie order. */
  readonly start?: number;
  readonly timeZone?: string;
  readonly tieOrder?: TieOrder;
  /** Keep running after a failure. */
  readonly keepGoing?: boolean;
  /** Shrink each failure (default true); at most `maxShrinkRuns` runs each. */
  readonly shrink?: boolean;
  readonly maxShrinkRuns?: number;
  /** Shrink at most this many failures (default 3): the rest keep their original plans. */
  readonly maxShrunkFailures?: number;
  readonly onProgress?: (progress: CampaignProgress) => void;
}

export interface CampaignProgress {
  readonly runs: number;
  readonly failures: number;
  readonly elapsedMs: number;
  readonly runsPerSec: number;
  readonly total?: number;
  readonly last?: SeedRun;
}

export interface CampaignFailure {
  readonly seed: number;
  readonly lock?: string;
  readonly status: 'violated' | 'harness-error';
  /** The first invariant the run broke (`harness` for a harness error). */
  readonly invariant: string;
  /** Every invariant the run broke, when more than one; `invariant` is the first. */
  readonly invariants?: readonly string[];
  readonly message: string;
  readonly swarm?: SwarmDraw;
  /** The parameters the seed drew (swarm); `original.params` includes them. */
  readonly swarmParams?: Readonly<Record<string, unknown>>;
  /** The run's start and zone, when not the default (2020-08-18T00:00Z, UTC). */
  readonly world?: { readonly startMs: number; readonly timeZone: string };
  readonly original: { readonly plan: readonly Fault[]; readonly params: Readonly<Record<string, unknown>>; readonly size: PlanSize };
  readonly shrunk?: { readonly plan: readonly Fault[]; readonly params: Readonly<Record<string, unknown>>; readonly size: PlanSize; readonly runs: number; readonly wallMs: number; readonly traceHash: string };
  /** Replays the original failure (from its seed). */
  readonly replay: string;
  /** Replays the shrunk failure, once its plan is written to a file. */
  readonly shrunkReplay?: string;
  /** The HTML report of this failure's (shrunk) run, relative to the campaign report. */
  readonly reportPath?: string;
}

export interface CampaignResult {
  readonly format: typeof CAMPAIGN_FORMAT;
  readonly scenario: string;
  /** How to name the scenario on a command line: a built-in name or a file path. */
  readonly scenarioReference?: string;
  readonly mutant?: string;
  readonly swarm: boolean;
  /** Present when events due at one instant ran in a seeded order. */
  readonly tieOrder?: TieOrder;
  readonly seeds: { readonly from: number; readonly shard?: Shard; readonly first?: number; readonly last?: number };
  readonly locks?: readonly string[];
  readonly status: 'passed' | 'failed';
  readonly runs: number;
  readonly wallMs: number;
  readonly runsPerSec: number;
  /** For each fault kind: how many times it fired, and in how many failing runs. */
  readonly faultKinds: Readonly<Record<string, { readonly fired: number; readonly inFailingRuns: number }>>;
  readonly failures: readonly CampaignFailure[];
  /** With `keepGoing`: the failures grouped into distinct bugs (`triage.ts`), most frequent first. */
  readonly bugs?: readonly TriagedBug[];
  /** With several locks: seeds whose verdict differed between backends. */
  readonly lockDisagreements?: readonly { readonly seed: number; readonly verdicts: Readonly<Record<string, string>> }[];
}

/**
 * What a campaign keeps of a passed run until it ends: what its verdicts, fault counts and seed
 * range need. A long campaign holds one per seed, so not the plan, the draws or the trace hash; a
 * failing run is kept whole, to be shrunk, triaged and reported.
 */
type KeptRun = Pick<SeedRun, 'seed' | 'lock' | 'status' | 'invariants' | 'faultsFired'>;

function kept(run: SeedRun): KeptRun | SeedRun {
  if (run.status !== 'passed') return run;
  return { seed: run.seed, ...(run.lock === undefined ? {} : { lock: run.lock }), status: run.status, invariants: run.invariants, faultsFired: run.faultsFired };
}

/** Only a passed run is slimmed (`kept`): a failing one is whole. */
function isFailing(run: KeptRun | SeedRun): run is SeedRun {
  return run.status !== 'passed';
}

/** Seed number `k` of a shard. */
export function shardSeed(from: number, k: number, shard: Shard | undefined): number {
  return shard === undefined ? from + k : from + k * shard.count + (shard.index - 1);
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new InputError(`--shard expects i/n with 1 <= i <= n, got '${text}'`);
  }
  return { index, count };
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const scenario = await loadScenario(options.scenario);
  const from = options.from ?? 1;
  const locks = options.locks;
  const runsLimit = options.runs ?? (options.durationMs === undefined ? 100 : Number.POSITIVE_INFINITY);
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : realPerformanceNow() + options.durationMs;
  const runner = options.runner ?? createSeedRunner(options.workers ?? availableParallelism());
  // A pool wants more seeds in flight than it has threads (`pool.ts`), so no worker waits for the next.
  const parallel = Math.max(1, options.runner === undefined ? (options.workers ?? availableParallelism()) : 1, runner.capacity);
  const started = realPerformanceNow();
  const seedRuns: (KeptRun | SeedRun)[] = [];
  let failures = 0;
  let stop = false;
  let k = 0;

  const tasksFor = (seed: number): SeedTask[] =>
    (locks ?? [undefined]).map((lock) => ({
      scenario: options.scenario,
      seed,
      params: options.params ?? {},
      swarm: options.swarm ?? false,
      ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
      ...(lock === undefined ? {} : { lock }),
      ...(options.start === undefined ? {} : { start: options.start }),
      ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
      ...(options.tieOrder === undefined ? {} : { tieOrder: options.tieOrder }),
    }));

  // Keep `parallel` seeds in flight; each lane takes the next seed when it finishes one.
  const lane = async (): Promise<void> => {
    while (!stop && k < runsLimit && realPerformanceNow() < deadline) {
      const seed = shardSeed(from, k, options.shard);
      k += 1;
      const runs = await Promise.all(tasksFor(seed).map((task) => runner.run(task)));
      for (const run of runs) {
        seedRuns.push(kept(run));
        if (run.status !== 'passed') {
          failures += 1;
          if (!options.keepGoing) stop = true;
        }
        const elapsedMs = realPerformanceNow() - started;
        options.onProgress?.({
          runs: seedRuns.length,
          failures,
          elapsedMs,
          runsPerSec: seedRuns.length / Math.max(elapsedMs / 1000, 1e-3),
          ...(Number.isFinite(runsLimit) ? { total: runsLimit * (locks?.length ?? 1) } : {}),
          last: run,
        });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, lane));
  } finally {
    if (options.runner === undefined) await runner.close();
  }
  const wallMs = realPerformanceNow() - started;
  seedRuns.sort((a, b) => a.seed - b.seed || (a.lock ?? '').localeCompare(b.lock ?? ''));

  const failing = seedRuns.filter(isFailing);
  const failuresOut: CampaignFailure[] = [];
  const maxShrunk = options.maxShrunkFailures ?? 3;
  for (const [index, run] of failing.entries()) {
    const given = run.lock === undefined ? { ...options.params } : { ...options.params, lock: run.lock };
    // What the seed drew under swarm is spelled out for shrinking and replaying a plan file.
    const params = { ...run.swarmParams, ...given };
    const world = run.startMs === DEFAULT_EPOCH_MS && run.timeZone === 'UTC' ? undefined : { startMs: run.startMs, timeZone: run.timeZone };
    const invariant = run.firstViolation?.invariant ?? 'harness';
    const shrinkable = run.status === 'violated' && (options.shrink ?? true) && index < maxShrunk;
    let shrunk: CampaignFailure['shrunk'];
    let originalSize = planSize(run.plan, {});
    if (shrinkable) {
      const shrinkStarted = realPerformanceNow();
      const outcome = await shrinkFailure({
        scenario,
        seed: run.seed,
        params,
        plan: run.plan,
        invariant,
        ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
        ...(options.maxShrinkRuns === undefined ? {} : { maxRuns: options.maxShrinkRuns }),
        world: { ...(world === undefined ? {} : { start: world.startMs, timeZone: world.timeZone }), ...(options.tieOrder === undefined ? {} : { tieOrder: options.tieOrder }) },
      });
      originalSize = outcome.original;
      shrunk = { plan: outcome.plan, params: outcome.params, size: outcome.shrunk, runs: outcome.runs, wallMs: realPerformanceNow() - shrinkStarted, traceHash: outcome.result.traceHash };
    }
    failuresOut.push({
      seed: run.seed,
      ...(run.lock === undefined ? {} : { lock: run.lock }),
      status: run.status as 'violated' | 'harness-error',
      invariant,
      ...(run.invariants.length > 1 ? { invariants: run.invariants } : {}),
      message: run.firstViolation?.message ?? run.error ?? '',
      ...(run.swarm === undefined ? {} : { swarm: run.swarm }),
      ...(run.swarmParams === undefined ? {} : { swarmParams: run.swarmParams }),
      ...(world === undefined ? {} : { world }),
      original: { plan: run.plan, params, size: originalSize },
      ...(shrunk === undefined ? {} : { shrunk }),
      replay: replayCommand(options.scenarioReference ?? options.scenario, run.seed, {
        params: given,
        swarm: options.swarm ?? false,
        ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
        ...(options.start === undefined ? {} : { start: options.start }),
        ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
        ...(options.tieOrder === undefined ? {} : { tieOrder: options.tieOrder }),
      }),
    });
  }

  const faultKinds: Record<string, { fired: number; inFailingRuns: number }> = {};
  for (const run of seedRuns) {
    for (const [kind, count] of Object.entries(run.faultsFired)) {
      const entry = (faultKinds[kind] ??= { fired: 0, inFailingRuns: 0 });
      entry.fired += count;
      if (run.status !== 'passed') entry.inFailingRuns += 1;
    }
  }

  const bugs = options.keepGoing && failing.length > 0 ? await triageFailures(failing, { scenario, ...(options.params === undefined ? {} : { params: options.params }), ...(options.mutant === undefined ? {} : { mutant: options.mutant }), ...(options.maxShrinkRuns === undefined ? {} : { maxShrinkRuns: options.maxShrinkRuns }), shrink: options.shrink ?? true }) : undefined;

  let lockDisagreements: CampaignResult['lockDisagreements'];
  if (locks !== undefined && locks.length > 1) {
    const bySeed = new Map<number, Record<string, string>>();
    for (const run of seedRuns) {
      const verdicts = bySeed.get(run.seed) ?? {};
      verdicts[run.lock ?? 'default'] = run.status === 'violated' ? `violated: ${run.invariants.join(', ')}` : run.status;
      bySeed.set(run.seed, verdicts);
    }
    lockDisagreements = [...bySeed]
      .filter(([, verdicts]) => new Set(Object.values(verdicts)).size > 1)
      .map(([seed, verdicts]) => ({ seed, verdicts }));
  }

  return {
    format: CAMPAIGN_FORMAT,
    scenario: scenario.name,
    scenarioReference: options.scenarioReference ?? options.scenario,
    ...(options.mutant === undefined ? {} : { mutant: options.mutant }),
    swarm: options.swarm ?? false,
    ...(options.tieOrder === undefined || options.tieOrder === 'fifo' ? {} : { tieOrder: options.tieOrder }),
    seeds: { from, ...(options.shard === undefined ? {} : { shard: options.shard }), ...(seedRuns.length > 0 ? { first: seedRuns[0]?.seed, last: seedRuns.at(-1)?.seed } : {}) },
    ...(locks === undefined ? {} : { locks }),
    status: failing.length === 0 ? 'passed' : 'failed',
    runs: seedRuns.length,
    wallMs,
    runsPerSec: seedRuns.length / Math.max(wallMs / 1000, 1e-3),
    faultKinds,
    failures: failuresOut,
    ...(bugs === undefined ? {} : { bugs }),
    ...(lockDisagreements === undefined ? {} : { lockDisagreements }),
  };
}

/**
 * How two campaign results differ in what makes them one campaign (its shards differ in seeds
 * only), said in words, or undefined when they are shards of one.
 */
function campaignDifference(a: CampaignResult, b: CampaignResult): string | undefined {
  const aspects: Array<[string, (result: CampaignResult) => unknown]> = [
    ['scenario', (result) => result.scenario],
    ['mutant', (result) => result.mutant ?? 'none'],
    ['swarm', (result) => (result.swarm ? 'on' : 'off')],
    ['locks', (result) => result.locks?.join(', ') ?? "the scenario's own"],
    ['tie order', (result) => result.tieOrder ?? 'fifo'],
  ];
  for (const [aspect, of] of aspects) {
    if (of(a) !== of(b)) return `${aspect} ${String(of(a))} and ${String(of(b))}`;
  }
  return undefined;
}

/** Adds up the results of shards of one campaign (`simrun merge`). */
export function mergeCampaigns(results: readonly CampaignResult[]): CampaignResult {
  const first = results[0];
  if (first === undefined) throw new InputError('nothing to merge');
  for (const [index, result] of results.entries()) {
    if (result.format !== CAMPAIGN_FORMAT) throw new InputError(`not a campaign result (format ${String(result.format)})`);
    const difference = campaignDifference(first, result);
    if (difference !== undefined) throw new InputError(`cannot merge shards of different campaigns: ${difference}`);
    for (const earlier of results.slice(0, index)) {
      const overlap = seedOverlap(earlier, result);
      if (overlap !== undefined) throw new InputError(`cannot merge: two of the results both ran ${overlap} (one given twice?), which would count twice`);
    }
  }
  const runs = results.reduce((sum, result) => sum + result.runs, 0);
  // Shards run side by side on different machines: the campaign took as long as its slowest shard.
  const wallMs = Math.max(...results.map((result) => result.wallMs));
  const faultKinds: Record<string, { fired: number; inFailingRuns: number }> = {};
  for (const result of results) {
    for (const [kind, counts] of Object.entries(result.faultKinds)) {
      const entry = (faultKinds[kind] ??= { fired: 0, inFailingRuns: 0 });
      entry.fired += counts.fired;
      entry.inFailingRuns += counts.inFailingRuns;
    }
  }
  const failures = results.flatMap((result) => result.failures).sort((a, b) => a.seed - b.seed);
  const disagreements = results.flatMap((result) => result.lockDisagreements ?? []);
  const bugs = results.some((result) => result.bugs !== undefined) ? mergeBugs(results.flatMap((result) => result.bugs ?? [])) : undefined;
  return {
    format: CAMPAIGN_FORMAT,
    scenario: first.scenario,
    ...(first.scenarioReference === undefined ? {} : { scenarioReference: first.scenarioReference }),
    ...(first.mutant === undefined ? {} : { mutant: first.mutant }),
    swarm: first.swarm,
    seeds: { from: Math.min(...results.map((result) => result.seeds.from)) },
    ...(first.locks === undefined ? {} : { locks: first.locks }),
    status: failures.length === 0 ? 'passed' : 'failed',
    runs,
    wallMs,
    runsPerSec: runs / Math.max(wallMs / 1000, 1e-3),
    faultKinds,
    failures,
    ...(bugs === undefined ? {} : { bugs }),
    ...(disagreements.length === 0 ? {} : { lockDisagreements: disagreements }),
  };
}

/**
 * The seeds two results both ran, in words (`shard 2/3 of seeds from 1`, `seeds 5..9`), or
 * undefined when they ran none in common, as far as their seed records tell.
 */
function seedOverlap(a: CampaignResult, b: CampaignResult): string | undefined {
  const [shardA, shardB] = [a.seeds.shard, b.seeds.shard];
  if (shardA !== undefined && shardB !== undefined) {
    // Shards of one split run disjoint seeds; the same shard twice runs the same ones.
    if (shardA.count === shardB.count && a.seeds.from === b.seeds.from) return shardA.index === shardB.index ? `shard ${shardA.index}/${shardA.count} of the seeds from ${a.seeds.from}` : undefined;
  }
  if (a.seeds.first === undefined || a.seeds.last === undefined || b.seeds.first === undefined || b.seeds.last === undefined) return undefined;
  if (shardA !== undefined || shardB !== undefined) return undefined;
  // Unsharded campaigns run every seed from their first to their last.
  const from = Math.max(a.seeds.first, b.seeds.first);
  const to = Math.min(a.seeds.last, b.seeds.last);
  return from <= to ? `seeds ${from}..${to}` : undefined;
}

/** The triaged bugs of several shards as one list: a cause found in more than one shard is one bug. */
function mergeBugs(bugs: readonly TriagedBug[]): TriagedBug[] {
  const bySignature = new Map<string, TriagedBug>();
  for (const bug of [...bugs].sort((a, b) => a.firstSeed - b.firstSeed)) {
    const known = bySignature.get(bug.signature);
    // The earliest seed's bug stands for the cause: its message, shrunk plan and replay.
    bySignature.set(bug.signature, known === undefined ? bug : { ...known, count: known.count + bug.count, seeds: [...known.seeds, ...bug.seeds].sort((x, y) => x - y) });
  }
  return [...bySignature.values()].sort((a, b) => b.count - a.count || a.firstSeed - b.firstSeed);
}
