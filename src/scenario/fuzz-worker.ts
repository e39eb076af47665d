/**
 * A fuzz worker thread: runs seed tasks one at a time, in the order they arrive, and posts back each
 * `SeedRun`. The pool sends the next task before this one ends (`pool.ts`); it waits here.
 */
import { parentPort } from 'node:worker_threads';
import { serializeError } from '../env/errors.js';
import { runSeedTask, type SeedTask } from './seed-run.js';

if (parentPort === null) throw new Error('fuzz-worker.js runs as a worker thread');
const port = parentPort;

interface TaskMessage {
  readonly id: number;
  readonly task: SeedTask;
}

const waiting: TaskMessage[] = [];
let running = false;

port.on('message', (message: TaskMessage) => {
  waiting.push(message);
  if (!running) void runWaiting();
});

async function runWaiting(): Promise<void> {
  running = true;
  for (let message = waiting.shift(); message !== undefined; message = waiting.shift()) {
    try {
      port.postMessage({ id: message.id, run: await runSeedTask(message.task) });
    } catch (error) {
      port.postMessage({ id: message.id, error: serializeError(error) });
    }
  }
  running = false;
}
