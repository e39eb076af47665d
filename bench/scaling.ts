/**
 * How campaigns scale with worker threads, the figure a many-core machine is for:
 * - `fuzz`: `simrun fuzz bucket` on 1, 2, 4, 8, ... threads up to the cores, the same number of
 *   seeds per thread at every count (so each count pays its threads' start-up once, as a real
 *   campaign of that size would), with runs/s, the speedup over 1 thread and its efficiency;
 * - `check`: `simrun check` over every built-in scenario on 1 thread and on one per core, again
 *   the same seeds per thread, on one set of threads for all scenarios as the command runs them.
 * Target: 16 threads at ≥ 14× one, on both.
 *
 * Every seed's verdict is read: a failing seed fails the benchmark, since a figure from a run that
 * found a bug measures the bug. Writes `reports/bench/scaling.json`.
 *
 *   npm run build && node dist/bench/scaling.js
 *   SIMRUN_BENCH_SCALING_FUZZ_RUNS   fuzz seeds per thread (default 100)
 *   SIMRUN_BENCH_SCALING_CHECK_SEEDS check seeds per scenario per thread (default 40)
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { runCampaign } from '../src/scenario/fuzz.js';
import { createSeedRunner } from '../src/scenario/pool.js';
import { builtInScenarioNames } from '../src/scenario/registry.js';
import { realPerformanceNow } from '../src/sim/globals.js';
import { writeBenchResult } from './result-file.js';

export interface ScalingPoint {
  readonly workers: number;
  readonly runs: number;
  readonly wallMs: number;
  readonly runsPerSec: number;
  /** runs/s over 1 thread's runs/s. */
  readonly speedup: number;
  /** speedup over the thread count. */
  readonly efficiency: number;
}

export interface ScalingBenchResult {
  readonly benchmark: 'scaling';
  readonly cores: number;
  readonly targetSpeedupAt16: number;
  readonly fuzzScenario: string;
  readonly fuzzRunsPerWorker: number;
  readonly checkScenarios: readonly string[];
  readonly checkSeedsPerScenarioPerWorker: number;
  /** `fuzz bucket` at each thread count. */
  readonly fuzz: readonly ScalingPoint[];
  /** `check` over every scenario on 1 thread and on one per core. */
  readonly check: readonly ScalingPoint[];
}

/** 1, 2, 4, 8, ... up to `cores`, and `cores` itself. */
export function workerCounts(cores: number): number[] {
  const counts: number[] = [];
  for (let count = 1; count < cores; count *= 2) counts.push(count);
  counts.push(cores);
  return counts;
}

export async function runScalingBench(): Promise<ScalingBenchResult> {
  const cores = availableParallelism();
  const fuzzRuns = positive(process.env.SIMRUN_BENCH_SCALING_FUZZ_RUNS, 100);
  const checkSeeds = positive(process.env.SIMRUN_BENCH_SCALING_CHECK_SEEDS, 40);
  const scenarios = builtInScenarioNames();

  const fuzzPoints: Array<Omit<ScalingPoint, 'speedup' | 'efficiency'>> = [];
  for (const workers of workerCounts(cores)) {
    const runs = fuzzRuns * workers;
    const started = realPerformanceNow();
    const result = await runCampaign({ scenario: 'bucket', runs, workers, keepGoing: true, shrink: false });
    const wallMs = realPerformanceNow() - started;
    if (result.failures.length > 0) throw new Error(`scaling bench: fuzz bucket failed seed ${result.failures[0]?.seed}; replay: ${result.failures[0]?.replay}`);
    fuzzPoints.push({ workers, runs, wallMs: round(wallMs), runsPerSec: round((runs / wallMs) * 1000) });
  }

  const checkPoints: Array<Omit<ScalingPoint, 'speedup' | 'efficiency'>> = [];
  for (const workers of cores > 1 ? [1, cores] : [1]) {
    const started = realPerformanceNow();
    const runner = createSeedRunner(workers);
    let runs = 0;
    try {
      for (const scenario of scenarios) {
        const result = await runCampaign({ scenario, runs: checkSeeds * workers, keepGoing: true, shrink: false, runner });
        if (result.failures.length > 0) throw new Error(`scaling bench: check ${scenario} failed seed ${result.failures[0]?.seed}; replay: ${result.failures[0]?.replay}`);
        runs += result.runs;
      }
    } finally {
      await runner.close();
    }
    const wallMs = realPerformanceNow() - started;
    checkPoints.push({ workers, runs, wallMs: round(wallMs), runsPerSec: round((runs / wallMs) * 1000) });
  }

  return writeBenchResult('scaling', {
    benchmark: 'scaling',
    cores,
    targetSpeedupAt16: 14,
    fuzzScenario: 'bucket',
    fuzzRunsPerWorker: fuzzRuns,
    checkScenarios: scenarios,
    checkSeedsPerScenarioPerWorker: checkSeeds,
    fuzz: withSpeedups(fuzzPoints),
    check: withSpeedups(checkPoints),
  } satisfies ScalingBenchResult);
}

function withSpeedups(points: ReadonlyArray<Omit<ScalingPoint, 'speedup' | 'efficiency'>>): ScalingPoint[] {
  const one = points.find((point) => point.workers === 1)?.runsPerSec ?? Number.NaN;
  return points.map((point) => ({ ...point, speedup: round(point.runsPerSec / one), efficiency: round(point.runsPerSec / one / point.workers) }));
}

function positive(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await runScalingBench(), null, 2));
}
