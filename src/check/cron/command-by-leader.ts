/**
 * Invariant `command-by-leader`: the task's command ran only on the server that held the lock for
 * that tick, inside that server's run of the tick (between its `cron.run.start` and `cron.run.end`,
 * which it emits only after the lock was granted), and every command that started also ended with
 * an exit status unless its server died first.
 */
import type { Checker } from '../checker.js';
import type { Violation } from '../violation.js';
import { isoInstant } from '../../systems/cron/schedule.js';
import { cronEvents } from '../../systems/cron/events.js';
import type { TraceEvent } from '../../sim/trace.js';

const COMMAND_BY_LEADER = 'command-by-leader';

export function checkCommandByLeader(trace: readonly TraceEvent[]): Violation[] {
  const violations: Violation[] = [];
  /** Process → the tick it is running (between run.start and run.end). */
  const running = new Map<string, number>();
  /** Process → the tick whose command it started and has not yet seen end. */
  const started = new Map<string, number>();
  for (const event of trace) {
    if (event.kind === 'process.crash' || event.kind === 'process.exit' || event.kind === 'process.error') {
      running.delete(event.pid);
      started.delete(event.pid);
      continue;
    }
    if (!cronEvents.is(event)) continue;
    switch (event.kind) {
      case 'cron.run.start':
        running.set(event.pid, event.data.tick);
        break;
      case 'cron.run.end':
        running.delete(event.pid);
        break;
      case 'cron.command.start': {
        const { name, tick } = event.data;
        started.set(event.pid, tick);
        if (running.get(event.pid) === tick) break;
        violations.push({
          invariant: COMMAND_BY_LEADER,
          message: `${event.pid} ran the command of '${name}' for tick ${isoInstant(tick)} without holding the lock for it`,
          atMs: event.t,
          eventSeq: event.seq,
          pid: event.pid,
        });
        break;
      }
      case 'cron.command.exit': {
        const { name, tick } = event.data;
        if (started.get(event.pid) !== tick) {
          violations.push({
            invariant: COMMAND_BY_LEADER,
            message: `${event.pid} logged an exit status for the command of '${name}' at tick ${isoInstant(tick)} that it never started`,
            atMs: event.t,
            eventSeq: event.seq,
            pid: event.pid,
          });
        }
        started.delete(event.pid);
        break;
      }
    }
  }
  return violations;
}

export const commandByLeader: Checker<{ readonly trace: readonly TraceEvent[] }> = {
  name: COMMAND_BY_LEADER,
  description: 'the command ran only on the server holding the lock for its tick, inside that run, and its exit was logged',
  check: ({ trace }) => checkCommandByLeader(trace),
};
