/** The cron-leader invariants, one file each, and the history they judge. */
export { cronHistoryFromTrace, type CronHistory, type CronRunRecord, type ServerLife, type Disturbance } from './history.js';
export { checkTickAtMostOnce, TICK_AT_MOST_ONCE } from './at-most-once.js';
export { checkRunsNeverOverlap, RUNS_NEVER_OVERLAP } from './runs-never-overlap.js';
export { checkTickAtLeastOnce, TICK_AT_LEAST_ONCE, type LivenessBound } from './at-least-once.js';
