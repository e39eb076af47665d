/**
 * Lock backends and the tools to use and judge them. See `lock.ts` for the lease contract.
 */
export type { Lease, LockBackend } from './lock.js';
export { LockError, LockConfigError, LockUnavailableError, LockTimeoutError, LockLostError, LockStateCorruptError, maskUrl } from './errors.js';
export { createMemoryLock, MemoryLockState, type MemoryKeyState, type MemoryLockOptions } from './memory-lock.js';
export { createFileLock, type FileLockOptions } from './file-lock.js';
export { createSqliteLock, type SqliteLockOptions } from './sqlite-lock.js';
export { createPostgresLock, validatePostgresUrl, type PostgresLockOptions } from './postgres-lock.js';
export type { SqlClockOptions } from './sql-common.js';
export { parseLockSpec, openLock, openWaitQueue, type LockSpec, type OpenLockOptions } from './lock-spec.js';
export {
  defineLockBackend,
  declarationOf,
  failureModelOf,
  LOCK_BACKENDS,
  type ExpiryClock,
  type FailureModel,
  type LockDeclaration,
  type LockBackendFactory,
  type LockFactoryContext,
} from './lock-spec.js';
export { withLock, tryWithLock, type WithLockOptions, type LockedWork, type LockAttempt } from './with-lock.js';
export { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { leaseEvents, lockEvents, resourceEvents, type LeaseEvent, type LockEvent, type ResourceEvent } from './events.js';
export { FencedResource, findFenceViolations, type FencedOperation, type FenceViolation } from './fenced-resource.js';
export { withLockLatency, LockCallError, type LockLatencyOptions } from './sim-proxy.js';
export { lockMutants, UnfencedResource, type LockMutant, type MutantContext } from './mutants.js';
export { tracedLock } from './traced-lock.js';
export { createMemoryWaitQueue, MemoryQueueState, type WaitQueue, type QueuePlace, type KeptPlace } from './wait-queue.js';
export { createFileWaitQueue } from './file-wait-queue.js';
export { createSqliteWaitQueue, createPostgresWaitQueue, type SqlQueueOptions } from './sql-wait-queue.js';
