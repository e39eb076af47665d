/**
 * Cron leader: N servers run a named task on a cron schedule; a lock in a shared store makes each
 * tick run at most once, and at least once while a server is alive (within the documented tolerance).
 */
export { parseCronSchedule, validateTimeZone, isoInstant, CronScheduleError, type CronSchedule } from './schedule.js';
export { cronEvents, emitCron, OUTPUT_KEPT_CHARS, type CronEvent } from './events.js';
export { leaderLockPolicy, type CronLockPolicy, type CronLockTimes, type TakeResult } from './lock-policy.js';
export { runCronServer, approachMs, ALREADY_RUNNING, type CronRun, type CronTask, type CronServerOptions, type CronServerFlaws } from './cron-server.js';
export { cronMutants, type CronMutant, type CronMutantName } from './mutants.js';
