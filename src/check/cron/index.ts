/** The cron-leader invariants, one file each, and the history they judge. */
export { cronHistoryFromTrace, type CronHistory, type CronRunRecord, type ServerLife, type Disturbance, type ClockStep } from './history.js';
export { checkTickAtMostOnce, tickAtMostOnce } from './at-most-once.js';
export { checkRunsNeverOverlap, runsNeverOverlap } from './runs-never-overlap.js';
export { checkTickAtLeastOnce, tickAtLeastOnce, type LivenessBound } from './at-least-once.js';
export { checkRunUnderLease, runUnderLease } from './run-under-lease.js';
export { checkCommandByLeader, commandByLeader } from './command-by-leader.js';
