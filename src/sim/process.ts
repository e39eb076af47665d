/**
 * Simulated processes: a named machine (`SimProcess`) runs one incarnation at a time.
 *
 * Fault model each incarnation promises to honour:
 * - **crash**: it stops at its next await, for good. Every wake-up it was waiting for is dropped, so
 *   its in-memory state is simply never touched again; files it wrote and lock rows it holds stay.
 * - **restart**: a new incarnation (`name#2`, `name#3`, ...) starts `main` afresh with a new env, a
 *   new random stream and an empty memory.
 * - **pause**: like a frozen VM, every timer and I/O completion it awaits is deferred by the pause;
 *   it cannot tell, except that its wall clock has jumped when it wakes.
 * - **skew / drift**: belong to the machine, so they survive restarts, and change `env.now()` only;
 *   sleeps still last their virtual duration.
 */
import type { Env, LogData } from '../env/env.js';
import type { EventOwner } from './event-queue.js';
import type { Prng } from './prng.js';
import type { SimFs } from './sim-fs.js';

export type ProcessMain = (env: Env) => Promise<void> | void;

export type ProcessState = 'running' | 'exited' | 'failed' | 'crashed';

/** What an incarnation needs from the world. */
export interface ProcessHost {
  now(): number;
  /** Wakes `owner` after `delayMs` of its time (pauses defer it; a crash drops it). */
  wake(owner: Incarnation, delayMs: number, fire: () => void): { cancelled: boolean };
  record(pid: string, kind: string, data?: LogData): void;
  createFs(owner: Incarnation): SimFs;
}

export class Incarnation implements EventOwner {
  alive = true;
  /** Virtual time until which this incarnation is frozen; -Infinity when it runs. */
  pausedUntil = Number.NEGATIVE_INFINITY;
  state: ProcessState = 'running';
  readonly id: string;
  readonly env: Env;

  constructor(
    readonly process: SimProcess,
    readonly number: number,
    readonly prng: Prng,
    host: ProcessHost,
  ) {
    this.id = `${process.name}#${number}`;
    this.env = createSimEnv(this, host);
  }
}

export class SimProcess {
  private incarnationCount = 0;
  current: Incarnation | undefined;
  /** Offset of this machine's wall clock from true time, in ms. */
  skewMs = 0;
  /** Rate error of this machine's clock in parts per million, counted from `driftSinceMs`. */
  driftPpm = 0;
  driftSinceMs = 0;

  constructor(
    readonly name: string,
    readonly main: ProcessMain,
  ) {}

  get incarnations(): number {
    return this.incarnationCount;
  }

  nextIncarnationNumber(): number {
    this.incarnationCount += 1;
    return this.incarnationCount;
  }

  /** This machine's wall clock at true time `trueMs`. */
  clockAt(trueMs: number): number {
    const driftMs = (this.driftPpm * (trueMs - this.driftSinceMs)) / 1_000_000;
    return Math.round(trueMs + this.skewMs + driftMs);
  }
}

function createSimEnv(self: Incarnation, host: ProcessHost): Env {
  let fs: SimFs | undefined;
  return {
    id: self.id,
    // Created on first use: most processes of a large simulation never touch the disk.
    get fs(): SimFs {
      fs ??= host.createFs(self);
      return fs;
    },
    now: () => self.process.clockAt(host.now()),
    random: () => self.prng.next(),
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      if (signal === undefined) return new Promise<void>((resolve) => void host.wake(self, ms, resolve));
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          timer.cancelled = true;
          if (self.alive) reject(signal.reason);
        };
        const timer = host.wake(self, ms, () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    // A dead incarnation can still run a few synchronous steps after its crash; what it says then
    // never reaches the trace, just as a killed machine's last words never reach its log.
    log(kind: string, data?: LogData): void {
      if (self.alive) host.record(self.id, kind, data);
    },
    print(line: string): void {
      if (self.alive) host.record(self.id, 'stdout', { line });
    },
  };
}
