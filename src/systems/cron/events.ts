/**
 * The cron leader's trace events (`cron-server.ts`, `lock-policy.ts`). `name` is the task's name and
 * `tick` the scheduled instant (ms since the Unix epoch) a decision is about.
 */
import { eventFamily, type EventFamily } from '../../env/events.js';

export type CronEvent =
  | { readonly kind: 'cron.server.start'; readonly data: { readonly name: string; readonly schedule: string; readonly timeZone: string } }
  | { readonly kind: 'cron.server.stop'; readonly data: { readonly name: string } }
  /** The server woke more than the misfire grace after the tick: it does not run it. */
  | { readonly kind: 'cron.missed'; readonly data: { readonly name: string; readonly tick: number; readonly lateMs: number } }
  /** Another server holds the lock: this one skips the tick. */
  | { readonly kind: 'cron.skip'; readonly data: { readonly name: string; readonly tick: number; readonly message: string } }
  /** This server holds the lock for the tick; `message` says whether it took it or kept its own. */
  | { readonly kind: 'cron.lock'; readonly data: { readonly name: string; readonly tick: number; readonly message: string; readonly token: number; readonly expiresAt: number } }
  /** A lock call failed (counted as "not held"). */
  | { readonly kind: 'cron.lock-error'; readonly data: { readonly name: string; readonly operation: string; readonly error: string } }
  /** The lease was lost while the task ran: the run is aborted. */
  | { readonly kind: 'cron.lock-lost'; readonly data: { readonly name: string; readonly tick: number } }
  | { readonly kind: 'cron.run.start'; readonly data: { readonly name: string; readonly tick: number; readonly token: number } }
  | { readonly kind: 'cron.task-error'; readonly data: { readonly name: string; readonly tick: number; readonly error: string } }
  | { readonly kind: 'cron.run.end'; readonly data: { readonly name: string; readonly tick: number; readonly outcome: 'done' | 'failed' } }
  /** The task's command started (a real shell command, or the simulated one), within a run of `tick`. */
  | { readonly kind: 'cron.command.start'; readonly data: { readonly name: string; readonly tick: number; readonly command: string } }
  /**
   * The command ended: its exit status (`null` when a signal ended it), the signal, and its output
   * (standard output and error, each cut to its last `OUTPUT_KEPT_CHARS` characters).
   */
  | { readonly kind: 'cron.command.exit'; readonly data: { readonly name: string; readonly tick: number; readonly exitCode: number | null; readonly signal: string | null; readonly stdout: string; readonly stderr: string } };

export const cronEvents: EventFamily<CronEvent> = eventFamily<CronEvent>({
  'cron.server.start': true,
  'cron.server.stop': true,
  'cron.missed': true,
  'cron.skip': true,
  'cron.lock': true,
  'cron.lock-error': true,
  'cron.lock-lost': true,
  'cron.run.start': true,
  'cron.task-error': true,
  'cron.run.end': true,
  'cron.command.start': true,
  'cron.command.exit': true,
});

/** How much of a command's standard output and of its error each `cron.command.exit` event keeps (the end). */
export const OUTPUT_KEPT_CHARS = 4_096;

/** Records a cron event through `env.log`. */
export const emitCron: EventFamily<CronEvent>['emit'] = cronEvents.emit;
