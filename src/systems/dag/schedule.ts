/**
 * A pipeline's recurring schedule: its `schedule:` cron expression, read in UTC by the cron
 * system's parser (`../cron/schedule.ts`), so five- and six-field expressions and `@daily`-style
 * shorthands mean what they mean there.
 */
import { parseCronSchedule, type CronSchedule } from '../cron/schedule.js';
import type { Pipeline } from './pipeline.js';

/** Whether `expression` is a cron expression the scheduler can walk. */
export function isCronExpression(expression: string): boolean {
  try {
    parseCronSchedule(expression, 'UTC');
    return true;
  } catch {
    return false;
  }
}

/** The pipeline's schedule, or undefined when it has none. */
export function pipelineSchedule(pipeline: Pipeline): CronSchedule | undefined {
  return pipeline.schedule === undefined ? undefined : parseCronSchedule(pipeline.schedule, 'UTC');
}
