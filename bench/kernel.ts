/**
 * The simulation driver against its two reference points, in one run on one workload:
 * 10,000 processes × 10 sleeps of 1–1000 ms each.
 *
 * - kernel: simrun's `World` (binary heap; each virtual instant's promises settled in place, as at a
 *   macrotask boundary, with a real macrotask every 256 instants: see `World.run`);
 * - fake-timers: `createClock()` + `runAllAsync()` (one real `setImmediate` per timer);
 * - bare: a minimal binary-heap scheduler that fires every timer of an instant, then yields once:
 *   the practical ceiling for this design on this machine.
 * All three must wake the processes in the same order: each records `(time, process, step)` and the
 * three hashes must agree, or the benchmark fails.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { realPerformanceNow, yieldMacrotask } from '../src/sim/globals.js';
import { Prng } from '../src/sim/prng.js';
import { World } from '../src/sim/world.js';
import { writeBenchResult } from './result-file.js';

const PROCESSES = 10_000;
const SLEEPS = 10;
const EPOCH_MS = 0;
const SEED = 1;

type Sleep = (ms: number) => Promise<void>;

/** One process of the workload: its sleep lengths come from its own stream, the same under every driver. */
async function workload(name: string, sleep: Sleep, now: () => number, wakes: string[]): Promise<void> {
  const prng = Prng.root(SEED).fork(name);
  for (let step = 0; step < SLEEPS; step++) {
    await sleep(prng.int(1, 1000));
    wakes.push(`${now()} ${name} ${step}`);
  }
}

function hashWakes(wakes: readonly string[]): string {
  return createHash('sha256').update(wakes.join('\n')).digest('hex');
}

async function runKernel(): Promise<string> {
  const world = new World({ seed: SEED, epochMs: EPOCH_MS });
  const wakes: string[] = [];
  for (let index = 0; index < PROCESSES; index++) {
    world.spawn(`p${index}`, (env) => workload(`p${index}`, (ms) => env.sleep(ms), () => world.now(), wakes));
  }
  await world.run();
  return hashWakes(wakes);
}

async function runFakeTimers(): Promise<string> {
  const clock = FakeTimers.createClock(EPOCH_MS, 10_000_000);
  const wakes: string[] = [];
  const sleep: Sleep = (ms) => new Promise((resolve) => clock.setTimeout(() => resolve(), ms));
  for (let index = 0; index < PROCESSES; index++) void workload(`p${index}`, sleep, () => clock.now, wakes);
  await clock.runAllAsync();
  return hashWakes(wakes);
}

async function runBare(): Promise<string> {
  interface Timer { time: number; seq: number; resolve: () => void }
  const heap: Timer[] = [];
  let seq = 0;
  let now = EPOCH_MS;
  const less = (a: Timer, b: Timer): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);
  const push = (timer: Timer): void => {
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!less(timer, heap[parent] as Timer)) break;
      heap[index] = heap[parent] as Timer;
      index = parent;
    }
    heap[index] = timer;
  };
  const pop = (): Timer => {
    const top = heap[0] as Timer;
    const last = heap.pop() as Timer;
    if (heap.length > 0) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= heap.length) break;
        const child = left + 1 < heap.length && less(heap[left + 1] as Timer, heap[left] as Timer) ? left + 1 : left;
        if (!less(heap[child] as Timer, last)) break;
        heap[index] = heap[child] as Timer;
        index = child;
      }
      heap[index] = last;
    }
    return top;
  };
  const wakes: string[] = [];
  const sleep: Sleep = (ms) => new Promise((resolve) => push({ time: now + ms, seq: seq++, resolve }));
  for (let index = 0; index < PROCESSES; index++) void workload(`p${index}`, sleep, () => now, wakes);
  await yieldMacrotask();
  while (heap.length > 0) {
    now = (heap[0] as Timer).time;
    while (heap.length > 0 && (heap[0] as Timer).time === now) pop().resolve();
    await yieldMacrotask();
  }
  return hashWakes(wakes);
}

