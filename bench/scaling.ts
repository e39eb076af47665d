/**
 * How campaigns scale with worker threads, the figure a many-core machine is for:
 * - `fuzz`: `simrun fuzz bucket` on 1, 2, 4, 8, ... threads up to the cores, the same number of
 *   seeds per thread at every count (so each count pays its threads' start-up once, as a real
 *   campaign of that size would), with runs/s, the speedup over 1 thread and its efficiency;
 * - `check`: `simrun check` over every built-in scenario on 1 thread and on one per core, again
 *   the same seeds per thread, on one set of threads for all scenarios as the command runs them.
 * Target: 16 threads at ≥ 14× one, on both.
 *
 * Each point is the command itself in a fresh process (`simrun fuzz ... --json`, `simrun check ...
 * --json`), as a user runs it: in one process, the campaigns before would have warmed the main
 * thread's compiled code for the one-thread runs (which run on the main thread) and never for the
 * threads, flattering one thread. fuzz's runs/s is the campaign's own (as the command prints it);
 * check's is every scenario's runs over the command's whole time, start-up included.
 *
 * A failing seed fails the benchmark, since a figure from a run that found a bug measures the bug.
 * Writes `reports/bench/scaling.json`.
 *
 *   npm run build && node dist/bench/scaling.js
 *   SIMRUN_BENCH_SCALING_FUZZ_RUNS   fuzz seeds per thread (default 100)
 *   SIMRUN_BENCH_SCALING_CHECK_SEEDS check seeds per scenario per thread (default 40)
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
    const { output } = await simrun(['fuzz', 'bucket', '--runs', String(runs), '--workers', String(workers), '--keep-going', '--no-shrink', '--json']);
    const campaign = output as CampaignSummary;
    failOnFailures(`fuzz bucket --workers ${workers}`, campaign);
    fuzzPoints.push({ workers, runs: campaign.runs, wallMs: round(campaign.wallMs), runsPerSec: round(campaign.runsPerSec) });
  }

  const checkPoints: Array<Omit<ScalingPoint, 'speedup' | 'efficiency'>> = [];
  for (const workers of cores > 1 ? [1, cores] : [1]) {
    const { output, wallMs } = await simrun(['check', ...scenarios, '--seeds', String(checkSeeds * workers), '--workers', String(workers), '--json']);
    const check = output as { scenarios: CampaignSummary[] };
    let runs = 0;
    for (const campaign of check.scenarios) {
      failOnFailures(`check ${campaign.scenario} --workers ${workers}`, campaign);
      runs += campaign.runs;
    }
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

/** What this benchmark reads of a campaign's JSON. */
interface CampaignSummary {
  readonly scenario: string;
  readonly runs: number;
  readonly wallMs: number;
  readonly runsPerSec: number;
  readonly failures: ReadonlyArray<{ readonly seed: number; readonly replay: string }>;
}

function failOnFailures(what: string, campaign: CampaignSummary): void {
  const failure = campaign.failures[0];
  if (failure !== undefined) throw new Error(`scaling bench: ${what} failed seed ${failure.seed}; replay: ${failure.replay}`);
}

const SIMRUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

/** Runs `simrun ARGS` in a fresh Node process; its JSON output and the real time it took. Exit 1 (a failing seed) still gives its JSON. */
async function simrun(args: readonly string[]): Promise<{ output: unknown; wallMs: number }> {
  const started = realPerformanceNow();
  const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve, reject) => {
    // With this process's Node and V8 options (`node --v8-pool-size=16 dist/bench/scaling.js`).
    const child = spawn(process.execPath, [...process.execArgv, SIMRUN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ stdout, code: exitCode }));
  });
  const wallMs = realPerformanceNow() - started;
  if (code !== 0 && code !== 1) throw new Error(`scaling bench: simrun ${args.join(' ')} exited ${code}`);
  return { output: JSON.parse(stdout) as unknown, wallMs };
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
