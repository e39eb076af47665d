/** Every scenario's invariants as pure functions of a trace, by system, each with its checker object (the checker shape: `./checker.ts`). */
export type { Violation } from './violation.js';
export * as bucket from './bucket/index.js';
export * as clientJobs from './client-jobs/index.js';
export * as cron from './cron/index.js';
export * as lock from './lock/index.js';
export * as jobRunner from './job-runner/index.js';
export * as dag from './dag/index.js';
