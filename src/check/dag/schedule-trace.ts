/**
 * The facts of a scheduled pipeline read from a trace: its schedule, and each scheduler's waits,
 * fires and finished runs (`dag.schedule.*`), in trace order, with the process that emitted them.
 */
import type { TraceEvent } from '../../sim/trace.js';
import type { RunContext } from '../checker.js';
import { dagEvents } from '../../systems/dag/events.js';

export interface ScheduleStep {
  readonly kind: 'wait' | 'fire' | 'ran';
  readonly tickMs: number;
  readonly event: TraceEvent;
}

export interface ScheduleFacts {
  /** The cron expression (UTC) the pipeline runs on; undefined when no scheduler started. */
  readonly schedule: string | undefined;
  readonly steps: readonly ScheduleStep[];
}

export function scheduleFacts(trace: readonly TraceEvent[]): ScheduleFacts {
  let schedule: string | undefined;
  const steps: ScheduleStep[] = [];
  for (const event of dagEvents.of(trace)) {
    if (event.kind === 'dag.schedule.start') schedule ??= event.data.schedule;
    else if (event.kind === 'dag.schedule.wait') steps.push({ kind: 'wait', tickMs: event.data.tickMs, event: event as TraceEvent });
    else if (event.kind === 'dag.schedule.fire') steps.push({ kind: 'fire', tickMs: event.data.tickMs, event: event as TraceEvent });
    else if (event.kind === 'dag.schedule.ran') steps.push({ kind: 'ran', tickMs: event.data.tickMs, event: event as TraceEvent });
  }
  return { schedule, steps };
}

/** Shared by the schedule checkers (`run.derive(scheduleFactsOf)`). */
export function scheduleFactsOf(run: RunContext): ScheduleFacts {
  return scheduleFacts(run.trace);
}
