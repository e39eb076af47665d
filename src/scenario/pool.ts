/**
 * Runs seed tasks on K worker threads, or in this thread when K is 1 or the compiled worker is not
 * available (under a TypeScript test runner). Tasks are handed out in order.
 *
 * Each worker is given its next task while it still runs the current one (`PIPELINE_DEPTH`), and
 * runs them one after the other: a worker that finishes a seed starts the next at once instead of
 * waiting for this thread to read its result and send it another, which on a busy machine (this
 * thread shares the cores with the workers) left every worker idle for a while after each seed.
 *
 * At the end of a campaign that leaves a tail: the last seeds wait behind a running one on some
 * workers while the others have nothing left. So when a worker falls idle and no task is waiting
 * here, the pool asks a worker that has a task it has not started to give it back, and hands it to
 * the idle one (a seed's run does not depend on the thread that runs it).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from '../env/errors.js';
import { realSetImmediate } from '../sim/globals.js';
import { runSeedTask, type SeedRun, type SeedTask } from './seed-run.js';

export interface SeedRunner {
  run(task: SeedTask): Promise<SeedRun>;
  close(): Promise<void>;
  /** How many tasks to keep handed out at once for every thread to stay busy. */
  readonly capacity: number;
}

/** Tasks handed to one worker at once: the one it runs and the one it starts next. */
const PIPELINE_DEPTH = 2;

export function createSeedRunner(workers: number): SeedRunner {
  const workerFile = fileURLToPath(new URL('./fuzz-worker.js', import.meta.url));
  if (workers <= 1 || !existsSync(workerFile)) return { run: runSeedTask, close: async () => undefined, capacity: 1 };
  return new ThreadPool(workerFile, workers);
}

/** What a worker posts: a task's run or error, or a task it gave back before starting it. */
export type WorkerMessage = { readonly id: number; readonly run: SeedRun } | { readonly id: number; readonly error: SerializedError } | { readonly id: number; readonly givenBack: true };

/** What the pool posts: a task, or a request to give back a task not yet started. */
export type PoolMessage = { readonly id: number; readonly task: SeedTask } | { readonly giveBack: number };

interface Pending {
  readonly id: number;
  readonly task: SeedTask;
  resolve(run: SeedRun): void;
  reject(error: Error): void;
}

class ThreadPool implements SeedRunner {
  readonly capacity: number;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<number, { worker: Worker; pending: Pending }>();
  /** Tasks handed to each worker and not yet answered. */
  private readonly load = new Map<Worker, number>();
  private nextId = 0;
  /** Tasks asked back from the worker holding them, not yet answered. */
  private readonly askedBack = new Set<number>();
  private rebalanceScheduled = false;

  constructor(file: string, size: number) {
    this.capacity = size * PIPELINE_DEPTH;
    for (let index = 0; index < size; index++) {
      const worker = new Worker(file);
      worker.on('message', (message: WorkerMessage) => this.settle(worker, message));
      worker.on('error', (error) => this.fail(worker, error));
      this.load.set(worker, 0);
    }
  }

  run(task: SeedTask): Promise<SeedRun> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.load.keys()].map((worker) => worker.terminate()));
  }

  /** Hands queued tasks out, each to the least loaded worker, none beyond the pipeline's depth. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let chosen: Worker | undefined;
      let chosenLoad = PIPELINE_DEPTH;
      for (const [worker, load] of this.load) {
        if (load < chosenLoad) {
          chosen = worker;
          chosenLoad = load;
        }
      }
      if (chosen === undefined) return;
      const pending = this.queue.shift() as Pending;
      this.inFlight.set(pending.id, { worker: chosen, pending });
      this.load.set(chosen, chosenLoad + 1);
      chosen.postMessage({ id: pending.id, task: pending.task } satisfies PoolMessage);
    }
  }

  /**
   * Runs after the campaign has had its turn to queue more tasks (a settled task's lane queues the
   * next seed in a microtask): only a worker still idle then is at the tail.
   */
  private scheduleRebalance(): void {
    if (this.rebalanceScheduled) return;
    this.rebalanceScheduled = true;
    realSetImmediate(() => {
      this.rebalanceScheduled = false;
      this.rebalance();
    });
  }

  /** For each idle worker, asks a worker with a task waiting behind its running one to give that task back. */
  private rebalance(): void {
    if (this.queue.length > 0) return;
    // Tasks a worker holds and has not been asked for: only one beyond the one it runs can be given back.
    const kept = new Map(this.load);
    for (const id of this.askedBack) {
      const holder = this.inFlight.get(id)?.worker;
      if (holder !== undefined) kept.set(holder, (kept.get(holder) ?? 1) - 1);
    }
    let idle = [...this.load.values()].filter((load) => load === 0).length - this.askedBack.size;
    // The latest task handed out first: it is the one that would finish last.
    const entries = [...this.inFlight].sort(([a], [b]) => b - a);
    for (const [id, entry] of entries) {
      if (idle <= 0) return;
      const holding = kept.get(entry.worker) ?? 0;
      if (this.askedBack.has(id) || holding < 2) continue;
      this.askedBack.add(id);
      kept.set(entry.worker, holding - 1);
      entry.worker.postMessage({ giveBack: id } satisfies PoolMessage);
      idle -= 1;
    }
  }

  private settle(worker: Worker, message: WorkerMessage): void {
    const entry = this.inFlight.get(message.id);
    if (entry === undefined) return;
    this.inFlight.delete(message.id);
    this.askedBack.delete(message.id);
    this.load.set(worker, Math.max(0, (this.load.get(worker) ?? 1) - 1));
    // A task given back goes ahead of any queued one: it was handed out before them.
    if ('givenBack' in message) this.queue.unshift(entry.pending);
    else if ('run' in message) entry.pending.resolve(message.run);
    else entry.pending.reject(deserializeError(message.error));
    this.dispatch();
    this.scheduleRebalance();
  }

  private fail(worker: Worker, error: Error): void {
    for (const [id, entry] of this.inFlight) {
      if (entry.worker === worker) {
        this.inFlight.delete(id);
        this.askedBack.delete(id);
        entry.pending.reject(error);
      }
    }
  }
}
