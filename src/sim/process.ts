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
 * - **graceful stop** (SIGTERM): runs the handlers it registered with `env.onStop` at its next step
 *   (a pause defers them); with none registered it dies at once, as a crash, which is what Node's
 *   default disposition does to a process that has not yet installed its handler.
 */
import type { CancellableSleep, Env, LogData } from '../env/env.js';
import type { AbortListeners } from './abort-listeners.js';
import type { EventOwner } from './event-queue.js';
import { stdoutEvents } from './events.js';
import { formatProcessId } from './process-id.js';
import type { Prng } from './prng.js';
import type { SimFs } from './sim-fs.js';

export type ProcessMain = (env: Env) => Promise<void> | void;

export type ProcessState = 'running' | 'exited' | 'failed' | 'crashed';

/** What an incarnation needs from the world. */
export interface ProcessHost {
  now(): number;
  /** Wakes `owner` after `delayMs` of its time (pauses defer it; a crash drops it). */
  wake(owner: Incarnation, delayMs: number, fire: () => void): { cancelled: boolean };
  /** `wake` for a wake-up nobody cancels: no handle comes back, so the world may reuse its record. */
  wakeUncancellable(owner: Incarnation, delayMs: number, fire: () => void): void;
  record(pid: string, kind: string, data?: LogData): void;
  createFs(owner: Incarnation): SimFs;
  /** Where a sleep hangs its abort listener, so the world can take it off when the run ends. */
  readonly abortListeners: AbortListeners;
}

export class Incarnation implements EventOwner {
  alive = true;
  /** Virtual time until which this incarnation is frozen; -Infinity when it runs. */
  pausedUntil = Number.NEGATIVE_INFINITY;
  state: ProcessState = 'running';
  /** Set when its first step runs: a signal before that hits a process that has not run any code yet. */
  ran = false;
  /** What a graceful stop runs (`env.onStop`), in registration order; none until one registers. */
  stopHandlers: (() => void)[] | undefined;
  readonly id: string;
  readonly env: Env;
  /** This incarnation's own stream, forked on first use: most incarnations of a large simulation never draw. */
  private stream: Prng | undefined;
  /** What runs once it has ended (`whenEnded`); none until one registers. */
  private endHandlers: (() => void)[] | undefined;

  constructor(
    readonly process: SimProcess,
    readonly number: number,
    /** The stream every process's stream forks from (`process/<name>/<number>`); forking draws nothing from it. */
    private readonly processStreams: Prng,
    host: ProcessHost,
  ) {
    this.id = formatProcessId(process.name, number);
    this.env = createSimEnv(this, host);
  }

  get prng(): Prng {
    return (this.stream ??= this.processStreams.fork(this.process.name).fork(String(this.number)));
  }

  /**
   * Runs `handler` once this incarnation has ended (crashed, exited or failed), at once if it
   * already has: what the far end of a pipe sees when the process holding it dies, as the kernel
   * closes a dead process's descriptors.
   */
  whenEnded(handler: () => void): void {
    if (!this.alive) handler();
    else (this.endHandlers ??= []).push(handler);
  }

