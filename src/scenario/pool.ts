/**
 * Runs seed tasks on K worker threads, or in this thread when K is 1 or the compiled worker is not
 * available (under a TypeScript test runner). Tasks are handed out in order.
 *
 * Each worker is given its next task while it still runs the current one (`PIPELINE_DEPTH`), and
 * runs them one after the other: a worker that finishes a seed starts the next at once instead of
 * waiting for this thread to read its result and send it another, which on a busy machine (this
 * thread shares the cores with the workers) left every worker idle for a while after each seed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from '../env/errors.js';
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

  constructor(file: string, size: number) {
    this.capacity = size * PIPELINE_DEPTH;
    for (let index = 0; index < size; index++) {
      const worker = new Worker(file);
      worker.on('message', (message: { id: number; run?: SeedRun; error?: SerializedError }) => this.settle(worker, message));
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
      chosen.postMessage({ id: pending.id, task: pending.task });
    }
  }

  private settle(worker: Worker, message: { id: number; run?: SeedRun; error?: SerializedError }): void {
    const entry = this.inFlight.get(message.id);
    if (entry === undefined) return;
    this.inFlight.delete(message.id);
    this.load.set(worker, Math.max(0, (this.load.get(worker) ?? 1) - 1));
    if (message.run !== undefined) entry.pending.resolve(message.run);
    else entry.pending.reject(deserializeError(message.error));
    this.dispatch();
  }

  private fail(worker: Worker, error: Error): void {
    for (const [id, entry] of this.inFlight) {
      if (entry.worker === worker) {
        this.inFlight.delete(id);
        entry.pending.reject(error);
      }
    }
  }
}
