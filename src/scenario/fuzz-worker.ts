/**
 * A fuzz worker thread: runs seed tasks one at a time and posts back each `SeedRun`.
 */
import { parentPort } from 'node:worker_threads';
import { serializeError } from '../env/errors.js';
import { runSeedTask, type SeedTask } from './seed-run.js';

if (parentPort === null) throw new Error('fuzz-worker.js runs as a worker thread');
const port = parentPort;

port.on('message', (message: { id: number; task: SeedTask }) => {
  runSeedTask(message.task).then(
    (run) => port.postMessage({ id: message.id, run }),
    (error: unknown) => port.postMessage({ id: message.id, error: serializeError(error) }),
  );
});