  /** Called by the world as the incarnation ends (after `alive` turned false): runs each handler once. */
  ended(): void {
    const handlers = this.endHandlers;
    this.endHandlers = undefined;
    for (const handler of handlers ?? []) handler();
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

/**
 * A promise executor that hands its `resolve` out through `captured`: a sleep without a signal then
 * allocates no executor closure (and no context for it), only the promise and its wake-up.
 */
let captured: (() => void) | undefined;
const capture = (resolve: () => void): void => {
  captured = resolve;
};


let capturedReject: ((reason: unknown) => void) | undefined;
const captureBoth = (resolve: () => void, reject: (reason: unknown) => void): void => {
  captured = resolve;
  capturedReject = reject;
};

/** `env.cancellableSleep`: `sleep` with a signal, without the signal: `cancel` is what its abort listener does. */
class SimCancellableSleep implements CancellableSleep {
  readonly slept: Promise<void>;
  private readonly reject: (reason: unknown) => void;
  private readonly wakeUp: { cancelled: boolean };

  constructor(
    private readonly self: Incarnation,
    host: ProcessHost,
    ms: number,
  ) {
    this.slept = new Promise<void>(captureBoth);
    const resolve = captured as () => void;
    this.reject = capturedReject as (reason: unknown) => void;
    captured = capturedReject = undefined;
    this.wakeUp = host.wake(self, ms, resolve);
  }

  cancel(reason: unknown): void {
    this.wakeUp.cancelled = true;
    if (this.self.alive) this.reject(reason);
  }
}

/** What an env's `fs` getter needs; kept under a symbol that is not enumerable, so spreading an env copies only its contract. */
const ENV_STATE = Symbol('simrun.env');

interface EnvState {
  readonly self: Incarnation;
  readonly host: ProcessHost;
  fs: SimFs | undefined;
  /** The env's less used methods, made on first use (see `lazyMethod`). */
  methods: Partial<Pick<Env, LazyMethod>> | undefined;
}

/** The methods an env makes the first time they are read. */
type LazyMethod = 'random' | 'cancellableSleep' | 'print' | 'onStop';

/**
 * The env's `fs`: created on first use (most processes of a large simulation never touch the disk).
 * One getter shared by every env: an object literal with its own getter is created in dictionary
 * mode, which made every `env.sleep` and `env.now` a hash lookup that the compiler cannot inline.
 */
const FS_PROPERTY: PropertyDescriptor = {
  get(this: { readonly [ENV_STATE]: EnvState }): SimFs {
    const state = this[ENV_STATE];
    state.fs ??= state.host.createFs(state.self);
    return state.fs;
  },
  enumerable: true,
  configurable: true,
};

type MutableEnv = { -readonly [K in keyof Env]: Env[K] };

/**
 * An env method made the first time it is read, by one getter shared by every env (as `fs`): a
 * closure is the larger part of what a process holds before its first sleep, and a simulation of
 * ten thousand processes that only sleep never calls these. Read once, the method is the same
 * function every time, detached or not; spreading an env copies it as a plain value.
 */
function lazyMethod<K extends LazyMethod>(name: K, make: (env: Env, self: Incarnation, host: ProcessHost) => NonNullable<Env[K]>): PropertyDescriptor {
  return {
    get(this: Env & { readonly [ENV_STATE]: EnvState }): NonNullable<Env[K]> {
      const state = this[ENV_STATE];
      const methods = (state.methods ??= {});
      return (methods[name] ??= make(this, state.self, state.host)) as NonNullable<Env[K]>;
    },
    enumerable: true,
    configurable: true,
  };
}

const RANDOM_PROPERTY = lazyMethod('random', (_env, self) => () => self.prng.next());
const CANCELLABLE_SLEEP_PROPERTY = lazyMethod('cancellableSleep', (_env, self, host) => (ms: number): CancellableSleep => new SimCancellableSleep(self, host, ms));
const PRINT_PROPERTY = lazyMethod(
  'print',
  (env) =>
    function print(line: string): void {
      stdoutEvents.emit(env, { kind: 'stdout', data: { line } });
    },
);
const ON_STOP_PROPERTY = lazyMethod(
  'onStop',
  (_env, self) =>
    function onStop(handler: () => void): () => void {
      (self.stopHandlers ??= []).push(handler);
      return () => {
        const index = self.stopHandlers?.indexOf(handler) ?? -1;
        if (index >= 0) self.stopHandlers?.splice(index, 1);
      };
    },
);

function createSimEnv(self: Incarnation, host: ProcessHost): Env {
  // Built in one fixed order (id, fs, then the methods), so every env shares one fast hidden class.
  const env = { id: self.id } as MutableEnv;
  Object.defineProperty(env, 'fs', FS_PROPERTY);
  Object.defineProperty(env, ENV_STATE, { value: { self, host, fs: undefined, methods: undefined } satisfies EnvState });
  env.now = () => self.process.clockAt(host.now());
  Object.defineProperty(env, 'random', RANDOM_PROPERTY);
  env.sleep = function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal === undefined) {
      const slept = new Promise<void>(capture);
      const resolve = captured as () => void;
      captured = undefined; // hold no finished run's promise alive
      host.wakeUncancellable(self, ms, resolve);
      return slept;
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    const listeners = host.abortListeners;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        listeners.fired(onAbort);
        timer.cancelled = true;
        if (self.alive) reject(signal.reason);
      };
      const timer = host.wake(self, ms, () => {
        listeners.remove(onAbort);
        resolve();
      });
      listeners.add(signal, onAbort);
    });
  };
  Object.defineProperty(env, 'cancellableSleep', CANCELLABLE_SLEEP_PROPERTY);
  // A dead incarnation can still run a few synchronous steps after its crash; what it says then
  // never reaches the trace, just as a killed machine's last words never reach its log.
  env.log = function log(kind: string, data?: LogData): void {
    if (self.alive) host.record(self.id, kind, data);
  };
  Object.defineProperty(env, 'print', PRINT_PROPERTY);
  Object.defineProperty(env, 'onStop', ON_STOP_PROPERTY);
  return env;
}
