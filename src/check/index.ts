/** Every scenario's invariants as pure functions of a trace, by system, each with its checker object. */
export type { Violation } from './violation.js';
export { feed, createDerive, type Checker, type RunContext, type TraceInput } from './checker.js';
export { checkNoUncaughtErrors, noUncaughtErrors } from './no-uncaught-errors.js';
export * as bucket from './bucket/index.js';
export * as clientJobs from './client-jobs/index.js';
export * as cron from './cron/index.js';
export * as lock from './lock/index.js';
export * as jobRunner from './job-runner/index.js';
export * as dag from './dag/index.js';
