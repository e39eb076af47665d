/**
 * Fuzzing throughput and footprint:
 * - runs/s of a campaign on 1 and 2 worker threads (target: ≥ 1.8× on 2), and on one per core where
 *   there are more than 2, with the share of the process's CPU the main thread took (its work does
 *   not spread over the workers: handing out seeds, reading results, loading);
 * - resident memory over a long campaign (target: growth ≤ 10% from the first tenth to the end);
 * - time to shrink each mutant's first failure (target: ≤ 10 s each);
 * - what one worker thread costs before it runs seeds at full speed (`worker-startup.ts`), the
 *   figure that keeps K threads from being K times one on short campaigns.
 * Writes `reports/bench/fuzz.json`. `SIMRUN_BENCH_FUZZ_RUNS` sets the long campaign's length
 * (default 10,000).
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { runCampaign } from '../src/scenario/fuzz.js';
import { checkMutants } from '../src/scenario/mutant-check.js';
import { builtInScenarioNames } from '../src/scenario/registry.js';
import { writeBenchResult } from './result-file.js';
import { measureWorkerStartup } from './worker-startup.js';

export interface FuzzBenchResult {
  readonly scenario: string;
  readonly runsPerSec1: number;
  readonly runsPerSec2: number;
  readonly speedup2: number;
  /** With more than 2 cores: a campaign on one worker per core, 100 seeds per worker. */
  readonly allCores?: { readonly workers: number; readonly runs: number; readonly runsPerSec: number; readonly speedup: number; readonly mainThreadCpuShare?: number };
  /** One worker thread's start-up, ms of its own CPU (medians of 5 fresh threads), and the later seeds' CPU to weigh it against. */
  readonly workerStartup: { readonly startupCpuMs: number; readonly loadCpuMs: number; readonly firstSeedCpuMs: number; readonly seedCpuMs: number; readonly packagesLoaded: number };
  readonly memory: { readonly runs: number; readonly failures: number; readonly rssStartMb: number; readonly rssEndMb: number; readonly growth: number };
  readonly shrinkSeconds: Readonly<Record<string, number>>;
  readonly slowestShrinkSeconds: number;
}

export async function runFuzzBench(scenario = 'bucket'): Promise<FuzzBenchResult> {
  const throughputRuns = 200;
  const one = await runCampaign({ scenario, runs: throughputRuns, workers: 1, keepGoing: true, shrink: false });
  const two = await runCampaign({ scenario, runs: throughputRuns, workers: 2, keepGoing: true, shrink: false, from: throughputRuns + 1 });
  const cores = availableParallelism();
  let allCores: FuzzBenchResult['allCores'];
  if (cores > 2) {
    const runs = 100 * cores;
    const mainBefore = mainThreadCpuMs();
    const processBefore = process.cpuUsage();
    const all = await runCampaign({ scenario, runs, workers: cores, keepGoing: true, shrink: false, from: 2 * throughputRuns + 1 });
    const processUsed = process.cpuUsage(processBefore);
    const mainAfter = mainThreadCpuMs();
    const share = mainBefore === undefined || mainAfter === undefined ? undefined : (mainAfter - mainBefore) / ((processUsed.user + processUsed.system) / 1000);
    allCores = { workers: cores, runs, runsPerSec: round(all.runsPerSec), speedup: round(all.runsPerSec / one.runsPerSec), ...(share === undefined ? {} : { mainThreadCpuShare: Math.round(share * 1000) / 1000 }) };
  }

  const startup = await measureWorkerStartup(scenario);
  const workerStartup = { startupCpuMs: startup.startupCpuMs, loadCpuMs: startup.loadCpuMs, firstSeedCpuMs: startup.firstSeedCpuMs, seedCpuMs: startup.seedCpuMs, packagesLoaded: startup.packages.length };

  const longRuns = Number(process.env.SIMRUN_BENCH_FUZZ_RUNS ?? 10_000);
  const samples: number[] = [];
  // The long campaign doubles as a soak test of the correct implementation: its failures are reported.
  const long = await runCampaign({
    scenario,
    runs: longRuns,
    workers: 2,
    keepGoing: true,
    shrink: false,
    onProgress: ({ runs }) => {
      if (runs % Math.max(1, Math.floor(longRuns / 20)) === 0) samples.push(process.memoryUsage().rss);
    },
  });
  // The first tenth warms caches and the JIT: growth is measured from there.
  const rssStart = samples[Math.min(2, samples.length - 1)] ?? process.memoryUsage().rss;
  const rssEnd = samples.at(-1) ?? rssStart;

  const verdicts = await checkMutants({ scenarios: builtInScenarioNames(), bound: 2_000 });
  const shrinkSeconds = Object.fromEntries(verdicts.filter((verdict) => verdict.shrinkMs !== undefined).map((verdict) => [`${verdict.scenario}/${verdict.mutant}`, round((verdict.shrinkMs as number) / 1000)]));

  const result: FuzzBenchResult = {
    scenario,
    runsPerSec1: round(one.runsPerSec),
    runsPerSec2: round(two.runsPerSec),
    speedup2: round(two.runsPerSec / one.runsPerSec),
    ...(allCores === undefined ? {} : { allCores }),
    workerStartup,
    memory: { runs: longRuns, failures: long.failures.length, rssStartMb: round(rssStart / 2 ** 20), rssEndMb: round(rssEnd / 2 ** 20), growth: round(rssEnd / rssStart - 1) },
    shrinkSeconds,
    slowestShrinkSeconds: Math.max(0, ...Object.values(shrinkSeconds)),
  };
  return writeBenchResult('fuzz', result);
}

/**
 * CPU time of the calling thread alone, where Linux tells it (`process.cpuUsage()` counts every
 * thread of the process: the workers' and V8's own too).
 */
function mainThreadCpuMs(): number | undefined {
  const file = '/proc/thread-self/schedstat';
  if (!existsSync(file)) return undefined;
  return Number(readFileSync(file, 'utf8').split(' ')[0]) / 1e6;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await runFuzzBench(process.argv[2]));
}
