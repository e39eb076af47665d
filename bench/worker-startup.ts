/**
 * Start-up of a fuzz worker thread: what each of the K threads of `simrun fuzz --workers K` pays
 * before its seeds run at full speed, and so what keeps K threads from being K times one.
 *
 * Each round starts a fresh worker thread (`worker-startup-probe.ts`) that loads the seed runner as
 * a fuzz worker does and runs a few seeds, reading its own CPU time around each step. Out here the
 * round also reads the whole process's CPU over the thread's life, which adds Node's start of the
 * thread and V8's helper threads (compiling the same code again for every thread) to the thread's own.
 * Medians over the rounds, since the machine may be shared.
 *
 * `node dist/bench/worker-startup.js [SCENARIO] [--rounds N] [--seeds K] [--against DIST]`: with
 * `--against`, the rounds alternate between this build and the build in DIST (another checkout's
 * `dist/`), A B A B, so that both see the same load.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProbeReport, ProbeRequest } from './worker-startup-probe.js';

export interface WorkerStartup {
  readonly scenario: string;
  readonly rounds: number;
  readonly seeds: number;
  /** Medians over the rounds, ms of CPU: the thread's own, from its first line of code to the seed runner loaded. */
  readonly loadCpuMs: number;
  /** The thread's own CPU before its first line of code (Node starting the worker), where Linux tells it. */
  readonly bootCpuMs?: number;
  /** The first seed (which loads the scenario and its systems), and the median of the later seeds. */
  readonly firstSeedCpuMs: number;
  readonly seedCpuMs: number;
  /**
   * What a thread costs before it runs seeds as fast as a warm one, in its own CPU: Node's start of
   * it, loading the seed runner, and what its first seed takes beyond a later one (loading the
   * scenario and its systems, running their code cold).
   */
  readonly startupCpuMs: number;
  /** The process's CPU over the thread's life, all threads (V8's compiler threads included). */
  readonly processCpuMs: number;
  /** Real time from asking for the thread to its report. */
  readonly wallMs: number;
  /** npm packages the thread loaded (CommonJS), from the last round. */
  readonly packages: readonly string[];
}

const PROBE = fileURLToPath(new URL('./worker-startup-probe.js', import.meta.url));

interface Round {
  readonly report: ProbeReport;
  readonly processCpuMs: number;
  readonly wallMs: number;
}

async function round(request: ProbeRequest): Promise<Round> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const report = await new Promise<ProbeReport>((resolvePromise, reject) => {
    const worker = new Worker(PROBE, { workerData: request });
    worker.once('message', (message: ProbeReport) => {
      resolvePromise(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { report, processCpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return Math.round(value * 10) / 10;
}

function summarize(scenario: string, seeds: number, rounds: readonly Round[]): WorkerStartup {
  const boots = rounds.map((entry) => entry.report.bootCpuMs).filter((value): value is number => value !== undefined);
  const bootCpuMs = boots.length === rounds.length ? median(boots) : undefined;
  const loadCpuMs = median(rounds.map((entry) => entry.report.loadCpuMs));
  const firstSeedCpuMs = median(rounds.map((entry) => entry.report.seedCpuMs[0] ?? 0));
  const seedCpuMs = median(rounds.flatMap((entry) => entry.report.seedCpuMs.slice(1)));
  return {
    scenario,
    rounds: rounds.length,
    seeds,
    loadCpuMs,
    ...(bootCpuMs === undefined ? {} : { bootCpuMs }),
    firstSeedCpuMs,
    seedCpuMs,
    startupCpuMs: Math.round(((bootCpuMs ?? 0) + loadCpuMs + Math.max(0, firstSeedCpuMs - seedCpuMs)) * 10) / 10,
    processCpuMs: median(rounds.map((entry) => entry.processCpuMs)),
    wallMs: median(rounds.map((entry) => entry.wallMs)),
    packages: rounds.at(-1)?.report.packages ?? [],
  };
}

/** Start-up of a worker thread of this build, on `scenario`: `rounds` fresh threads, `seeds` seeds each. */
export async function measureWorkerStartup(scenario = 'bucket', rounds = 5, seeds = 5): Promise<WorkerStartup> {
  return (await compareWorkerStartup(scenario, rounds, seeds, []))[0] as WorkerStartup;
}

/** The same measurement for this build and each build in `others` (their `dist/` folders), rounds interleaved. */
export async function compareWorkerStartup(scenario: string, rounds: number, seeds: number, others: readonly string[]): Promise<WorkerStartup[]> {
  const builds = [new URL('../src/scenario/seed-run.js', import.meta.url).href, ...others.map((dist) => pathToFileURL(join(resolve(dist), 'src/scenario/seed-run.js')).href)];
  const results: Round[][] = builds.map(() => []);
  for (let index = 0; index < rounds; index++) {
    for (const [build, seedRunUrl] of builds.entries()) results[build]?.push(await round({ seedRunUrl, scenario, seeds }));
  }
  return results.map((entries) => summarize(scenario, seeds, entries));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const scenario = args.find((arg, index) => !arg.startsWith('--') && !(args[index - 1] ?? '').startsWith('--')) ?? 'bucket';
  const against = option('--against');
  const results = await compareWorkerStartup(scenario, Number(option('--rounds') ?? 5), Number(option('--seeds') ?? 5), against === undefined ? [] : [against]);
  console.log(JSON.stringify(against === undefined ? results[0] : { this: results[0], against: results[1] }, null, 2));
}
