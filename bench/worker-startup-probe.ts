/**
 * The inside of `worker-startup.ts`'s measurement: a worker thread that loads the seed runner as a
 * fuzz worker does, then runs seeds, and posts how much CPU this thread spent on each step
 * (`/proc/thread-self/schedstat`: this thread alone, not V8's helper threads nor the others).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

export interface ProbeRequest {
  /** URL of the `seed-run.js` to load: this build's, or another build's to compare against. */
  readonly seedRunUrl: string;
  readonly scenario: string;
  readonly seeds: number;
}

export interface ProbeReport {
  /** CPU of this thread up to its first line of code (Node's own start of a worker), where known. */
  readonly bootCpuMs?: number;
  /** CPU of loading the seed runner and what it imports. */
  readonly loadCpuMs: number;
  /** CPU of each seed, in order: the first also loads the scenario and its systems. */
  readonly seedCpuMs: readonly number[];
  /** npm packages this thread loaded through require (CommonJS), by name. */
  readonly packages: readonly string[];
}

const SCHEDSTAT = '/proc/thread-self/schedstat';

function threadCpuMs(): number | undefined {
  if (!existsSync(SCHEDSTAT)) return undefined;
  return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
}

function processCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

async function probe(request: ProbeRequest): Promise<ProbeReport> {
  // Without schedstat (not Linux), the process's CPU stands in: close enough with nothing else running.
  const cpu = (): number => threadCpuMs() ?? processCpuMs();
  const boot = threadCpuMs();
  const beforeLoad = cpu();
  const { runSeedTask } = (await import(request.seedRunUrl)) as typeof import('../src/scenario/seed-run.js');
  const loadCpuMs = cpu() - beforeLoad;
  const seedCpuMs: number[] = [];
  for (let seed = 1; seed <= request.seeds; seed++) {
    const before = cpu();
    await runSeedTask({ scenario: request.scenario, seed, params: {}, swarm: false });
    seedCpuMs.push(cpu() - before);
  }
  const cache = createRequire(import.meta.url).cache;
  const packages = new Set<string>();
  for (const file of Object.keys(cache)) {
    const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    if (match?.[1] !== undefined) packages.add(match[1].replace('\\', '/'));
  }
  return { ...(boot === undefined ? {} : { bootCpuMs: boot }), loadCpuMs, seedCpuMs, packages: [...packages].sort() };
}

if (parentPort !== null) parentPort.postMessage(await probe(workerData as ProbeRequest));
