/**
 * The kernel's trace events: process lifecycle and clocks (`world.ts`), printed lines (each env's
 * `print`), file operations (`sim-fs.ts`, as `fs.<operation>`) and the faults a plan applies
 * (`faults.ts`, as `fault.<kind>`, carrying the fault itself).
 */
import { eventFamily, type EventFamily } from '../env/events.js';
import type { FsOperation } from './sim-fs.js';

export type ProcessEvent =
  | { readonly kind: 'process.start'; readonly data?: undefined }
  /** `main` returned. */
  | { readonly kind: 'process.exit'; readonly data?: undefined }
  /** `main` threw or rejected: `message` is `Name: message`. */
  | { readonly kind: 'process.error'; readonly data: { readonly message: string } }
  /** Stopped for good; `signal` when a signal's default disposition killed it (no handler registered). */
  | { readonly kind: 'process.crash'; readonly data?: { readonly signal: 'SIGTERM' } }
  /**
   * A graceful stop was delivered: to the handlers it registered (`handled`), or, with none, by the
   * default disposition, which kills it (a `process.crash` follows). `beforeStart`: it had not run
   * any code yet, as a process signalled while Node is still starting.
   */
  | { readonly kind: 'process.signal'; readonly data: { readonly signal: 'SIGTERM'; readonly handled: boolean; readonly beforeStart?: true } }
  /** Frozen for `ms`, until world time `untilMs`. */
  | { readonly kind: 'process.pause'; readonly data: { readonly ms: number; readonly untilMs: number } }
  | { readonly kind: 'process.skew'; readonly data: { readonly skewMs: number } }
  | { readonly kind: 'process.drift'; readonly data: { readonly driftPpm: number } }
  /** Asked for a timer longer than Node honours (`delayMs`): it fired after 1 ms, as Node's does. */
  | { readonly kind: 'process.timer-overflow'; readonly data: { readonly delayMs: number } };

/** A line the process printed to its standard output. */
export type StdoutEvent = { readonly kind: 'stdout'; readonly data: { readonly line: string } };

/** Every kind of file-operation event, one per `FsOperation`. */
export type FsEventKind = `fs.${FsOperation}`;

/**
 * A file operation as it completed: `path` (the source of a `rename` or `link`, whose target is
 * `to`), the size and flag of a write, and `error` (its code) when it failed, `injected` when a
 * fault made it fail.
 */
export type FsEvent = {
  readonly kind: FsEventKind;
  readonly data: {
    readonly path: string;
    readonly to?: string;
    readonly bytes?: number;
    readonly flag?: string;
    readonly error?: string;
    readonly injected?: true;
  };
};

/** A fault the plan applied, with every field of the fault (its own `kind` among them). */
export type FaultEvent = {
  readonly kind: `fault.${string}`;
  readonly data: { readonly at: number; readonly kind: string; readonly target?: string; readonly [field: string]: unknown };
};

export type KernelEvent = ProcessEvent | StdoutEvent | FsEvent | FaultEvent;

export const processEvents: EventFamily<ProcessEvent> = eventFamily<ProcessEvent>({
  'process.start': true,
  'process.exit': true,
  'process.error': true,
  'process.crash': true,
  'process.signal': true,
  'process.pause': true,
  'process.skew': true,
  'process.drift': true,
  'process.timer-overflow': true,
});

export const stdoutEvents: EventFamily<StdoutEvent> = eventFamily<StdoutEvent>({ stdout: true });

export const fsEvents: EventFamily<FsEvent> = eventFamily<FsEvent>((kind) => kind.startsWith('fs.'));

export const faultEvents: EventFamily<FaultEvent> = eventFamily<FaultEvent>((kind) => kind.startsWith('fault.'));

/** Every kernel event. */
export const kernelEvents: EventFamily<KernelEvent> = eventFamily<KernelEvent>(
  (kind) => kind === 'stdout' || kind.startsWith('process.') || kind.startsWith('fs.') || kind.startsWith('fault.'),
);
