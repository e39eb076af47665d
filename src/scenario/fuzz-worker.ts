/**
 * A fuzz worker thread: runs seed tasks one at a time, in the order they arrive, and posts back each
 * `SeedRun`. The pool sends the next task before this one ends (`pool.ts`); it waits here, and is
 * given back when the pool asks for it before it has started (another worker fell idle).
 */
import { parentPort } from 'node:worker_threads';
import { serializeError } from '../env/errors.js';
import type { PoolMessage, WorkerMessage } from './pool.js';
import { runSeedTask } from './seed-run.js';

if (parentPort === null) throw new Error('fuzz-worker.js runs as a worker thread');
const port = parentPort;

type TaskMessage = Extract<PoolMessage, { task: unknown }>;

const waiting: TaskMessage[] = [];
let running = false;

port.on('message', (message: PoolMessage) => {
  if ('giveBack' in message) {
    const index = waiting.findIndex((task) => task.id === message.giveBack);
    // Already started (or done): its run is, or will be, posted as usual.
    if (index >= 0) {
      waiting.splice(index, 1);
      port.postMessage({ id: message.giveBack, givenBack: true } satisfies WorkerMessage);
    }
    return;
  }
  waiting.push(message);
  if (!running) void runWaiting();
});

async function runWaiting(): Promise<void> {
  running = true;
  for (let message = waiting.shift(); message !== undefined; message = waiting.shift()) {
    try {
      port.postMessage({ id: message.id, run: await runSeedTask(message.task) } satisfies WorkerMessage);
    } catch (error) {
      port.postMessage({ id: message.id, error: serializeError(error) } satisfies WorkerMessage);
    }
  }
  running = false;
}
