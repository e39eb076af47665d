/**
 * Where every benchmark's figures go: `reports/bench/<name>.json`, with the machine they were
 * measured on, since a figure means little without its cores, CPU and Node version.
 * `npm run docs:bench` renders `docs/benchmarks.md` from these files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export const BENCH_RESULTS_DIR = join('reports', 'bench');

export interface BenchMachine {
  /** Cores this process may use (`availableParallelism`), which is what the benchmarks contend for. */
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly memoryGb: number;
  /**
   * The 1-minute load average as the result is written (the benchmark itself counts for about 1):
   * figures from a machine busy with other work are slower, and this says so.
   */
  readonly loadAverage: number;
}

export function benchMachine(): BenchMachine {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Writes `reports/bench/<name>.json`: the result, the machine and the moment it was measured. */
export async function writeBenchResult<T extends object>(name: string, result: T): Promise<T> {
  await mkdir(BENCH_RESULTS_DIR, { recursive: true });
  const file = { ...result, machine: benchMachine(), measuredAt: new Date().toISOString() };
  await writeFile(join(BENCH_RESULTS_DIR, `${name}.json`), JSON.stringify(file, null, 2) + '\n');
  return result;
}
