/**
 * A user's backend built on simrun's own file lock: generation files in the directory every process
 * of the run shares (`dir`), through the process's fs and judged by its clock. An in-process library
 * (failure model `in-process`: it gets filesystem faults, not lock-call faults) whose expiry is judged
 * by each caller's clock. It keeps the contract in simulation and across real OS processes:
 *
 *   npx simrun lock-contract examples/lock-backend/file-lock.ts --real 3
 */
import { createFileLock, defineLockBackend } from 'simrun';

export default defineLockBackend(({ env, fs, dir }) => createFileLock(fs, dir, { now: () => env.now() }), { expiryClock: 'caller', failureModel: 'in-process' });