export interface KernelBenchResult {
  readonly workload: string;
  readonly kernelEventsPerSec: number;
  readonly bareEventsPerSec: number;
  readonly fakeTimersEventsPerSec: number;
  /** Kernel events/s over bare events/s, from tinybench's mean of each (run one block after the other). */
  readonly ratioToBare: number;
  /** The same ratio from the median wall time of runs alternated kernel, bare, kernel, ... (`alternatedMedians`). */
  readonly alternatedRatioToBare: number;
  /**
   * The same ratio from CPU time (this thread's and the collector's, `process.cpuUsage`): median
   * bare CPU over median kernel CPU, the two run alternately. On a machine shared with other work the
   * wall-clock ratio measures the neighbours as much as the code.
   */
  readonly cpuRatioToBare: number;
  readonly traceHash: string;
}

const ALTERNATED_ROUNDS = 7;

/**
 * Median CPU ms and median wall ms of the kernel and of the bare scheduler, run alternately
 * `ALTERNATED_ROUNDS` times each: a change in the machine's load then falls on both alike, where
 * tinybench's blocks (every kernel iteration, then every bare one) give it to whichever ran then.
 */
async function alternatedMedians(): Promise<{ cpu: { kernel: number; bare: number }; wall: { kernel: number; bare: number } }> {
  const samples = { cpu: { kernel: [] as number[], bare: [] as number[] }, wall: { kernel: [] as number[], bare: [] as number[] } };
  const cpuMs = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  for (let round = 0; round < ALTERNATED_ROUNDS; round++) {
    for (const [name, run] of [['kernel', runKernel], ['bare', runBare]] as const) {
      const cpuStarted = cpuMs();
      const wallStarted = realPerformanceNow();
      await run();
      samples.wall[name].push(realPerformanceNow() - wallStarted);
      samples.cpu[name].push(cpuMs() - cpuStarted);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
  return {
    cpu: { kernel: median(samples.cpu.kernel), bare: median(samples.cpu.bare) },
    wall: { kernel: median(samples.wall.kernel), bare: median(samples.wall.bare) },
  };
}

export async function runKernelBench(): Promise<KernelBenchResult> {
  const hashes = { kernel: await runKernel(), fakeTimers: await runFakeTimers(), bare: await runBare() };
  if (hashes.kernel !== hashes.bare || hashes.kernel !== hashes.fakeTimers) {
    throw new Error(`the drivers disagree on the wake order: ${JSON.stringify(hashes)}`);
  }
  const bench = new Bench({ iterations: 6, warmup: true, warmupIterations: 3, time: 0 });
  bench.add('kernel', runKernel).add('fake-timers', runFakeTimers).add('bare', runBare);
  await bench.run();
  const events = PROCESSES * SLEEPS;
  const perSec = (name: string): number => {
    const task = bench.getTask(name);
    const mean = task?.result && 'latency' in task.result ? task.result.latency.mean : undefined;
    if (mean === undefined) throw new Error(`benchmark ${name} did not complete`);
    return Math.round(events / (mean / 1000));
  };
  const alternated = await alternatedMedians();
  const kernelEventsPerSec = perSec('kernel');
  const bareEventsPerSec = perSec('bare');
  const result: KernelBenchResult = {
    workload: `${PROCESSES} processes × ${SLEEPS} sleeps of 1–1000 ms`,
    kernelEventsPerSec,
    bareEventsPerSec,
    fakeTimersEventsPerSec: perSec('fake-timers'),
    ratioToBare: Math.round((kernelEventsPerSec / bareEventsPerSec) * 1000) / 1000,
    alternatedRatioToBare: Math.round((alternated.wall.bare / alternated.wall.kernel) * 1000) / 1000,
    cpuRatioToBare: Math.round((alternated.cpu.bare / alternated.cpu.kernel) * 1000) / 1000,
    traceHash: hashes.kernel,
  };
  return writeBenchResult('kernel', result);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await runKernelBench());
}
