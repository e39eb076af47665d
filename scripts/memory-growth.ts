/**
 * `node --expose-gc dist/scripts/memory-growth.js SCENARIO [--seeds N] [--every M] [--swarm]
 * [--workers K] [--worker-heap] [--snapshots DIR]`: runs a long `check`-style campaign of one
 * scenario (every seed kept going, nothing shrunk) and prints, every M seeds, the process's resident
 * memory and the heap used, after a full collection when `--expose-gc` is given (without it the heap
 * figure includes garbage not yet collected, and says little about what is retained).
 *
 * - By default the campaign runs through `runCampaign` with `--workers K` (default 1: the seeds run
 *   in this thread, so the heap figure covers both what the campaign keeps per seed and whatever a
 *   run leaves reachable). With K ≥ 2 the resident figure covers the worker threads too, and the
 *   heap figure is this thread's alone: the campaign's results.
 * - `--worker-heap` runs the seeds in one worker thread of its own, as a pool's worker runs them
 *   (`runSeedTask`), and reports that worker's heap: what a long-lived worker accumulates.
 * - `--snapshots DIR` also writes a heap snapshot of the thread that runs the seeds at the second
 *   sample and at the last; load both in a browser's developer tools (Memory, "Comparison") or
 *   diff them with `node dist/scripts/heap-diff.js A B` to see what grew and what retains it.
 *
 * The last line gives the growth of the heap and of resident memory from the first sample at or past
 * seed 500 (or the first sample) to the last.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { runCampaign } from '../src/scenario/fuzz.js';

interface Options {
  readonly scenario: string;
  readonly seeds: number;
  readonly every: number;
  readonly swarm: boolean;
  readonly workers: number;
  readonly workerHeap: boolean;
  readonly snapshots: string | undefined;
}

interface Sample {
  readonly seeds: number;
  readonly rssMb: number;
  readonly heapMb: number;
}

const collect = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

function parse(argv: readonly string[]): Options | undefined {
  const [scenario] = argv;
  const valueOf = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index < 0 ? undefined : argv[index + 1];
  };
  const seeds = Number(valueOf('--seeds') ?? 5000);
  const every = Number(valueOf('--every') ?? 500);
  const workers = Number(valueOf('--workers') ?? 1);
  if (scenario === undefined || scenario.startsWith('--') || ![seeds, every, workers].every((n) => Number.isInteger(n) && n >= 1)) return undefined;
  return { scenario, seeds, every, swarm: argv.includes('--swarm'), workers, workerHeap: argv.includes('--worker-heap'), snapshots: valueOf('--snapshots') };
}

function report(sample: Sample): void {
  process.stdout.write(`${String(sample.seeds).padStart(7)} seeds  rss ${sample.rssMb.toFixed(1).padStart(8)} MB  heap used ${sample.heapMb.toFixed(1).padStart(8)} MB\n`);
}

function snapshotName(options: Options, seeds: number, thread: string): string | undefined {
  if (options.snapshots === undefined) return undefined;
  mkdirSync(options.snapshots, { recursive: true });
  return join(options.snapshots, `${options.scenario}${options.swarm ? '-swarm' : ''}-${thread}-${seeds}.heapsnapshot`);
}

/** The samples at which to write a snapshot: the second and the last. */
function wantsSnapshot(options: Options, seeds: number): boolean {
  return seeds === 2 * options.every || seeds === options.seeds;
}

async function inThisThread(options: Options): Promise<Sample[]> {
  const samples: Sample[] = [];
  await runCampaign({
    scenario: options.scenario,
    runs: options.seeds,
    swarm: options.swarm,
    workers: options.workers,
    keepGoing: true,
    shrink: false,
    onProgress: (progress) => {
      if (progress.runs % options.every !== 0) return;
      collect?.();
      const memory = process.memoryUsage();
      const sample = { seeds: progress.runs, rssMb: mb(memory.rss), heapMb: mb(memory.heapUsed) };
      report(sample);
      samples.push(sample);
      const file = wantsSnapshot(options, progress.runs) ? snapshotName(options, progress.runs, 'main') : undefined;
      if (file !== undefined) process.stdout.write(`        snapshot ${writeHeapSnapshot(file)}\n`);
    },
  });
  return samples;
}

/** The worker's code: runs the seeds one after another and posts its heap every `every` seeds. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeHeapSnapshot } = require('node:v8');
(async () => {
  const { runSeedTask } = await import(workerData.seedRun);
  const { scenario, seeds, every, swarm, snapshotAt } = workerData;
  for (let seed = 1; seed <= seeds; seed++) {
    await runSeedTask({ scenario, seed, params: {}, swarm });
    if (seed % every !== 0) continue;
    globalThis.gc?.();
    const snapshot = snapshotAt[seed] === undefined ? undefined : writeHeapSnapshot(snapshotAt[seed]);
    parentPort.postMessage({ seeds: seed, heapUsed: process.memoryUsage().heapUsed, snapshot });
  }
})().catch((error) => { throw error; });
`;

async function inOwnWorker(options: Options): Promise<Sample[]> {
  const snapshotAt: Record<number, string> = {};
  for (const seeds of [2 * options.every, options.seeds]) {
    const file = snapshotName(options, seeds, 'worker');
    if (file !== undefined) snapshotAt[seeds] = file;
  }
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { seedRun: new URL('../src/scenario/seed-run.js', import.meta.url).href, scenario: options.scenario, seeds: options.seeds, every: options.every, swarm: options.swarm, snapshotAt },
  });
  const samples: Sample[] = [];
  worker.on('message', (message: { seeds: number; heapUsed: number; snapshot?: string }) => {
    const sample = { seeds: message.seeds, rssMb: mb(process.memoryUsage().rss), heapMb: mb(message.heapUsed) };
    report(sample);
    if (message.snapshot !== undefined) process.stdout.write(`        snapshot ${message.snapshot}\n`);
    samples.push(sample);
  });
  await new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', () => resolve());
  });
  return samples;
}

function growth(samples: readonly Sample[]): string {
  const first = samples.find((sample) => sample.seeds >= 500) ?? samples[0];
  const last = samples.at(-1);
  if (first === undefined || last === undefined || first === last) return 'too few samples for a growth figure';
  const percent = (from: number, to: number): string => `${to >= from ? '+' : ''}${(((to - from) / from) * 100).toFixed(1)}%`;
  return `seed ${first.seeds} → ${last.seeds}: heap ${first.heapMb} → ${last.heapMb} MB (${percent(first.heapMb, last.heapMb)}), rss ${first.rssMb} → ${last.rssMb} MB (${percent(first.rssMb, last.rssMb)})`;
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parse(argv);
  if (options === undefined) {
    process.stderr.write('usage: memory-growth SCENARIO [--seeds N] [--every M] [--swarm] [--workers K] [--worker-heap] [--snapshots DIR]\n');
    process.exitCode = 2;
    return;
  }
  if (collect === undefined) process.stderr.write('note: run node with --expose-gc for heap figures after a full collection\n');
  const where = options.workerHeap ? 'one worker thread (its heap)' : options.workers > 1 ? `${options.workers} worker threads (rss: all threads; heap: this thread)` : 'this thread';
  process.stdout.write(`${options.scenario}${options.swarm ? ' --swarm' : ''}: ${options.seeds} seeds in ${where}\n`);
  const samples = options.workerHeap ? await inOwnWorker(options) : await inThisThread(options);
  process.stdout.write(`${growth(samples)}\n`);
}

await main(process.argv.slice(2));
