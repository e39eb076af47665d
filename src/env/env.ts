/**
 * The one door through which a system under test reaches the outside world.
 *
 * Systems under test (`src/systems/`) and lock backends (`src/locks/`) take an `Env` and nothing
 * else for time, sleeping, randomness, files and logging. In production `realEnv()` backs it with
 * Node; in simulation every simulated process gets its own `Env` from the `World`, so a seed
 * replays bit for bit. A lint rule keeps `Date`, `Math.random`, global timers, `node:fs` and
 * `process.hrtime` out of those folders.
 */
import type { FsPromises } from './fs.js';

export type { FsPromises } from './fs.js';

/** Data attached to a trace event: plain JSON, so it serializes stably. */
export type LogData = Readonly<Record<string, unknown>>;

export interface Env {
  /** Process name and incarnation, e.g. `"worker-2#1"`; unique per incarnation. */
  readonly id: string;
  /** This process's wall clock in ms since the Unix epoch (clock skew and drift apply). */
  now(): number;
  /**
   * Resolves after `ms` of this process's time. Rejects with the signal's reason if `signal`
   * aborts first. `ms <= 0` yields: it resolves after everything already due at this instant.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A float in [0, 1) from this process's own random stream. */
  random(): number;
  /** The subset of `node:fs/promises` the systems use. */
  readonly fs: FsPromises;
  /** Records a structured event: a trace event in simulation, a JSON log line in real mode. */
  log(kind: string, data?: LogData): void;
  /** Prints one line to this process's standard output (traced as `stdout` in simulation). */
  print(line: string): void;
  /**
   * Registers what a graceful stop (SIGTERM or SIGINT) does to this process; returns the function
   * that removes it. While none is registered a graceful stop kills the process outright, as Node's
   * default disposition does, so a server registers before it announces itself or starts work.
   * Optional: an env that cannot deliver signals (a test double) leaves it out.
   */
  onStop?(handler: () => void): () => void;
  /**
   * A sleep called off through the handle it returns instead of through an `AbortSignal`: the same
   * wake-up as `sleep(ms, signal)`, and `cancel(reason)` does what aborting that signal does. For a
   * loop that starts and calls off a sleep at every step (a lease's lapse timer at each renewal),
   * where making an `AbortController` cost more than the step. Optional: use it through
   * `cancellableSleep(env, ms)` (`cancellable-sleep.ts`), which falls back to `sleep` and a controller.
   */
  cancellableSleep?(ms: number): CancellableSleep;
}

/** A sleep under way that can be called off. */
export interface CancellableSleep {
  /** Resolves after the sleep; rejects with the reason given to `cancel` if that came first. */
  readonly slept: Promise<void>;
  /** Drops the wake-up and rejects `slept` with `reason`, at once; nothing once `slept` has settled. */
  cancel(reason: unknown): void;
}
