/**
 * Runs seed tasks on K worker threads, or in this thread when K is 1 or the compiled worker is not
 * available (under a TypeScript test runner). Tasks are handed out in order, one per idle worker.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from '../env/errors.js';
import { runSeedTask, type SeedRun, type SeedTask } from './seed-run.js';

export interface SeedRunner {
  run(task: SeedTask): Promise<SeedRun>;
  close(): Promise<void>;
}

export function createSeedRunner(workers: number): SeedRunner {
  const workerFile = fileURLToPath(new URL('./fuzz-worker.js', import.meta.url));
  if (workers <= 1 || !existsSync(workerFile)) return { run: runSeedTask, close: async () => undefined };
  return new ThreadPool(workerFile, workers);
}

interface Pending {
  readonly id: number;
  readonly task: SeedTask;
  resolve(run: SeedRun): void;
  reject(error: Error): void;
}

class ThreadPool implements SeedRunner {
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<number, { worker: Worker; pending: Pending }>();
  private readonly all: Worker[] = [];
  private nextId = 0;

  constructor(file: string, size: number) {
    for (let index = 0; index < size; index++) {
      const worker = new Worker(file);
      worker.on('message', (message: { id: number; run?: SeedRun; error?: SerializedError }) => this.settle(worker, message));
      worker.on('error', (error) => this.fail(worker, error));
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  run(task: SeedTask): Promise<SeedRun> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const pending = this.queue.shift() as Pending;
      this.inFlight.set(pending.id, { worker, pending });
      worker.postMessage({ id: pending.id, task: pending.task });
    }
  }

  private settle(worker: Worker, message: { id: number; run?: SeedRun; error?: SerializedError }): void {
    const entry = this.inFlight.get(message.id);
    if (entry === undefined) return;
    this.inFlight.delete(message.id);
    this.idle.push(worker);
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
